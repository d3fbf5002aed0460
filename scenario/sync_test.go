package scenario

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine"
)

// write updates one record through a connector opened on a fake, as a user
// editing it in that system would.
func (w *world) write(kind, object, id string, fields map[string]any) {
	w.t.Helper()
	obj, err := w.open(kind).Object(object)
	if err != nil {
		w.t.Fatal(err)
	}
	res := obj.(connectors.Writer).Write(w.t.Context(), []connectors.Write{{Action: connectors.Update, ID: id, Fields: fields}})
	if res[0].Err != nil {
		w.t.Fatalf("update %s %s %s: %v", kind, object, id, res[0].Err)
	}
}

// applyIncremental plans the named flows from their stored cursors and
// applies them, as `kopla apply -flow NAME -incremental` does.
func (w *world) applyIncremental(flows ...string) *engine.Result {
	w.t.Helper()
	p := w.project()
	pl, diags := p.Plan(w.t.Context(), engine.PlanOptions{State: w.st, Flows: flows, Incremental: true})
	if diags.HasErrors() {
		w.t.Fatalf("plan: %s", diagText(diags))
	}
	res, diags := p.Apply(w.t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test"})
	if diags.HasErrors() {
		w.t.Fatalf("apply: %s", diagText(diags))
	}
	return res
}

// TestProductDescriptionSurvivesResync: a product created in HubSpot from an
// eAccounting article gets its description once; a description enriched in
// HubSpot afterwards is never overwritten, while the fields eAccounting
// owns keep following it.
func TestProductDescriptionSurvivesResync(t *testing.T) {
	w := newWorld(t)
	w.apply()
	product := one(t, w.read("hubspot", "products"), "hs_sku", "ART-2001")
	if product["description"] != "Vedkorg i filt" {
		t.Fatalf("description of the product made from ART-2001 = %v; want the article's name", product["description"])
	}
	w.write("hubspot", "products", str(product["hs_object_id"]), map[string]any{"description": "Handgjord vedkorg i tovad ull, enriched in HubSpot."})
	article := one(t, w.read("eaccounting", "articles"), "Number", "ART-2001")
	w.write("eaccounting", "articles", str(article["Id"]), map[string]any{"NameEnglish": "Felt log basket", "PurchasePrice": 210.0})

	w.apply()
	product = one(t, w.read("hubspot", "products"), "hs_sku", "ART-2001")
	if product["description"] != "Handgjord vedkorg i tovad ull, enriched in HubSpot." {
		t.Errorf("description after a re-sync = %q; want the HubSpot edit kept", product["description"])
	}
	if product["hs_cost_of_goods_sold"] != 210.0 {
		t.Errorf("hs_cost_of_goods_sold = %v; want 210 from eAccounting", product["hs_cost_of_goods_sold"])
	}
}

// TestStockReachesHubSpot: a stock change in eAccounting reaches the
// HubSpot product with the small incremental stock flow.
func TestStockReachesHubSpot(t *testing.T) {
	w := newWorld(t)
	w.apply()
	article := one(t, w.read("eaccounting", "articles"), "Number", "ART-1001")
	want := article["StockBalance"].(float64) + 17
	w.write("eaccounting", "articles", str(article["Id"]), map[string]any{"StockBalance": want})

	res := w.applyIncremental("stock")
	if c := res.Counts(); c.Update != 1 || c.Error != 0 {
		t.Errorf("incremental stock apply: %+v; want the one changed article updated", c)
	}
	product := one(t, w.read("hubspot", "products"), "hs_sku", "ART-1001")
	if product["stock_quantity"] != want {
		t.Errorf("HubSpot stock_quantity of ART-1001 = %v; want %v", product["stock_quantity"], want)
	}
}

// TestInvoicePaymentStatusReachesHubSpot: with order_target "invoice" paid
// orders become booked invoices; their numbers and payment status reach the
// HubSpot order, and every invoice is mirrored as a HubSpot invoice.
func TestInvoicePaymentStatusReachesHubSpot(t *testing.T) {
	w := newWorld(t)
	w.vars["order_target"] = "invoice"
	// No payment method is paid at checkout here (payment_accounts): every
	// invoice stays open until a payment is registered in eAccounting.
	w.vars["payment_accounts"] = "{}"
	before := w.read("eaccounting", "customerinvoices") // the demo's own invoices
	w.apply()
	invoices := w.read("eaccounting", "customerinvoices")
	inv := one(t, invoices, "YourReference", "HS-4001")
	if orders := findBy(w.read("eaccounting", "orders"), "YourReference", "HS-4001"); len(orders) != 0 {
		t.Errorf("order_target invoice made an eAccounting order too")
	}
	if err := w.sb.EAccounting().PayInvoice(str(inv["Id"]), inv["TotalAmountInvoiceCurrency"].(float64)); err != nil {
		t.Fatal(err)
	}

	_, res := w.apply()
	// The demo's invoices were mirrored by the first apply; the ones made
	// from orders were booked during it and are mirrored now.
	if c := res.Counts(); c.Create != len(invoices)-len(before) {
		t.Errorf("second apply created %d records; want the %d new HubSpot invoices", c.Create, len(invoices)-len(before))
	}
	hsOrders := w.read("hubspot", "orders")
	if o := hsOrders["4001"]; o["eaccounting_payment_status"] != "paid" || o["eaccounting_invoice_number"] != str(inv["InvoiceNumber"]) {
		t.Errorf("HubSpot order 4001: payment status %v, invoice number %v; want paid, %v", o["eaccounting_payment_status"], o["eaccounting_invoice_number"], inv["InvoiceNumber"])
	}
	if o := hsOrders["4003"]; o["eaccounting_payment_status"] != "unpaid" {
		t.Errorf("HubSpot order 4003 payment status = %v; want unpaid", o["eaccounting_payment_status"])
	}
	hsInvoices := w.read("hubspot", "invoices", "contacts")
	mirror := one(t, hsInvoices, "eaccounting_invoice_id", inv["Id"])
	if mirror["hs_invoice_status"] != "paid" || mirror["hs_invoice_billable"] != false {
		t.Errorf("HubSpot invoice of HS-4001: status %v, billable %v; want paid, not billable", mirror["hs_invoice_status"], mirror["hs_invoice_billable"])
	}
	contacts := list(mirror["contacts"])
	if len(contacts) != 1 || contacts[0]["email"] != inv["CustomerEmail"] {
		t.Errorf("HubSpot invoice of HS-4001 is associated with %v; want the contact %v", contacts, inv["CustomerEmail"])
	}

	// Applying again changes nothing: no second invoice for an order.
	_, res = w.apply()
	if c := res.Counts(); c.Create != 0 || c.Update != 0 {
		t.Errorf("third apply: %+v; want nothing to do", c)
	}
}

// TestInvoiceDrafts: with order_target "draft" paid orders become invoice
// drafts, once.
func TestInvoiceDrafts(t *testing.T) {
	w := newWorld(t)
	w.vars["order_target"] = "draft"
	w.apply()
	drafts := w.read("eaccounting", "customerinvoicedrafts")
	d := one(t, drafts, "YourReference", "HS-4003")
	debtor := one(t, w.read("eaccounting", "customers"), "CustomerNumber", "1000")
	if d["CustomerId"] != debtor["Id"] || len(list(d["Rows"])) == 0 {
		t.Errorf("draft of 4003 = %v; want rows, on the default debtor", d)
	}
	w.apply()
	if n := len(w.read("eaccounting", "customerinvoicedrafts")); n != len(drafts) {
		t.Errorf("%d drafts after applying again; want %d", n, len(drafts))
	}
}

// TestDealsToOrders: with deals_to_orders, won deals become eAccounting
// orders for their company's contact, with their line items.
func TestDealsToOrders(t *testing.T) {
	w := newWorld(t)
	w.vars["deals_to_orders"] = "true"
	deals := w.read("hubspot", "deals", "line_items", "contacts")
	w.apply()
	orders := w.read("eaccounting", "orders")
	customers := w.read("eaccounting", "customers")
	var won int
	for id, d := range deals {
		refs := findBy(orders, "YourReference", "HSD-"+id)
		if d["dealstage"] != "closedwon" {
			if len(refs) != 0 {
				t.Errorf("deal %s (%v) became an order", id, d["dealstage"])
			}
			continue
		}
		won++
		if len(refs) != 1 {
			t.Errorf("won deal %s: %d orders; want 1", id, len(refs))
			continue
		}
		o := refs[0]
		cust := one(t, customers, "Id", o["CustomerId"])
		if c := list(d["contacts"]); len(c) == 0 || cust["EmailAddress"] != c[0]["email"] || cust["IsPrivatePerson"] != false {
			t.Errorf("deal %s order customer = %v; want the company customer of its contact", id, cust)
		}
		if n := len(list(o["Rows"])); n != len(list(d["line_items"])) {
			t.Errorf("deal %s order has %d rows; want one per line item (%d)", id, n, len(list(d["line_items"])))
		}
	}
	if won == 0 {
		t.Fatal("the demo has no won deal")
	}
}
