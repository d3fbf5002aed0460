package scenario

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// buyerOrder is a paid card order seeded into the HubSpot fake, with one
// line of a demo product and the given billing e-mail, contact and company
// (empty for none).
type buyerOrder struct {
	id, email, contact, company string
}

func seedBuyerOrders(t *testing.T, w *world, orders []buyerOrder, extra string) {
	t.Helper()
	// A demo product whose article eAccounting has. A seed is stored as
	// given, so the line carries the name, SKU and price HubSpot copies
	// from the product when a line item is created from it.
	products, articles := w.read("hubspot", "products"), w.read("eaccounting", "articles")
	product := ""
	for _, id := range sortedKeys(products) {
		if sku := products[id]["hs_sku"]; product == "" && sku != nil && len(findBy(articles, "Number", sku)) == 1 {
			product = id
		}
	}
	if product == "" {
		t.Fatal("the demo has no HubSpot product whose article eAccounting has")
	}
	var objs, lines, assocs []string
	for i, o := range orders {
		line := fmt.Sprint(5950 + i)
		email := ""
		if o.email != "" {
			email = fmt.Sprintf(`"hs_billing_address_email": %q,`, o.email)
		}
		objs = append(objs, fmt.Sprintf(`{"id": %q, "properties": {
      "hs_order_name": "Webborder %s", "hs_currency_code": "SEK", %s
      "hs_payment_status": "paid", "hs_payment_processing_method": "card",
      "hs_external_created_date": "2026-02-20T10:00:00Z", "hs_processed_date": "2026-02-20T10:05:00Z",
      "hs_billing_address_firstname": "Saga", "hs_billing_address_lastname": "Lind", "hs_billing_address_name": "Saga Lind",
      "hs_billing_address_street": "Storgatan 9", "hs_billing_address_city": "Umeå", "hs_billing_address_postal_code": "903 26", "hs_billing_address_country": "SE",
      "hs_shipping_address_name": "Saga Lind", "hs_shipping_address_street": "Storgatan 9", "hs_shipping_address_city": "Umeå",
      "hs_shipping_address_postal_code": "903 26", "hs_shipping_address_country": "SE"}}`, o.id, o.id, email))
		p := products[product]
		lines = append(lines, fmt.Sprintf(`{"id": %q, "properties": {"hs_product_id": %q, "name": %q, "hs_sku": %q, "price": "%v", "quantity": "1", "hs_line_item_currency_code": "SEK"}}`,
			line, product, p["name"], p["hs_sku"], p["price"]))
		assocs = append(assocs, fmt.Sprintf(`{"from": "orders/%s", "to": "line_items/%s", "typeId": 513}`, o.id, line))
		if o.contact != "" {
			assocs = append(assocs, fmt.Sprintf(`{"from": "orders/%s", "to": "contacts/%s", "typeId": 507}`, o.id, o.contact))
		}
		if o.company != "" {
			assocs = append(assocs, fmt.Sprintf(`{"from": "orders/%s", "to": "companies/%s", "typeId": 509}`, o.id, o.company))
		}
	}
	seed := fmt.Sprintf(`{"objects": {%s "orders": [%s], "line_items": [%s]}, "associations": [%s]}`,
		extra, strings.Join(objs, ",\n"), strings.Join(lines, ",\n"), strings.Join(assocs, ",\n"))
	if err := w.sb.HubSpot().Seed(strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
}

// TestOrderDebtor: an order goes to the default debtor only when it has no
// buyer at all. A contact without e-mail, a company order without a
// contact and an order whose contact was archived are booked on the
// customer found or created by the order's billing e-mail (a company
// customer for the company order); a buyer with no e-mail anywhere is an
// error of its order at plan, never the default debtor. The plan names
// each order's debtor.
func TestOrderDebtor(t *testing.T) {
	w := newWorld(t)
	const (
		noEmail, companyOnly, archived, anonymousCompany = "4951", "4952", "4953", "4954"
		companyName                                      = "Björkdal Trä AB"
	)
	seedBuyerOrders(t, w, []buyerOrder{
		{id: noEmail, email: "saga.lind@example.org", contact: "1951"},
		{id: companyOnly, email: "order@bjorkdal.example.com", company: "2951"},
		{id: archived, email: "gone@example.org", contact: "1952"},
		{id: anonymousCompany, company: "2951"},
	}, fmt.Sprintf(`"contacts": [
      {"id": "1951", "properties": {"firstname": "Saga", "lastname": "Lind"}},
      {"id": "1952", "archived": true, "properties": {"email": "gone@example.org", "firstname": "Ove", "lastname": "Borg"}}],
    "companies": [{"id": "2951", "properties": {"name": %q, "city": "Umeå", "country": "SE"}}],`, companyName))

	pl, res := w.apply()
	// The customers made of billing data are written like any other, and
	// the customer-number write-back has no HubSpot contact to fail on.
	for _, flow := range []string{"contacts_to_customers", "contacts_to_customers.write_back", orderFlow} {
		for key, r := range results(res, flow) {
			if r.Error != "" {
				t.Errorf("%s %s: %s", flow, key, r.Error)
			}
		}
	}
	eaOrders := w.read("eaccounting", "orders")
	eaCustomers := w.read("eaccounting", "customers")
	defaultDebtor := one(t, eaCustomers, "CustomerNumber", "1000")

	for _, c := range []struct {
		name, order, email string
		company            bool
	}{
		{"a contact without e-mail: the billing e-mail", noEmail, "saga.lind@example.org", false},
		{"a company order without contact: a company customer", companyOnly, "order@bjorkdal.example.com", true},
		{"a contact archived since: the billing e-mail", archived, "gone@example.org", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := one(t, eaOrders, "YourReference", "HS-"+c.order)
			cust := one(t, eaCustomers, "EmailAddress", c.email)
			if o["CustomerId"] != cust["Id"] {
				who := "another customer"
				if o["CustomerId"] == defaultDebtor["Id"] {
					who = "the default debtor"
				}
				t.Fatalf("order %s is booked on %s (%v); want the customer of %s (%v)", c.order, who, o["CustomerId"], c.email, cust["Id"])
			}
			if cust["IsPrivatePerson"] == c.company {
				t.Errorf("customer %s IsPrivatePerson = %v; want %v", c.email, cust["IsPrivatePerson"], !c.company)
			}
			if c.company && (cust["Name"] != companyName || cust["ContactPersonName"] != "Saga Lind") {
				t.Errorf("customer %s = %v, contact person %v; want %s with contact person Saga Lind", c.email, cust["Name"], cust["ContactPersonName"], companyName)
			}
			// The customer is created in the same apply: its number is
			// known only then. A private person's name is personal data,
			// redacted in plans.
			want := "private person (new)"
			if c.company {
				want = companyName + " (new)"
			}
			if label := debtorLabel(changes(pl, orderFlow)[c.order]); label != want {
				t.Errorf("the plan shows the debtor of order %s as %q; want %q", c.order, label, want)
			}
		})
	}

	t.Run("the plan names an existing debtor by name and number", func(t *testing.T) {
		o := one(t, eaOrders, "YourReference", "HS-4001")
		cust := one(t, eaCustomers, "Id", o["CustomerId"])
		if label, want := debtorLabel(changes(pl, orderFlow)["4001"]), fmt.Sprintf("%v (%v)", cust["Name"], cust["CustomerNumber"]); cust["IsPrivatePerson"] != false || label != want {
			t.Errorf("the plan shows the debtor of order 4001 as %q; want %q", label, want)
		}
	})

	t.Run("a company order with no e-mail anywhere fails at plan", func(t *testing.T) {
		ch := changes(pl, orderFlow)[anonymousCompany]
		if ch == nil || ch.Action != plan.Error || !strings.Contains(ch.Reason, "no e-mail address") {
			what := "no change"
			if ch != nil {
				what = fmt.Sprintf("%s %q (CustomerId %v)", ch.Action, ch.Reason, after(ch, "CustomerId"))
			}
			t.Fatalf("order %s: %s; want an error that says it has no e-mail address to find its customer by", anonymousCompany, what)
		}
		if n := len(findBy(eaOrders, "YourReference", "HS-"+anonymousCompany)); n != 0 {
			t.Errorf("order %s was booked %d times; want not at all", anonymousCompany, n)
		}
	})

	t.Run("a guest with no buyer at all goes to the default debtor, and the plan says so", func(t *testing.T) {
		o := one(t, eaOrders, "YourReference", "HS-4003")
		if o["CustomerId"] != defaultDebtor["Id"] {
			t.Errorf("the guest order 4003 is booked on %v; want the default debtor %v", o["CustomerId"], defaultDebtor["Id"])
		}
		if label, want := debtorLabel(changes(pl, orderFlow)["4003"]), "private person (1000)"; label != want {
			t.Errorf("the plan shows the debtor of the guest order as %q; want %q", label, want)
		}
	})
}

// orderFlow is the flow of the default order_target.
const orderFlow = "orders_to_eaccounting_orders"

// debtorLabel is what the plan shows next to a document's CustomerId.
func debtorLabel(ch *plan.Change) string {
	if ch == nil {
		return ""
	}
	for _, f := range ch.Fields {
		if f.Name == "CustomerId" {
			return f.Label
		}
	}
	return ""
}
