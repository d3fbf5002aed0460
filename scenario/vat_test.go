package scenario

import (
	"math"
	"testing"
)

// TestVATPerCountry sends every demo order, whatever its payment status, and
// checks the VAT treatment per zone: domestic sales carry VAT, EU and
// export sales to companies none; private persons get prices including the
// article coding's VAT at home and in the EU, and net prices outside it.
func TestVATPerCountry(t *testing.T) {
	w := newWorld(t)
	w.vars["order_payment_statuses"] = `["paid", "pending", "failed", "refunded", "partially_refunded"]`
	d := readDemo(w)
	w.apply()
	eaOrders := w.read("eaccounting", "orders")
	eaCustomers := w.read("eaccounting", "customers")

	country := func(o map[string]any) string { return str(o["hs_billing_address_country"]) }
	isCompany := func(o map[string]any) bool { return len(list(o["companies"])) > 0 }
	for _, c := range []struct {
		name      string
		countries []string
		company   bool
		vat       bool // whether the order carries VAT
	}{
		{"domestic company", []string{"SE"}, true, true},
		{"EU company", []string{"FI", "DE", "DK"}, true, false},
		{"company outside the EU", []string{"NO", "US"}, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := d.pick(t, "is by a "+c.name, func(o map[string]any) bool {
				return isCompany(o) == c.company && containsStr(c.countries, country(o))
			})
			o := one(t, eaOrders, "YourReference", "HS-"+id)
			cust := one(t, eaCustomers, "Id", o["CustomerId"])
			if cust["InvoiceCountryCode"] != country(d.orders[id]) {
				t.Errorf("customer country = %v; want %s", cust["InvoiceCountryCode"], country(d.orders[id]))
			}
			if vat, _ := o["VatAmount"].(float64); (vat > 0) != c.vat {
				t.Errorf("order %s (%s) VatAmount = %v; want VAT: %v", id, country(d.orders[id]), o["VatAmount"], c.vat)
			}
		})
	}

	// Private persons: the unit price of each line, against the HubSpot
	// net price and the VAT rate of the article's coding.
	codings := w.read("eaccounting", "articleaccountcodings")
	articles := w.read("eaccounting", "articles")
	for _, c := range []struct {
		name      string
		countries []string
		withVAT   bool
	}{
		{"domestic private person", []string{"SE"}, true},
		{"EU private person", []string{"FI", "DE", "DK"}, true},
		{"private person outside the EU", []string{"NO", "US"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := d.pick(t, "is by a "+c.name, func(o map[string]any) bool {
				return !isCompany(o) && len(list(o["contacts"])) > 0 && containsStr(c.countries, country(o))
			})
			o := one(t, eaOrders, "YourReference", "HS-"+id)
			rows := list(o["Rows"])
			for i, line := range list(d.orders[id]["line_items"]) {
				net := line["price"].(float64)
				if disc, ok := line["discount"].(float64); ok {
					net -= disc
				}
				want := net
				if c.withVAT {
					a := one(t, articles, "Number", line["hs_sku"])
					// Half away from zero, as invoices round (75.975 -> 75.98).
					want = math.Round(net*(1+codings[str(a["CodingId"])]["VatRatePercent"].(float64))*100+1e-6) / 100
				}
				if got := rows[i]["UnitPrice"]; got != want {
					t.Errorf("order %s (%s) row %d UnitPrice = %v; want %v (net %v)", id, country(d.orders[id]), i, got, want, net)
				}
			}
		})
	}
}

func containsStr(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
