package scenario

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// vatBuyer is the buyer of one order seeded by seedVATOrder: a contact in
// country, with a company (and its VAT number) when company is set.
type vatBuyer struct {
	country, countryName string
	company              string
	vatNumber            string
}

// seedVATOrder adds to the HubSpot fake a paid SEK order by a new buyer
// for one line of 200 of product 3003 (ART-1003, goods at 25 %), so that
// the only thing that differs between cases is the buyer.
func seedVATOrder(t *testing.T, w *world, n int, b vatBuyer) string {
	t.Helper()
	contactID, companyID, orderID, lineID := 1900+n, 2900+n, 4900+n, 5900+n
	objects := map[string]any{
		"contacts": []any{map[string]any{"id": fmt.Sprint(contactID), "properties": map[string]any{
			"email": fmt.Sprintf("buyer%d@vat.example.com", n), "firstname": "Buyer", "lastname": fmt.Sprint(n),
			"address": "Gatan 1", "zip": "12345", "city": "Staden", "country": b.countryName, "company": b.company,
		}}},
		"orders": []any{map[string]any{"id": fmt.Sprint(orderID), "properties": map[string]any{
			"hs_order_name": fmt.Sprintf("VAT %d", n), "hs_currency_code": "SEK", "hs_payment_status": "paid",
			"hs_payment_processing_method": "card", "hs_external_created_date": "2026-02-20T10:00:00Z",
			"hs_billing_address_country": b.country, "hs_billing_address_city": "Staden", "hs_billing_address_postal_code": "12345",
		}}},
		"line_items": []any{map[string]any{"id": fmt.Sprint(lineID), "properties": map[string]any{
			"hs_product_id": "3003", "name": "Termos 0,5 l", "hs_sku": "ART-1003", "price": "200", "quantity": "1", "hs_line_item_currency_code": "SEK",
		}}},
	}
	assocs := []any{
		map[string]any{"from": fmt.Sprintf("orders/%d", orderID), "to": fmt.Sprintf("line_items/%d", lineID), "typeId": 513},
		map[string]any{"from": fmt.Sprintf("orders/%d", orderID), "to": fmt.Sprintf("contacts/%d", contactID), "typeId": 507},
	}
	if b.company != "" {
		props := map[string]any{"name": b.company, "address": "Gatan 1", "zip": "12345", "city": "Staden", "country": b.countryName}
		if b.vatNumber != "" {
			props["vat_number"] = b.vatNumber
		}
		objects["companies"] = []any{map[string]any{"id": fmt.Sprint(companyID), "properties": props}}
		assocs = append(assocs,
			map[string]any{"from": fmt.Sprintf("contacts/%d", contactID), "to": fmt.Sprintf("companies/%d", companyID), "typeId": 1},
			map[string]any{"from": fmt.Sprintf("orders/%d", orderID), "to": fmt.Sprintf("companies/%d", companyID), "typeId": 509})
	}
	seed, err := json.Marshal(map[string]any{"objects": objects, "associations": assocs})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sb.HubSpot().Seed(strings.NewReader(string(seed))); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(orderID)
}

// TestVATPerBuyer books one 200 SEK sale (net, goods at 25 %) to each kind
// of buyer of Swedish e-commerce and checks the figures eAccounting stored:
// net, VAT and total, which must be what the customer paid; the order's
// verification passes; and the plan warns where the treatment is uncertain.
func TestVATPerBuyer(t *testing.T) {
	for _, tc := range []struct {
		name             string
		buyer            vatBuyer
		oss              bool
		vars             map[string]string
		net, vat, total  float64
		includesVat      bool
		warning          string // a part of the plan's warning; empty for none
		unitPriceOnOrder float64
	}{
		{name: "domestic company", buyer: vatBuyer{country: "SE", countryName: "Sweden", company: "Moms AB", vatNumber: "SE559000000101"},
			net: 200, vat: 50, total: 250, unitPriceOnOrder: 200},
		{name: "domestic private person", buyer: vatBuyer{country: "SE", countryName: "Sweden"},
			net: 200, vat: 50, total: 250, includesVat: true, unitPriceOnOrder: 250},
		{name: "EU company with a VAT number (reverse charge)", buyer: vatBuyer{country: "DE", countryName: "Germany", company: "Steuer GmbH", vatNumber: "DE123456789"},
			net: 200, vat: 0, total: 200, unitPriceOnOrder: 200},
		{name: "EU company without a VAT number (Swedish VAT, warned)", buyer: vatBuyer{country: "DE", countryName: "Germany", company: "Ohne Nummer GmbH"},
			net: 200, vat: 50, total: 250, warning: "EU company without a VAT number (DE)", unitPriceOnOrder: 200},
		{name: "EU private person (Swedish VAT)", buyer: vatBuyer{country: "FI", countryName: "Finland"},
			net: 200, vat: 50, total: 250, includesVat: true, unitPriceOnOrder: 250},
		{name: "EU private person under OSS (Finnish 25.5 %)", buyer: vatBuyer{country: "FI", countryName: "Finland"}, oss: true,
			net: 200, vat: 51, total: 251, includesVat: true, unitPriceOnOrder: 251},
		{name: "EU private person under OSS (German 19 %)", buyer: vatBuyer{country: "DE", countryName: "Germany"}, oss: true,
			net: 200, vat: 38, total: 238, includesVat: true, unitPriceOnOrder: 238},
		{name: "company outside the EU (export)", buyer: vatBuyer{country: "NO", countryName: "Norway", company: "Fjord AS"},
			net: 200, vat: 0, total: 200, unitPriceOnOrder: 200},
		{name: "private person outside the EU (export)", buyer: vatBuyer{country: "NO", countryName: "Norway"},
			net: 200, vat: 0, total: 200, includesVat: true, unitPriceOnOrder: 200},
		{name: "private person outside the EU with a VAT code by country (ForceBookkeepVat)", buyer: vatBuyer{country: "NO", countryName: "Norway"},
			vars: map[string]string{"vat_code_by_country": `{NO = "MP1"}`},
			net:  200, vat: 50, total: 250, includesVat: true, unitPriceOnOrder: 250},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.apply() // the demo first: the apply below is about the new order only
			for k, v := range tc.vars {
				w.vars[k] = v
			}
			if tc.oss {
				w.vars["vat_oss"] = "true"
				if err := w.sb.EAccounting().Seed(strings.NewReader(`{"companysettings": {"UsesMoss": true}}`)); err != nil {
					t.Fatal(err)
				}
				art := one(t, w.read("eaccounting", "articles"), "Number", "ART-1003")
				w.write("eaccounting", "articles", art["Id"].(string), map[string]any{"UsesMoss": true})
			}
			orderID := seedVATOrder(t, w, 1, tc.buyer)

			pl, res := w.apply()
			ch := changes(pl, ordersFlow)[orderID]
			if ch == nil || ch.Action != plan.Create {
				t.Fatalf("plan of order %s: %+v; want a create", orderID, ch)
			}
			switch {
			case tc.warning == "" && len(ch.Warnings) > 0:
				t.Errorf("plan warns %q; want no warning", ch.Warnings)
			case tc.warning != "" && (len(ch.Warnings) != 1 || !strings.Contains(ch.Warnings[0], tc.warning)):
				t.Errorf("plan warnings %q; want one about %q", ch.Warnings, tc.warning)
			}
			rr := results(res, ordersFlow)[orderID]
			if rr == nil || rr.Action != "create" {
				t.Fatalf("apply of order %s: %+v; want a create", orderID, rr)
			}
			if rr.Verification == nil || rr.Verification.Failed() {
				t.Errorf("verification %+v; want a passed one", rr.Verification)
			}

			o := one(t, w.read("eaccounting", "orders"), "YourReference", "HS-"+orderID)
			vat, _ := o["VatAmount"].(float64)
			amount, _ := o["Amount"].(float64)
			net := amount
			if o["IncludesVat"] == true {
				net = amount - vat
			}
			total := net + vat + o["RoundingsAmount"].(float64)
			if o["IncludesVat"] != tc.includesVat {
				t.Errorf("IncludesVat = %v; want %v", o["IncludesVat"], tc.includesVat)
			}
			if math.Abs(net-tc.net) > 0.005 || math.Abs(vat-tc.vat) > 0.005 || math.Abs(total-tc.total) > 0.005 {
				t.Errorf("booked net %.2f + VAT %.2f = %.2f; want %.2f + %.2f = %.2f", net, vat, total, tc.net, tc.vat, tc.total)
			}
			if rows := list(o["Rows"]); len(rows) == 0 || rows[0]["UnitPrice"] != tc.unitPriceOnOrder {
				t.Errorf("rows %v; want a first row at UnitPrice %v", rows, tc.unitPriceOnOrder)
			}
		})
	}
}
