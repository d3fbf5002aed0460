package sandbox

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "update the golden demo files in testdata")

// refTime is the clock of the golden demo files.
var refTime = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// TestDemoGolden keeps testdata/*.json, the demo a reader looks at, in step
// with the generator: run with -update after changing the demo.
func TestDemoGolden(t *testing.T) {
	d := generate(DefaultSeed, refTime, false)
	for name, v := range map[string]any{"hubspot.json": d.HubSpot, "eaccounting.json": d.EAccounting} {
		got, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./sandbox -run TestDemoGolden -update)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("demo %s differs from the golden file (-want +got; run with -update if intended):\n%s", name, diff)
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, b := generate(DefaultSeed, refTime, false), generate(DefaultSeed, refTime, false)
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two generations with the same seed differ:\n%s", diff)
	}
	c := generate(DefaultSeed+1, refTime, false)
	if cmp.Equal(a.HubSpot.Objects["contacts"], c.HubSpot.Objects["contacts"]) {
		t.Error("another seed gives the same contacts")
	}
}

// TestDemoShape checks what the demo promises, for several seeds.
func TestDemoShape(t *testing.T) {
	for _, seed := range []int64{DefaultSeed, 1, 42, 987654321} {
		d := generate(seed, refTime, false)
		objs := d.HubSpot.Objects
		counts := map[string]int{}
		for typ, list := range objs {
			counts[typ] = len(list)
		}
		wantCounts := map[string]int{"contacts": 50, "companies": 20, "products": 30, "orders": 20, "deals": 4}
		for typ, n := range wantCounts {
			if counts[typ] != n {
				t.Errorf("seed %d: %d %s, want %d", seed, counts[typ], typ, n)
			}
		}

		emails := map[string]bool{}
		for _, c := range objs["contacts"] {
			e := c.Properties["email"]
			if emails[e] {
				t.Errorf("seed %d: e-mail %s used twice", seed, e)
			}
			emails[e] = true
			if !strings.HasSuffix(e, ".example.com") && !strings.HasSuffix(e, "@example.org") {
				t.Errorf("seed %d: e-mail %s is not on example.com or example.org", seed, e)
			}
		}

		// Associations: contacts with companies, orders with line items.
		links := map[string]int{}
		withCompany := map[string]bool{}
		for _, a := range d.HubSpot.Associations {
			from, _, _ := strings.Cut(a.From, "/")
			to, _, _ := strings.Cut(a.To, "/")
			links[from+">"+to]++
			if from == "contacts" && to == "companies" {
				withCompany[a.From] = true
			}
		}
		if len(withCompany) != 40 {
			t.Errorf("seed %d: %d contacts with a company, want 40 (and 10 private persons)", seed, len(withCompany))
		}
		ordersWithLines := map[string]bool{}
		for _, a := range d.HubSpot.Associations {
			if strings.HasPrefix(a.From, "orders/") && strings.HasPrefix(a.To, "line_items/") {
				ordersWithLines[a.From] = true
			}
		}
		if len(ordersWithLines) != 20 {
			t.Errorf("seed %d: %d orders with line items, want 20", seed, len(ordersWithLines))
		}
		if links["orders>contacts"] != 19 {
			t.Errorf("seed %d: %d orders with a contact, want 19 (one guest order)", seed, links["orders>contacts"])
		}
		if links["deals>line_items"] < 4 {
			t.Errorf("seed %d: %d deal line items, want some", seed, links["deals>line_items"])
		}

		statuses, currencies, countries := map[string]int{}, map[string]bool{}, map[string]bool{}
		var discounts, shipping int
		for _, o := range objs["orders"] {
			p := o.Properties
			statuses[p["hs_payment_status"]]++
			currencies[p["hs_currency_code"]] = true
			countries[p["hs_billing_address_country"]] = true
			if p["hs_order_discount"] != "" {
				discounts++
			}
			if p["hs_shipping_cost"] != "0" {
				shipping++
			}
		}
		if statuses["paid"] != 12 || statuses["pending"] != 3 || statuses["failed"] != 2 || statuses["refunded"] != 2 {
			t.Errorf("seed %d: payment statuses %v", seed, statuses)
		}
		for _, c := range []string{"SE", "FI", "DE", "NO", "US"} {
			if !countries[c] {
				t.Errorf("seed %d: no order from %s", seed, c)
			}
		}
		if len(currencies) < 4 {
			t.Errorf("seed %d: currencies %v, want SEK, EUR, NOK, USD at least", seed, currencies)
		}
		if shipping == 0 {
			t.Errorf("seed %d: no order has a shipping cost", seed)
		}

		invalidLines := func(lines []hsObject) int {
			n := 0
			for _, li := range lines {
				if len(li.Properties["hs_sku"]) > 40 {
					n++
				}
			}
			return n
		}
		if n := invalidLines(objs["line_items"]); n != 0 {
			t.Errorf("seed %d: %d invalid lines, want none without BadRecord", seed, n)
		}
		if n := invalidLines(generate(seed, refTime, true).HubSpot.Objects["line_items"]); n != 1 {
			t.Errorf("seed %d with BadRecord: %d invalid lines, want 1", seed, n)
		}
		var lineDiscounts int
		for _, li := range objs["line_items"] {
			if li.Properties["hs_discount_percentage"] != "" || li.Properties["discount"] != "" {
				lineDiscounts++
			}
		}
		if lineDiscounts == 0 {
			t.Errorf("seed %d: no line item has a discount", seed)
		}
		_ = discounts // order-level discounts are random; the default seed has some (golden file)

		// eAccounting: a customer matching a HubSpot contact by e-mail,
		// articles matching HubSpot SKUs and some that do not.
		ea := d.EAccounting
		matches := 0
		for _, c := range ea.Customers {
			if e, _ := c["EmailAddress"].(string); emails[e] {
				matches++
			}
		}
		if matches != 2 {
			t.Errorf("seed %d: %d eAccounting customers match a HubSpot contact by e-mail, want 2", seed, matches)
		}
		skus := map[string]bool{}
		for _, p := range objs["products"] {
			skus[p.Properties["hs_sku"]] = true
		}
		in, out := 0, 0
		for _, a := range ea.Articles {
			if skus[a["Number"].(string)] {
				in++
			} else {
				out++
			}
		}
		if in == 0 || out == 0 {
			t.Errorf("seed %d: %d articles with a HubSpot SKU and %d without; want both", seed, in, out)
		}
	}
}
