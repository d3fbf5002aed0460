package eaccounting

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

func write1(t *testing.T, w *writableObject, wr connectors.Write) connectors.Record {
	t.Helper()
	res := w.Write(t.Context(), []connectors.Write{wr})
	if res[0].Err != nil {
		t.Fatalf("%s %s: %v", wr.Action, w.def.name, res[0].Err)
	}
	return res[0].Record
}

func TestOrderLifecycle(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	art := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	orders := e.writer(t, "orders")
	today := time.Now().UTC().Format(time.DateOnly)
	order := write1(t, orders, connectors.Write{Action: connectors.Create, KeyField: "YourReference", Fields: map[string]any{
		"CustomerId": cust.ID, "CurrencyCode": "SEK", "OrderDate": today, "Status": int64(2),
		"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0),
		"YourReference": "deal 4711",
		"Rows": []any{
			map[string]any{"LineNumber": int64(0), "ArticleId": art.ID, "Quantity": 2.0, "UnitPrice": 100.0,
				"IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false},
			map[string]any{"LineNumber": int64(1), "Text": "Thank you", "IsTextRow": true,
				"IsWorkCost": false, "EligibleForReverseChargeOnVat": false},
		},
	}})
	if order.Fields["OrderDate"] != today || order.Fields[fieldShipped] != false || order.Fields[fieldInvoiced] != false {
		t.Errorf("created order: OrderDate %v, Shipped %v, Invoiced %v; want %s, false, false",
			order.Fields["OrderDate"], order.Fields[fieldShipped], order.Fields[fieldInvoiced], today)
	}
	if _, ok := order.Fields["Number"].(int64); !ok {
		t.Errorf("order Number = %#v; want an int64", order.Fields["Number"])
	}

	// An update of one field keeps the rows.
	order = write1(t, orders, connectors.Write{Action: connectors.Update, ID: order.ID, Fields: map[string]any{"OurReference": "Sales team"}})
	if rows, _ := order.Fields["Rows"].([]any); len(rows) != 2 || order.Fields["YourReference"] != "deal 4711" {
		t.Errorf("after update: %d rows, YourReference %v; want 2 and unchanged", len(rows), order.Fields["YourReference"])
	}

	// Mark shipped.
	order = write1(t, orders, connectors.Write{Action: connectors.Update, ID: order.ID, Fields: map[string]any{fieldShipped: true}})
	if order.Fields["Status"] != int64(orderShipped) || order.Fields[fieldShipped] != true || order.Fields["ShippedDateTime"] != today {
		t.Errorf("after Shipped: Status %v, Shipped %v, ShippedDateTime %v", order.Fields["Status"], order.Fields[fieldShipped], order.Fields["ShippedDateTime"])
	}
	res := orders.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: order.ID, Fields: map[string]any{fieldShipped: false}}})
	if res[0].Err == nil {
		t.Error("Shipped back to false: no error")
	}

	// Invoice it.
	order = write1(t, orders, connectors.Write{Action: connectors.Update, ID: order.ID, Fields: map[string]any{fieldInvoiced: true}})
	invID, _ := order.Fields[fieldInvoiceID].(string)
	if invID == "" || order.Fields[fieldInvoiced] != true {
		t.Fatalf("after Invoiced: %v", order.Fields)
	}
	got, err := orders.Get(t.Context(), []string{order.ID})
	if err != nil || len(got) != 1 || got[0].Fields[fieldInvoiced] != true || got[0].Fields["Status"] != int64(orderInvoiced) {
		t.Errorf("order read after invoicing = %v, %v; want Invoiced, Status 4", got, err)
	}
	invs, err := e.object(t, "customerinvoices").Find(t.Context(), "CreatedFromOrderId", []any{order.ID})
	if err != nil || len(invs) != 1 || invs[0].ID != invID {
		t.Fatalf("invoice from order = %v, %v; want %s", ids(invs), err, invID)
	}
	inv := invs[0].Fields
	if inv["PaymentStatus"] != int64(1) || inv["RemainingAmount"] == nil {
		t.Errorf("invoice PaymentStatus %v, RemainingAmount %v; want 1 (unpaid) and an amount", inv["PaymentStatus"], inv["RemainingAmount"])
	}
	// Re-applying the same state is a no-op, not a second invoice.
	write1(t, orders, connectors.Write{Action: connectors.Update, ID: order.ID, Fields: map[string]any{fieldInvoiced: true, fieldShipped: true}})
	if n := e.srv.Requests("POST /v2/orders/{id}/convert"); n != 1 {
		t.Errorf("converts = %d; want 1", n)
	}
}

func TestDraftConvertedOnCreate(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	art := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	drafts := e.writer(t, "customerinvoicedrafts")
	rec := write1(t, drafts, connectors.Write{Action: connectors.Create, Fields: map[string]any{
		"CustomerId": cust.ID, "EuThirdParty": false, "RotReducedInvoicingType": int64(0), "YourReference": "deal 42",
		"Rows":        []any{map[string]any{"ArticleId": art.ID, "Quantity": 1.0, "UnitPrice": 100.0, "IsTextRow": false, "ReversedConstructionServicesVatFree": false}},
		fieldInvoiced: true,
	}})
	invID, _ := rec.Fields[fieldInvoiceID].(string)
	if invID == "" || rec.Fields[fieldInvoiced] != true {
		t.Fatalf("draft write result %v; want Invoiced and an InvoiceId", rec.Fields)
	}
	left, _, _ := readAll(t, e.object(t, "customerinvoicedrafts"), connectors.ReadRequest{})
	if len(left) != 0 {
		t.Errorf("drafts after converting = %d; want 0", len(left))
	}
	invs, err := e.object(t, "customerinvoices").Get(t.Context(), []string{invID})
	if err != nil || len(invs) != 1 || invs[0].Fields["CreatedFromDraftId"] != rec.ID {
		t.Errorf("invoice %s = %v, %v; want it made from draft %s", invID, invs, err, rec.ID)
	}
	// Invoices read incrementally, by modifiedSinceUtc: a new invoice
	// shows, the one read before does not.
	_, _, cursor := readAll(t, e.object(t, "customerinvoices"), connectors.ReadRequest{})
	if cursor == "" {
		t.Fatal("customerinvoices gave no cursor")
	}
	second := write1(t, drafts, connectors.Write{Action: connectors.Create, Fields: map[string]any{
		"CustomerId": cust.ID, "EuThirdParty": false, "RotReducedInvoicingType": int64(0),
		"Rows":        []any{map[string]any{"ArticleId": art.ID, "Quantity": 2.0, "UnitPrice": 100.0, "IsTextRow": false, "ReversedConstructionServicesVatFree": false}},
		fieldInvoiced: true,
	}})
	changed, _, _ := readAll(t, e.object(t, "customerinvoices"), connectors.ReadRequest{Cursor: cursor})
	if len(changed) != 1 || changed[0].ID != second.Fields[fieldInvoiceID] {
		t.Errorf("incremental invoice read = %v; want only %v", ids(changed), second.Fields[fieldInvoiceID])
	}
}

func TestFailedActionKeepsTheStoredRecord(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	// A draft order (Status 1) cannot be invoiced.
	res := e.writer(t, "orders").Write(t.Context(), []connectors.Write{{Action: connectors.Create, KeyField: "YourReference", Fields: map[string]any{
		"CustomerId": cust.ID, "CurrencyCode": "SEK", "OrderDate": "2026-01-02", "Status": int64(1),
		"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0),
		"YourReference": "deal 1", fieldInvoiced: true,
	}}})
	var ae *connectors.APIError
	if res[0].Err == nil || res[0].Record.ID == "" || !errors.As(res[0].Err, &ae) || !strings.Contains(res[0].Err.Error(), "stored, but") {
		t.Fatalf("result = %+v; want the stored order and the convert error", res[0])
	}
}

func TestLostConvertAnswerIsReconciled(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	art := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	orders := e.writer(t, "orders")
	order := write1(t, orders, connectors.Write{Action: connectors.Create, Fields: map[string]any{
		"CustomerId": cust.ID, "CurrencyCode": "SEK", "OrderDate": "2026-01-02", "Status": int64(2),
		"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0),
		"Rows": []any{map[string]any{"LineNumber": int64(0), "ArticleId": art.ID, "Quantity": 1.0, "UnitPrice": 100.0,
			"IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}},
	}})
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders/", DropAfterCommit: true})
	got := write1(t, orders, connectors.Write{Action: connectors.Update, ID: order.ID, Fields: map[string]any{fieldInvoiced: true}})
	invs, err := e.object(t, "customerinvoices").Find(t.Context(), "CreatedFromOrderId", []any{order.ID})
	if err != nil || len(invs) != 1 || got.Fields[fieldInvoiceID] != invs[0].ID {
		t.Errorf("InvoiceId %v, invoices %v, %v; want the one invoice", got.Fields[fieldInvoiceID], ids(invs), err)
	}
}
