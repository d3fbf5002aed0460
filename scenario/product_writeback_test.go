package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

const (
	productsWriteBack  = "products_to_articles.write_back"
	hubspotProductAdds = "POST /crm/objects/2026-03/products/batch/create"
	// newLineSKU is the SKU of an order line that no HubSpot product has.
	newLineSKU  = "ART-2901"
	newLineName = "Vedkorg i filt"
)

// seedOrderWithoutProduct adds to the HubSpot fake a paid order of an
// existing contact and company whose one line has a SKU and no product:
// the line carries the price, as HubSpot keeps line prices.
func seedOrderWithoutProduct(t *testing.T, w *world, linePrice string) string {
	t.Helper()
	const orderID, lineID = "4901", "5901"
	seed := fmt.Sprintf(`{
  "objects": {
    "orders": [{"id": %q, "properties": {
      "hs_order_name": "Webborder 1901", "hs_external_order_id": "WEB-1901", "hs_currency_code": "SEK",
      "hs_payment_status": "paid", "hs_fulfillment_status": "shipped", "hs_payment_processing_method": "invoice",
      "hs_external_created_date": "2026-02-20T10:00:00Z", "hs_processed_date": "2026-02-20T10:05:00Z",
      "hs_billing_address_street": "Kungsgatan 51", "hs_billing_address_city": "Lund", "hs_billing_address_postal_code": "222 21", "hs_billing_address_country": "SE",
      "hs_shipping_address_name": "Emma Åberg", "hs_shipping_address_street": "Kungsgatan 51", "hs_shipping_address_city": "Lund",
      "hs_shipping_address_postal_code": "222 21", "hs_shipping_address_country": "SE"
    }}],
    "line_items": [{"id": %q, "properties": {
      "name": %q, "hs_sku": %q, "price": %q, "quantity": "2", "hs_line_item_currency_code": "SEK"
    }}]
  },
  "associations": [
    {"from": "orders/%s", "to": "line_items/%s", "typeId": 513},
    {"from": "orders/%s", "to": "contacts/1001", "typeId": 507},
    {"from": "orders/%s", "to": "companies/2001", "typeId": 509}
  ]
}`, orderID, lineID, newLineName, newLineSKU, linePrice, orderID, lineID, orderID, orderID)
	if err := w.sb.HubSpot().Seed(strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	return orderID
}

// TestOrderLineWithoutProductGetsItsProduct: an order line with a SKU that
// no HubSpot product has makes products_to_articles create the article, and
// its write-back creates the HubSpot product in the same apply, with the
// name, SKU and price (net, or gross when HubSpot prices include VAT) that
// articles_to_products would give it; the next plan changes neither.
func TestOrderLineWithoutProductGetsItsProduct(t *testing.T) {
	for _, tc := range []struct {
		name       string
		includeVAT bool
		linePrice  string
		// the article's prices (25 % VAT), and the product's price
		net, gross, productPrice float64
	}{
		{name: "prices excluding VAT", linePrice: "499", net: 499, gross: 623.75, productPrice: 499},
		{name: "prices including VAT", includeVAT: true, linePrice: "623.75", net: 499, gross: 623.75, productPrice: 623.75},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.vars["hubspot_prices_include_vat"] = strconv.FormatBool(tc.includeVAT)
			// What the sandbox holds is applied first: the apply below is
			// about the new order only.
			w.apply()
			orderID := seedOrderWithoutProduct(t, w, tc.linePrice)
			if n := len(findBy(w.read("hubspot", "products"), "hs_sku", newLineSKU)); n != 0 {
				t.Fatalf("the HubSpot fake has %d products with SKU %s before the apply; want none", n, newLineSKU)
			}
			w.sb.HubSpot().ResetCounters()
			_, res := w.apply()

			sourceKey := "sku:" + newLineSKU
			if r := results(res, "products_to_articles")[sourceKey]; r == nil || r.Action != plan.Create {
				t.Fatalf("products_to_articles result of %s = %+v; want a create", sourceKey, r)
			}
			if r := results(res, productsWriteBack)[sourceKey]; r == nil || r.Action != plan.Create {
				t.Fatalf("write-back of %s = %+v; want a create", sourceKey, r)
			}
			article := one(t, w.read("eaccounting", "articles"), "Number", newLineSKU)
			product := one(t, w.read("hubspot", "products"), "hs_sku", newLineSKU)
			for _, c := range []struct {
				what      string
				got, want any
			}{
				{"article Name", article["Name"], newLineName},
				{"article NetPrice", article["NetPrice"], tc.net},
				{"article GrossPrice", article["GrossPrice"], tc.gross},
				{"product name", product["name"], newLineName},
				{"product price", product["price"], tc.productPrice},
				{"product description", product["description"], newLineName},
				{"product hs_product_type", product["hs_product_type"], "non_inventory"},
			} {
				if str(c.got) != str(c.want) {
					t.Errorf("%s = %v; want %v", c.what, c.got, c.want)
				}
			}
			// The product is created in one batch call, and the order with
			// a row of the new article.
			if n := w.sb.HubSpot().Requests(hubspotProductAdds); n != 1 {
				t.Errorf("%d HubSpot product batch creates; want 1", n)
			}
			if r := results(res, "orders_to_eaccounting_orders")[orderID]; r == nil || r.Action != plan.Create {
				t.Fatalf("order %s result = %+v; want a create", orderID, r)
			}
			eaOrder := one(t, w.read("eaccounting", "orders"), "YourReference", "HS-"+orderID)
			if rows := list(eaOrder["Rows"]); len(rows) == 0 || rows[0]["ArticleId"] != article["Id"] {
				t.Errorf("order rows %v; want the first on the new article %v", eaOrder["Rows"], article["Id"])
			}

			t.Run("the next plan changes neither the article nor the product", func(t *testing.T) {
				_, pl := w.plan()
				for _, flow := range []string{"products_to_articles", productsWriteBack, "articles_to_products"} {
					for key, ch := range changes(pl, flow) {
						if ch.Action != plan.Create && ch.Action != plan.Update {
							continue
						}
						// Only a record whose write failed before is tried again.
						if r := results(res, flow)[key]; r == nil || (r.Action != plan.Error && r.Action != plan.Blocked) {
							t.Errorf("%s plans %s %s (%v) again: %+v", flow, ch.Action, key, ch.Key, ch.Fields)
						}
					}
				}
				// articles_to_products reads the article (active, so within its
				// where) and finds the product by SKU: a no-op, no change.
				if article["IsActive"] != true {
					t.Errorf("article %s IsActive = %v; want true", newLineSKU, article["IsActive"])
				}
			})
		})
	}
}
