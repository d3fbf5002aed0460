package scenario

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/engine"
)

// TestTargetedRunsBookTheSame: orders applied one at a time by id (as kopla
// serve's webhook runs and kopla retry plan them, PlanOptions.SourceIDs)
// reach eAccounting exactly as a full apply writes them: the same rows,
// net, VAT, total, currency, debtor and terms.
func TestTargetedRunsBookTheSame(t *testing.T) {
	const flow = "orders_to_eaccounting_orders"
	full, targeted := newWorld(t), newWorld(t)
	full.apply(flow)

	d := readDemo(targeted)
	n := 0
	for _, id := range sortedKeys(d.orders) {
		if !sent(d.orders[id]) {
			continue
		}
		n++
		p := targeted.project()
		pl, diags := p.Plan(t.Context(), engine.PlanOptions{State: targeted.st, Flows: []string{flow}, ForApply: true, SourceIDs: map[string][]string{flow: {id}}})
		if diags.HasErrors() {
			t.Fatalf("targeted plan of order %s: %s", id, diagText(diags))
		}
		if got := len(changes(pl, flow)); got != 1 {
			t.Fatalf("targeted plan of order %s has %d changes in %s; want 1", id, got, flow)
		}
		if _, diags := p.Apply(t.Context(), pl, engine.ApplyOptions{State: targeted.st, Holder: "scenario test"}); diags.HasErrors() {
			t.Fatalf("targeted apply of order %s: %s", id, diagText(diags))
		}
	}
	if n < 3 {
		t.Fatalf("only %d demo orders are sent", n)
	}
	want, got := booked(full), booked(targeted)
	if len(want) != n {
		t.Fatalf("the full apply booked %d orders; want %d", len(want), n)
	}
	for ref, o := range want {
		if o["Amount"] == nil || o["VatAmount"] == nil || o["CurrencyCode"] == nil || len(list(o["Rows"])) == 0 {
			t.Fatalf("order %s was read without its amounts or rows: %v", ref, o)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("eAccounting orders, full apply (-) and one targeted run per order (+):\n%s", diff)
	}
}

// booked is the world's eAccounting orders by YourReference, with ids that
// differ between worlds replaced by what they stand for: the customer's name
// and terms, the article's number.
func booked(w *world) map[string]map[string]any {
	customers := w.read("eaccounting", "customers")
	articles := w.read("eaccounting", "articles")
	out := map[string]map[string]any{}
	for _, o := range w.read("eaccounting", "orders") {
		ref, _ := o["YourReference"].(string)
		if !strings.HasPrefix(ref, "HS-") {
			continue
		}
		out[ref] = normalize(o, customers, articles).(map[string]any)
	}
	return out
}

func normalize(v any, customers, articles map[string]map[string]any) any {
	switch v := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, x := range v {
			switch {
			case k == "CustomerId":
				c := customers[str(x)]
				m["Customer"] = []any{c["Name"], c["EmailAddress"], c["IsPrivatePerson"]}
			case k == "ArticleId":
				m["Article"] = articles[str(x)]["Number"]
			case k == "Id", k == "Number", k == "CustomerNumber", strings.HasSuffix(k, "Utc"):
			default:
				m[k] = normalize(x, customers, articles)
			}
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x, customers, articles)
		}
		return out
	}
	return v
}
