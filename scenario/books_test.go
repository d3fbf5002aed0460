package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

// The books an order makes: in its currency, once whatever order_target
// says, never with a line at a price nobody set, never empty, and without
// touching the articles' master data (issue 10, items 1, 2, 5, 8 and 9).

// seedHubSpot adds records and associations to the HubSpot fake, in its
// seed format.
func (w *world) seedHubSpot(seed map[string]any) {
	w.t.Helper()
	b, err := json.Marshal(seed)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.sb.HubSpot().Seed(strings.NewReader(string(b))); err != nil {
		w.t.Fatal(err)
	}
}

// num reads a HubSpot or eAccounting number, which HubSpot keeps as text.
func num(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case string:
		var f float64
		_ = json.Unmarshal([]byte(v), &f)
		return f
	}
	return 0
}

// orderNet is what a HubSpot order sells before VAT, as a bookkeeper adds
// it up from the order: each line's quantity at its unit price less the
// unit discount and the line's percentage, less the order discount spread
// over the lines, and the shipping. Prices are net (the library's default,
// hubspot_prices_include_vat = false).
func orderNet(o map[string]any) float64 {
	orderFraction := 0.0
	if d, sub := num(o["hs_order_discount"]), num(o["hs_subtotal_price"]); d > 0 && sub > 0 {
		orderFraction = d / sub
	}
	var net float64
	for _, l := range list(o["line_items"]) {
		unit := num(l["price"]) - num(l["discount"])
		net += num(l["quantity"]) * unit * (1 - num(l["hs_discount_percentage"])/100) * (1 - orderFraction)
	}
	return net + num(o["hs_shipping_cost"])
}

// TestDraftsAreInTheOrdersCurrency: an invoice draft takes its customer's
// currency (InvoiceCurrencyCode is read-only), so a draft is made only for
// an order in its customer's currency, with the order's figures; an order
// in another currency than its customer's fails at plan, saying why, and
// nothing is booked for it.
func TestDraftsAreInTheOrdersCurrency(t *testing.T) {
	w := newWorld(t)
	w.vars["order_target"] = "draft"
	// 4013: a German company (a new customer, in EUR as its country has
	// it) pays in SEK.
	w.write("hubspot", "orders", "4013", map[string]any{"hs_currency_code": "SEK"})
	d := readDemo(w)
	pl, _ := w.apply()

	ch := changes(pl, "orders_to_invoice_drafts")["4013"]
	if ch == nil || ch.Action != plan.Error || ch.Field != "CustomerId" ||
		!strings.Contains(ch.Reason, "SEK") || !strings.Contains(ch.Reason, "EUR") || !strings.Contains(ch.Reason, "order_target") {
		t.Errorf("plan of the SEK order of a EUR customer: %+v; want an error on CustomerId naming both currencies and order_target", ch)
	}
	drafts := w.read("eaccounting", "customerinvoicedrafts")
	if m := findBy(drafts, "YourReference", "HS-4013"); len(m) != 0 {
		t.Errorf("the SEK order of a EUR customer was booked as %v", m)
	}

	customers := w.read("eaccounting", "customers")
	checked := 0
	for _, id := range sortedKeys(d.orders) {
		o := d.orders[id]
		m := findBy(drafts, "YourReference", "HS-"+id)
		if len(m) == 0 {
			continue
		}
		draft := m[0]
		if got, want := str(draft["InvoiceCurrencyCode"]), str(o["hs_currency_code"]); got != want {
			t.Errorf("draft of order %s is in %s; want the order's %s", id, got, want)
		}
		cust := one(t, customers, "Id", draft["CustomerId"])
		if cust["IsPrivatePerson"] == true {
			continue // prices include VAT: TestVATPerCountry checks them
		}
		net := num(draft["TotalAmount"]) - num(draft["TotalVatAmount"]) - num(draft["TotalRoundings"])
		if want := orderNet(o); math.Abs(net-want) > 0.05 {
			t.Errorf("draft of order %s (%s) has net %.2f; want the order's %.2f", id, o["hs_currency_code"], net, want)
		}
		checked++
	}
	if checked < 3 {
		t.Errorf("checked %d company drafts; want the demo's (SEK and EUR)", checked)
	}
}

// TestOrderBookedOnceWhateverTheTarget: orders booked as eAccounting
// orders are not booked again when order_target becomes "invoice" or
// "draft"; the plan says where each one is, and neither invoices nor
// drafts are made of them.
func TestOrderBookedOnceWhateverTheTarget(t *testing.T) {
	w := newWorld(t)
	w.apply()
	orders := w.read("eaccounting", "orders")
	invoicesBefore := len(w.read("eaccounting", "customerinvoices"))
	draftsBefore := len(w.read("eaccounting", "customerinvoicedrafts"))

	for _, c := range []struct{ target, flow string }{{"invoice", "orders_to_invoices"}, {"draft", "orders_to_invoice_drafts"}} {
		t.Run(c.target, func(t *testing.T) {
			w.vars["order_target"] = c.target
			pl, res := w.apply()
			planned := changes(pl, c.flow)
			booked := 0
			for _, o := range orders {
				key := strings.TrimPrefix(str(o["YourReference"]), "HS-")
				ch := planned[key]
				want := "booked already as eAccounting order " + str(o["Number"])
				if ch == nil || ch.Action != plan.Skip || ch.Reason != want {
					t.Errorf("plan of order %s: %+v; want skipped, %q", key, ch, want)
				}
				booked++
			}
			if booked == 0 {
				t.Fatal("the first apply booked no order")
			}
			if n := res.Counts().Create; n != 0 {
				for _, fr := range res.Flows {
					for _, r := range fr.Records {
						if r.Action == plan.Create {
							t.Logf("%s created %s", fr.Flow, r.SourceKey)
						}
					}
				}
				t.Errorf("apply with order_target %s created %d records; want none", c.target, n)
			}
			if n := len(w.read("eaccounting", "customerinvoices")); n != invoicesBefore {
				t.Errorf("%d invoices; want the %d there were", n, invoicesBefore)
			}
			if n := len(w.read("eaccounting", "customerinvoicedrafts")); n != draftsBefore {
				t.Errorf("%d drafts; want the %d there were", n, draftsBefore)
			}
		})
	}
}

// TestOrderBookedAsInvoiceIsNotBookedAsOrder: the other way round, an
// order booked as an invoice is skipped when order_target becomes "order",
// and the plan names the invoice.
func TestOrderBookedAsInvoiceIsNotBookedAsOrder(t *testing.T) {
	w := newWorld(t)
	w.vars["order_target"] = "invoice"
	w.apply()
	inv := one(t, w.read("eaccounting", "customerinvoices"), "YourReference", "HS-4001")

	w.vars["order_target"] = "order"
	pl, _ := w.apply()
	want := "booked already as eAccounting invoice " + str(inv["InvoiceNumber"])
	if ch := changes(pl, ordersFlow)["4001"]; ch == nil || ch.Action != plan.Skip || ch.Reason != want {
		t.Errorf("plan of order 4001: %+v; want skipped, %q", ch, want)
	}
	if m := findBy(w.read("eaccounting", "orders"), "YourReference", "HS-4001"); len(m) != 0 {
		t.Errorf("order 4001, booked as invoice %v, was booked again as order %v", inv["InvoiceNumber"], m[0]["Number"])
	}
}

// A paid order of Havsbris (contact 1001, customer 1001) with the given
// line items (properties) and no shipping.
func (w *world) seedOrder(id string, lines ...map[string]any) {
	w.t.Helper()
	var items []map[string]any
	assoc := []map[string]any{{"from": "orders/" + id, "to": "contacts/1001", "typeId": 507}}
	for i, l := range lines {
		lid := id + "-" + string(rune('a'+i))
		items = append(items, map[string]any{"id": lid, "properties": l})
		assoc = append(assoc, map[string]any{"from": "orders/" + id, "to": "line_items/" + lid, "typeId": 513})
	}
	w.seedHubSpot(map[string]any{
		"objects": map[string]any{
			"orders": []map[string]any{{"id": id, "properties": map[string]any{
				"hs_payment_status": "paid", "hs_currency_code": "SEK", "hs_order_name": "Webborder " + id,
				"hs_billing_address_country": "SE", "hs_external_created_date": "2026-03-01T10:00:00Z",
			}}},
			"line_items": items,
		},
		"associations": assoc,
	})
}

// TestLineWithoutPriceFailsItsOrder: a line item that has no price (and
// no product to take one from) makes its order an error at plan that
// names the field; the order is not booked at 0.
func TestLineWithoutPriceFailsItsOrder(t *testing.T) {
	w := newWorld(t)
	w.seedOrder("4901", map[string]any{"hs_sku": "ART-1023", "name": "Pannlampa 300 lm", "quantity": "2"})
	pl, _ := w.apply()
	ch := changes(pl, ordersFlow)["4901"]
	if ch == nil || ch.Action != plan.Error || ch.Field != "Rows" || !strings.Contains(ch.Reason, "no price") || !strings.Contains(ch.Reason, "Pannlampa 300 lm") {
		t.Errorf("plan of the order with a line without price: %+v; want an error on Rows naming the line and its price", ch)
	}
	if m := findBy(w.read("eaccounting", "orders"), "YourReference", "HS-4901"); len(m) != 0 {
		t.Errorf("the order with a line without price was booked: %v", m[0]["Rows"])
	}
}

// TestEmptyOrderIsSkipped: an order without line items is skipped with
// its reason in the plan; allow_empty_orders books it.
func TestEmptyOrderIsSkipped(t *testing.T) {
	w := newWorld(t)
	w.seedOrder("4902")
	pl, _ := w.apply()
	if ch := changes(pl, ordersFlow)["4902"]; ch == nil || ch.Action != plan.Skip || !strings.Contains(ch.Reason, "no line items") {
		t.Errorf("plan of the empty order: %+v; want skipped because it has no line items", ch)
	}
	if m := findBy(w.read("eaccounting", "orders"), "YourReference", "HS-4902"); len(m) != 0 {
		t.Errorf("the empty order was booked, amount %v", m[0]["Amount"])
	}

	w.vars["allow_empty_orders"] = "true"
	_, pl = w.plan(ordersFlow)
	if ch := changes(pl, ordersFlow)["4902"]; ch == nil || ch.Action != plan.Create {
		t.Errorf("plan of the empty order with allow_empty_orders: %+v; want a create", ch)
	}
}

// TestIncrementalOrdersNeverChangeArticles: an order never changes an
// existing article's master data. The case of the report: an -incremental
// run reads only the orders changed since the cursor, not their products,
// so the articles are ensured from the order lines alone, and the lines
// name and price the article otherwise than its product does (a campaign
// name, an order in euros, a discounted line). The orders are created
// through the HubSpot API after the cursor; both are booked at their line
// prices, to their customer, and every article keeps its name and prices.
// Without mode = "create" on the orders' ensure of articles, the article
// took the line's name.
func TestIncrementalOrdersNeverChangeArticles(t *testing.T) {
	w := newWorld(t)
	w.apply()
	w.applyIncremental() // sets every flow's cursor
	before := w.read("eaccounting", "articles")

	// A product with an article that no order sells and that the
	// incremental run does not read again (unchanged since before the
	// products' cursor): only the new orders' lines ensure its article.
	sold := map[string]bool{}
	for _, l := range w.read("hubspot", "line_items") {
		sold[str(l["hs_product_id"])] = true
	}
	cursor, err := w.st.Cursor(t.Context(), "products_to_articles")
	if err != nil || cursor == "" {
		t.Fatalf("products cursor %q, %v; want one", cursor, err)
	}
	products := w.read("hubspot", "products")
	var product map[string]any
	for _, id := range sortedKeys(products) {
		pr := products[id]
		if !sold[id] && pr["hs_sku"] != nil && num(pr["price"]) > 0 && str(pr["hs_lastmodifieddate"]) < cursor &&
			len(findBy(before, "Number", pr["hs_sku"])) == 1 {
			product = pr
			break
		}
	}
	if product == nil {
		t.Fatal("no unsold product with an article, unchanged since the cursor: the case cannot be built")
	}
	article := one(t, before, "Number", product["hs_sku"])
	if num(article["NetPrice"]) == 27 || num(article["NetPrice"]) == 199 {
		t.Fatalf("%s NetPrice %v: the case needs line prices that differ from it", product["hs_sku"], article["NetPrice"])
	}

	// New orders in the shop, after the cursor: one in euros, one with a
	// discounted line price, both selling the product.
	line := func(price, currency string) string {
		return w.create("hubspot", "line_items", map[string]any{
			"hs_product_id": product["hs_object_id"], "hs_sku": product["hs_sku"], "name": str(product["name"]) + " (kampanj)", "price": price, "quantity": "2",
			"hs_line_item_currency_code": currency,
		})
	}
	order := func(name, currency, lineID string) string {
		return w.create("hubspot", "orders", map[string]any{
			"hs_order_name": name, "hs_currency_code": currency, "hs_payment_status": "paid", "hs_payment_processing_method": "card",
			"hs_billing_address_country": "SE", "hs_external_created_date": "2026-03-01T10:00:00Z",
			"associate_line_items": []any{lineID}, "associate_contacts": []any{"1001"},
		})
	}
	euros := order("Euro order", "EUR", line("27", "EUR"))
	discounted := order("Discounted order", "SEK", line("199", "SEK"))

	p := w.project()
	pl, diags := p.Plan(t.Context(), engine.PlanOptions{State: w.st, Incremental: true})
	if diags.HasErrors() {
		t.Fatalf("plan: %s", diagText(diags))
	}
	for _, id := range []string{euros, discounted} {
		if ch := changes(pl, ordersFlow)[id]; ch == nil || ch.Action != plan.Create {
			t.Fatalf("incremental plan of the new order %s: %+v; want a create", id, ch)
		}
	}
	for key, ch := range changes(pl, "products_to_articles") {
		if ch.Action == plan.Update {
			var f []string
			for _, fc := range ch.Fields {
				f = append(f, fmt.Sprintf("%s %v -> %v", fc.Name, fc.Before, fc.After))
			}
			t.Errorf("the incremental order run plans to update the article of %s: %s", key, strings.Join(f, ", "))
		}
	}
	res, diags := p.Apply(t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test"})
	if diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	for key, r := range results(res, "products_to_articles") {
		if r.Action == plan.Update {
			t.Errorf("the incremental order run updated the article of %s", key)
		}
	}
	after := w.read("eaccounting", "articles")
	for id, a := range before {
		b := after[id]
		for _, f := range []string{"NetPrice", "GrossPrice", "Name"} {
			if str(a[f]) != str(b[f]) {
				t.Errorf("article %s %s: %v -> %v; want it unchanged", a["Number"], f, a[f], b[f])
			}
		}
	}

	// The orders are booked at their lines' prices, with the article's
	// VAT, to Havsbris (contact 1001), on the terms of a card payment.
	customer := one(t, w.read("eaccounting", "customers"), "EmailAddress", w.read("hubspot", "contacts")["1001"]["email"])
	rate := num(w.read("eaccounting", "articleaccountcodings")[str(article["CodingId"])]["VatRatePercent"])
	terms := w.read("eaccounting", "termsofpayments")
	orders := w.read("eaccounting", "orders")
	for _, tc := range []struct {
		id, currency string
		unit         float64
	}{{euros, "EUR", 27}, {discounted, "SEK", 199}} {
		o := one(t, orders, "YourReference", "HS-"+tc.id)
		rows := list(o["Rows"])
		if o["CurrencyCode"] != tc.currency || o["CustomerId"] != customer["Id"] || len(rows) == 0 ||
			num(rows[0]["UnitPrice"]) != tc.unit || num(rows[0]["Quantity"]) != 2 || rows[0]["ArticleId"] != article["Id"] {
			t.Errorf("order HS-%s: %v to %v, first row %v; want %s to %v, 2 x %v at %v", tc.id, o["CurrencyCode"], o["CustomerId"], first(rows), tc.currency, customer["Id"], product["hs_sku"], tc.unit)
		}
		net, vat := num(o["Amount"]), num(o["VatAmount"])
		if o["IncludesVat"] == true {
			net -= vat
		}
		if math.Abs(net-2*tc.unit) > 0.005 || math.Abs(vat-rate*2*tc.unit) > 0.005 {
			t.Errorf("order HS-%s booked net %.2f, VAT %.2f; want %.2f and %.2f (%v)", tc.id, net, vat, 2*tc.unit, rate*2*tc.unit, rate)
		}
		if got := terms[str(o["TermsOfPaymentId"])]["Name"]; got != termsByMethod["card"] {
			t.Errorf("order HS-%s paid by card has terms %v; want %s", tc.id, got, termsByMethod["card"])
		}
	}
}
