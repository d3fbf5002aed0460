package engine

import (
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

func TestPlanSourceIDs(t *testing.T) {
	h := newHarness(t, ordersFlow)
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	h.store.Put("crm", "orders", order("o1", "1001", "ada@example.com", 10), order("o2", "1002", "ada@example.com", 20), order("o3", "1003", "ada@example.com", 30))

	pl := h.plan(PlanOptions{Flows: []string{"orders"}, SourceIDs: map[string][]string{"orders": {"o2"}}})
	orders := pl.Flow("orders")
	if ch := changesOf(orders); len(ch) != 1 || ch[0].SourceKey != "o2" || ch[0].Action != plan.Create {
		t.Fatalf("orders changes = %+v; want o2 created alone", ch)
	}
	if orders.Cursor != "" {
		t.Errorf("a plan of some source ids has the cursor %q; want none (the other records were not planned)", orders.Cursor)
	}
	if all := changesOf(h.plan(PlanOptions{Flows: []string{"orders"}}).Flow("orders")); len(all) != 3 {
		t.Errorf("without SourceIDs the plan has %d changes; want 3", len(all))
	}
}
