package scenario

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/sandbox"
)

// TestBadRecordCaughtAtPlan: the demo's bad record, a line whose SKU is
// longer than the 40 characters of an eAccounting article number, is the
// article's error at plan, with the field named; the order that needs it
// is an error too (so is its write-back); apply never sends it, and every
// other paid order is booked.
func TestBadRecordCaughtAtPlan(t *testing.T) {
	w := newWorldOf(t, sandbox.Options{Limits: fastLimits, BadRecord: true})
	d := readDemo(w)
	pl, res := w.apply()

	const badSKU = "PRESENTINSLAGNING MED PERSONLIGT MEDDELANDE OCH KORT"
	article := changes(pl, "products_to_articles")["sku:"+badSKU]
	if article == nil || article.Action != plan.Error || article.Field != "Number" ||
		!strings.Contains(article.Reason, "Number may have at most 40 characters") || !strings.Contains(article.Reason, "has 52") {
		t.Errorf("plan of the bad line's article = %+v; want an error on Number naming its length", article)
	}
	order := changes(pl, "orders_to_eaccounting_orders")["4002"]
	if order == nil || order.Action != plan.Error || !strings.Contains(order.Reason, "at most 40 characters") {
		t.Errorf("plan of order 4002 = %+v; want an error naming its article's", order)
	}
	if c := pl.Counts(); c.Error < 2 {
		t.Errorf("plan counts %+v; want the article and the order among the errors", c)
	}

	// Apply writes everything else and never sends the bad SKU.
	for _, r := range results(res, "products_to_articles") {
		if r.Error != "" {
			t.Errorf("article %s failed at apply: %s; want it caught at plan", r.SourceKey, r.Error)
		}
	}
	if r := results(res, "orders_to_eaccounting_orders")["4002"]; r != nil && r.Action == plan.Create {
		t.Errorf("order 4002 was created: %+v", r)
	}
	if n := len(findBy(w.read("eaccounting", "articles"), "Number", badSKU)); n != 0 {
		t.Errorf("%d eAccounting articles have the bad SKU", n)
	}
	var paidOrders, booked int
	for _, o := range d.orders {
		if paid(o) {
			paidOrders++
		}
	}
	for _, r := range results(res, "orders_to_eaccounting_orders") {
		if r.Action == plan.Create {
			booked++
		}
	}
	if booked != paidOrders-1 {
		t.Errorf("%d orders booked; want every paid order but 4002 (%d)", booked, paidOrders-1)
	}
	booksOrders := w.read("eaccounting", "orders")
	if len(findBy(booksOrders, "YourReference", "HS-4002")) != 0 {
		t.Error("eAccounting has order HS-4002; want none")
	}
}
