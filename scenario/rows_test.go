package scenario

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// TestOrderLineWithoutArticle: a line whose product the product filter
// leaves out has no article. Its order is an error on Rows (at plan, or at
// apply when other articles of the order are created in the same apply) and
// never reaches eAccounting: without the error its row would have no
// ArticleId, the connector's default would make it a text row, and the
// order would be booked without that sale. Orders whose lines all have
// articles go through as usual, every row with its article.
func TestOrderLineWithoutArticle(t *testing.T) {
	w := newWorld(t)
	const prefix = "ART-1"
	w.vars["product_sku_prefix"] = prefix
	d := readDemo(w)

	inside := func(o map[string]any) bool {
		for _, line := range list(o["line_items"]) {
			if !strings.HasPrefix(str(line["hs_sku"]), prefix) {
				return false
			}
		}
		return true
	}
	pl, res := w.apply()
	planned := changes(pl, "orders_to_eaccounting_orders")
	applied := results(res, "orders_to_eaccounting_orders")
	eaOrders := w.read("eaccounting", "orders")
	eaArticles := w.read("eaccounting", "articles")

	var refused, sent int
	for _, id := range sortedKeys(d.orders) {
		o := d.orders[id]
		if !paid(o) || len(list(o["line_items"])) == 0 {
			continue
		}
		got := findBy(eaOrders, "YourReference", "HS-"+id)
		if !inside(o) {
			refused++
			field, reason := "", ""
			if ch := planned[id]; ch != nil && ch.Action == plan.Error {
				field, reason = ch.Field, ch.Reason
			} else if r := applied[id]; r != nil && r.Action == plan.Error {
				field, reason = r.Field, r.Error
			}
			if field != "Rows" || !strings.Contains(reason, "has no eAccounting article") {
				t.Errorf("order %s sells a SKU outside %q: error on %q (%s); want an error on Rows saying the line has no article", id, prefix, field, reason)
			}
			if len(got) != 0 {
				t.Errorf("order %s reached eAccounting with rows %v; want it refused", id, got[0]["Rows"])
			}
			continue
		}
		sent++
		if len(got) != 1 {
			t.Errorf("order %s: %d eAccounting orders; want 1", id, len(got))
			continue
		}
		for i, line := range list(o["line_items"]) {
			row := list(got[0]["Rows"])[i]
			a := one(t, eaArticles, "Number", line["hs_sku"])
			if row["ArticleId"] != a["Id"] || row["IsTextRow"] != false {
				t.Errorf("order %s row %d = %v; want a sales row of article %v", id, i, row, a["Id"])
			}
		}
	}
	if refused == 0 || sent == 0 {
		t.Fatalf("the demo has %d paid orders selling outside %q and %d inside; want some of each", refused, prefix, sent)
	}
}
