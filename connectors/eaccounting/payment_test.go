package eaccounting

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// cardTerms is the demo company's "Kortbetalning" terms of payment.
func cardTerms(t *testing.T, e *env) string {
	t.Helper()
	found, err := e.object(t, "termsofpayments").Find(t.Context(), "Name", []any{"Kortbetalning"})
	if err != nil || len(found) != 1 {
		t.Fatalf("terms Kortbetalning: %v, %v", found, err)
	}
	return found[0].ID
}

// paidDraft writes a draft of 100 SEK net, converted and paid in full.
func paidDraft(t *testing.T, e *env, terms string) connectors.WriteResult {
	t.Helper()
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	art := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	return e.writer(t, "customerinvoicedrafts").Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{
		"CustomerId": cust.ID, "EuThirdParty": false, "RotReducedInvoicingType": int64(0), "YourReference": "HS-77",
		"TermsOfPaymentId": terms,
		"Rows":             []any{map[string]any{"ArticleId": art.ID, "Quantity": 1.0, "UnitPrice": 100.0, "IsTextRow": false, "ReversedConstructionServicesVatFree": false}},
		fieldInvoiced:      true,
		fieldPayment:       map[string]any{"CompanyBankAccountId": eaccountingtest.DemoBankAccount, "PaymentDate": time.Now().UTC().Format(time.DateOnly), "Reference": "WEB-77"},
	}}})[0]
}

func invoiceOf(t *testing.T, e *env, rec connectors.Record) map[string]any {
	t.Helper()
	invs, err := e.object(t, "customerinvoices").Get(t.Context(), []string{rec.Fields[fieldInvoiceID].(string)})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoice of %v: %v, %v", rec.Fields[fieldInvoiceID], invs, err)
	}
	return invs[0].Fields
}

// TestPaidInvoiceFromDraft: a draft written with its own terms of payment
// and a Payment becomes a booked invoice at those terms (not the
// customer's), paid in full: nothing remains, PaymentStatus 0 (Paid).
func TestPaidInvoiceFromDraft(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	terms := cardTerms(t, e)
	res := paidDraft(t, e, terms)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	inv := invoiceOf(t, e, res.Record)
	if inv["TermsOfPaymentId"] != terms {
		t.Errorf("invoice TermsOfPaymentId = %v; want the draft's %s, not the customer's", inv["TermsOfPaymentId"], terms)
	}
	if inv["RemainingAmountInvoiceCurrency"] != 0.0 || inv["PaymentStatus"] != int64(0) || inv["TotalAmountInvoiceCurrency"] != 125.0 {
		t.Errorf("invoice total %v, remaining %v, PaymentStatus %v; want 125 paid in full (0, status 0)",
			inv["TotalAmountInvoiceCurrency"], inv["RemainingAmountInvoiceCurrency"], inv["PaymentStatus"])
	}
	if n := e.srv.Requests("POST /v2/customerinvoices/{invoiceId}/payments"); n != 1 {
		t.Errorf("payments posted = %d; want 1", n)
	}
}

// TestLostPaymentAnswerIsNotPaidTwice: when the answer to the payment is
// lost, the invoice is read again: it is paid, and no second payment is
// posted.
func TestLostPaymentAnswerIsNotPaidTwice(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customerinvoices/", DropAfterCommit: true})
	res := paidDraft(t, e, cardTerms(t, e))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if inv := invoiceOf(t, e, res.Record); inv["RemainingAmountInvoiceCurrency"] != 0.0 {
		t.Errorf("remaining = %v; want 0", inv["RemainingAmountInvoiceCurrency"])
	}
	if n := e.srv.Requests("POST /v2/customerinvoices/{invoiceId}/payments"); n != 1 {
		t.Errorf("payments posted = %d; want 1", n)
	}
}

// TestPaymentNeedsInvoiced: a Payment on a write that books no invoice is
// refused before anything is written.
func TestPaymentNeedsInvoiced(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	res := e.writer(t, "customerinvoicedrafts").Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{
		"CustomerId": cust.ID, "EuThirdParty": false, "RotReducedInvoicingType": int64(0),
		fieldPayment: map[string]any{"CompanyBankAccountId": eaccountingtest.DemoBankAccount, "PaymentDate": "2026-01-02"},
	}}})[0]
	if res.Err == nil || !strings.Contains(res.Err.Error(), "Payment needs Invoiced = true") || res.Record.ID != "" {
		t.Fatalf("result = %+v; want a refusal before the draft is stored", res)
	}
	if n := e.srv.Requests("POST /v2/customerinvoicedrafts"); n != 0 {
		t.Errorf("drafts posted = %d; want 0", n)
	}
}

// TestOrderTermsOverrideTheCustomers: an order's TermsOfPaymentId (current
// API) is kept on the order and on the invoice made from it; an unknown one
// is refused.
func TestOrderTermsOverrideTheCustomers(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	terms := cardTerms(t, e)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	art := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	orders := e.writer(t, "orders")
	fields := func(terms string) map[string]any {
		return map[string]any{
			"CustomerId": cust.ID, "CurrencyCode": "SEK", "OrderDate": "2026-01-02", "Status": int64(2), "TermsOfPaymentId": terms,
			"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0),
			"Rows": []any{map[string]any{"LineNumber": int64(0), "ArticleId": art.ID, "Quantity": 1.0, "UnitPrice": 100.0,
				"IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}},
		}
	}
	order := write1(t, orders, connectors.Write{Action: connectors.Create, Fields: fields(terms)})
	if order.Fields["TermsOfPaymentId"] != terms {
		t.Errorf("order TermsOfPaymentId = %v; want %s", order.Fields["TermsOfPaymentId"], terms)
	}
	order = write1(t, orders, connectors.Write{Action: connectors.Update, ID: order.ID, Fields: map[string]any{fieldInvoiced: true}})
	if inv := invoiceOf(t, e, order); inv["TermsOfPaymentId"] != terms {
		t.Errorf("invoice TermsOfPaymentId = %v; want the order's %s", inv["TermsOfPaymentId"], terms)
	}
	res := orders.Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: fields("00000000-0000-4000-8000-000000000000")}})
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "TermsOfPayment") {
		t.Errorf("an order with unknown terms: %v; want a not-found error naming TermsOfPayment", res[0].Err)
	}
}
