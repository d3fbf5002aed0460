package scenario

import (
	"slices"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// demo is the sandbox's HubSpot demo as read before any apply, with the
// order includes, and the eAccounting customers and articles it starts with.
type demo struct {
	orders    map[string]map[string]any
	customers map[string]map[string]any
	articles  map[string]map[string]any
}

func readDemo(w *world) demo {
	return demo{
		orders:    w.read("hubspot", "orders", "line_items", "contacts", "companies"),
		customers: w.read("eaccounting", "customers"),
		articles:  w.read("eaccounting", "articles"),
	}
}

func list(v any) []map[string]any {
	var out []map[string]any
	l, _ := v.([]any)
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// pick returns the id of the first demo order (by id) that matches.
func (d demo) pick(t *testing.T, what string, match func(o map[string]any) bool) string {
	t.Helper()
	for _, id := range sortedKeys(d.orders) {
		if match(d.orders[id]) {
			return id
		}
	}
	t.Fatalf("the demo has no order that %s", what)
	return ""
}

func paid(o map[string]any) bool { return o["hs_payment_status"] == "paid" }

// sent says whether an order reaches eAccounting: paid (the demo's bad
// record, which fails at plan, is only there with sandbox.Options.BadRecord).
func sent(o map[string]any) bool { return paid(o) }

// needsArticles says whether an order sells an article eAccounting lacks.
func (d demo) needsArticles(o map[string]any) bool {
	for _, line := range list(o["line_items"]) {
		if len(findBy(d.articles, "Number", line["hs_sku"])) == 0 {
			return true
		}
	}
	return false
}

func contactEmail(o map[string]any) string {
	c := list(o["contacts"])
	if len(c) == 0 {
		return ""
	}
	return str(c[0]["email"])
}

// TestOrders applies the whole library once to the sandbox's demo and
// checks, behaviour by behaviour, what reached eAccounting and HubSpot.
func TestOrders(t *testing.T) {
	w := newWorld(t)
	d := readDemo(w)
	pl, res := w.apply()

	eaOrders := w.read("eaccounting", "orders")
	eaCustomers := w.read("eaccounting", "customers")
	eaArticles := w.read("eaccounting", "articles")
	hsOrders := w.read("hubspot", "orders")
	orderOf := func(t *testing.T, id string) map[string]any {
		t.Helper()
		return one(t, eaOrders, "YourReference", "HS-"+id)
	}
	rows := func(o map[string]any) []map[string]any { return list(o["Rows"]) }

	t.Run("paid order with a company creates the company customer, its contact person, the missing articles and the order", func(t *testing.T) {
		id := d.pick(t, "is paid, by a company contact who is not an eAccounting customer yet", func(o map[string]any) bool {
			return sent(o) && len(list(o["companies"])) > 0 && contactEmail(o) != "" &&
				len(findBy(d.customers, "EmailAddress", contactEmail(o))) == 0 && d.needsArticles(o)
		})
		o := d.orders[id]
		contact, company := list(o["contacts"])[0], list(o["companies"])[0]
		cust := one(t, eaCustomers, "EmailAddress", contactEmail(o))
		if cust["IsPrivatePerson"] != false || cust["Name"] != company["name"] ||
			cust["ContactPersonName"] != str(contact["firstname"])+" "+str(contact["lastname"]) || cust["ContactPersonEmail"] != contactEmail(o) {
			t.Errorf("customer = %v; want company %v with contact person %v %v", cust, company["name"], contact["firstname"], contact["lastname"])
		}
		order := orderOf(t, id)
		if order["CustomerId"] != cust["Id"] {
			t.Errorf("order CustomerId = %v; want the new customer %v", order["CustomerId"], cust["Id"])
		}
		for _, line := range list(o["line_items"]) {
			sku := str(line["hs_sku"])
			a := one(t, eaArticles, "Number", sku)
			if !slices.ContainsFunc(rows(order), func(r map[string]any) bool { return r["ArticleId"] == a["Id"] && r["Quantity"] == line["quantity"] }) {
				t.Errorf("order rows %v have no row of article %s, quantity %v", rows(order), sku, line["quantity"])
			}
		}
	})

	t.Run("an unpaid order is skipped", func(t *testing.T) {
		for _, id := range sortedKeys(d.orders) {
			if !paid(d.orders[id]) {
				if m := findBy(eaOrders, "YourReference", "HS-"+id); len(m) != 0 {
					t.Errorf("order %s (%v) reached eAccounting", id, d.orders[id]["hs_payment_status"])
				}
			}
		}
		if fp := pl.Flow("orders_to_eaccounting_orders"); fp.Filtered == 0 {
			t.Error("the plan filtered no order out")
		}
	})

	t.Run("an order whose contact is a customer by e-mail updates that customer", func(t *testing.T) {
		o := d.orders["4001"]
		email := contactEmail(o)
		before := one(t, d.customers, "EmailAddress", email)
		after := one(t, eaCustomers, "EmailAddress", email)
		if after["Id"] != before["Id"] || after["CustomerNumber"] != "1001" {
			t.Errorf("customer with %s = %v; want customer 1001 kept", email, after)
		}
		if orderOf(t, "4001")["CustomerId"] != before["Id"] {
			t.Errorf("order 4001 is not on customer 1001")
		}
	})

	t.Run("an order by a person without company creates a private-person customer", func(t *testing.T) {
		id := d.pick(t, "is paid, by a new contact without company", func(o map[string]any) bool {
			return sent(o) && len(list(o["companies"])) == 0 && contactEmail(o) != "" && len(findBy(d.customers, "EmailAddress", contactEmail(o))) == 0
		})
		c := list(d.orders[id]["contacts"])[0]
		cust := one(t, eaCustomers, "EmailAddress", contactEmail(d.orders[id]))
		if cust["IsPrivatePerson"] != true || cust["Name"] != str(c["firstname"])+" "+str(c["lastname"]) || cust["ContactPersonName"] != nil {
			t.Errorf("customer = %v; want private person %v %v", cust, c["firstname"], c["lastname"])
		}
		if orderOf(t, id)["IncludesVat"] != true {
			t.Errorf("order %s of a private person does not show prices including VAT", id)
		}
	})

	t.Run("an order without contact goes to the default debtor", func(t *testing.T) {
		debtor := one(t, d.customers, "CustomerNumber", "1000")
		if got := orderOf(t, "4003")["CustomerId"]; got != debtor["Id"] {
			t.Errorf("order 4003 CustomerId = %v; want the default debtor %v", got, debtor["Id"])
		}
	})

	t.Run("the freight is a row of the freight article", func(t *testing.T) {
		id := d.pick(t, "is paid, by a company, with shipping costs", func(o map[string]any) bool {
			return sent(o) && len(list(o["companies"])) > 0 && str(o["hs_shipping_cost"]) != "0" && o["hs_shipping_cost"] != nil
		})
		freight := one(t, d.articles, "Number", "FRAKT")
		r := rows(orderOf(t, id))
		last := r[len(r)-2] // the payment terms row follows it
		if last["ArticleId"] != freight["Id"] || last["UnitPrice"] != d.orders[id]["hs_shipping_cost"] || last["Quantity"] != 1.0 {
			t.Errorf("freight row = %v; want article FRAKT at %v", last, d.orders[id]["hs_shipping_cost"])
		}
	})

	t.Run("line and order discounts become row discount percentages", func(t *testing.T) {
		id := d.pick(t, "is paid, with an order discount", func(o map[string]any) bool { return sent(o) && o["hs_order_discount"] != nil })
		o := d.orders[id]
		orderPct := o["hs_order_discount"].(float64) / o["hs_subtotal_price"].(float64)
		r := rows(orderOf(t, id))
		for i, line := range list(o["line_items"]) {
			linePct, _ := line["hs_discount_percentage"].(float64)
			want := 1 - (1-linePct/100)*(1-orderPct)
			got, _ := r[i]["DiscountPercentage"].(float64)
			if diff := got - want; diff > 0.0001 || diff < -0.0001 {
				t.Errorf("row %d DiscountPercentage = %v; want %.4f (line %v %%, order %.4f)", i, got, want, linePct, orderPct)
			}
		}
	})

	t.Run("shipping method and payment method map to delivery method and payment terms", func(t *testing.T) {
		for _, c := range []struct{ shipping, delivery string }{{"standard", "POST"}, {"express", "BUD"}} {
			id := d.pick(t, "is paid and shipped "+c.shipping, func(o map[string]any) bool { return sent(o) && o["hs_shipping_method"] == c.shipping })
			if got := orderOf(t, id)["DeliveryMethodCode"]; got != c.delivery {
				t.Errorf("order %s (%s) DeliveryMethodCode = %v; want %s", id, c.shipping, got, c.delivery)
			}
		}
		for _, c := range []struct{ method, terms string }{{"card", "Kortbetalning"}, {"invoice", "30 dagar netto"}} {
			id := d.pick(t, "is paid by "+c.method, func(o map[string]any) bool { return sent(o) && o["hs_payment_processing_method"] == c.method })
			r := rows(orderOf(t, id))
			if last := r[len(r)-1]; last["IsTextRow"] != true || last["Text"] != "Betalningsvillkor: "+c.terms {
				t.Errorf("order %s (%s) last row = %v; want the text row of terms %q", id, c.method, last, c.terms)
			}
		}
	})

	t.Run("the eAccounting order number is written back to the HubSpot order", func(t *testing.T) {
		for _, id := range []string{"4001", "4003"} {
			want := str(orderOf(t, id)["Number"])
			if got := hsOrders[id]["eaccounting_order_number"]; want == "" || got != want {
				t.Errorf("HubSpot order %s eaccounting_order_number = %v; want %s", id, got, want)
			}
		}
		if ch := changes(pl, "orders_to_eaccounting_orders.write_back")["4004"]; ch == nil || after(ch, "eaccounting_order_number") != plan.Unknown {
			t.Errorf("plan of the write-back of 4004 = %+v; want the number known after apply", ch)
		}
	})

	t.Run("every paid order is created, 4002 with the article of its gift wrap line", func(t *testing.T) {
		var created int
		for _, r := range results(res, "orders_to_eaccounting_orders") {
			if r.Action == plan.Create {
				created++
			}
		}
		var paidOrders int
		for _, o := range d.orders {
			if paid(o) {
				paidOrders++
			}
		}
		if created != paidOrders {
			t.Errorf("%d orders created; want every paid order (%d)", created, paidOrders)
		}
		wrap := one(t, eaArticles, "Number", "PRESENTINSLAGNING")
		if !slices.ContainsFunc(rows(orderOf(t, "4002")), func(r map[string]any) bool { return r["ArticleId"] == wrap["Id"] }) {
			t.Errorf("order 4002 rows = %v; want a row of the gift wrap article %v", rows(orderOf(t, "4002")), wrap["Id"])
		}
	})

	t.Run("applying again creates nothing new", func(t *testing.T) {
		_, res := w.apply()
		c := res.Counts()
		if c.Create != 0 || c.Update != 0 {
			for _, fr := range res.Flows {
				for _, r := range fr.Records {
					if r.Action == plan.Create || r.Action == plan.Update {
						t.Logf("%s %s %s", fr.Flow, r.Action, r.SourceKey)
					}
				}
			}
			t.Errorf("second apply: %+v; want no creates or updates", c)
		}
		if n := len(w.read("eaccounting", "orders")); n != len(eaOrders) {
			t.Errorf("%d eAccounting orders after the second apply; want %d", n, len(eaOrders))
		}
	})
}
