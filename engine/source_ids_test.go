package engine

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/state"

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

func TestApplyLogsPlanErrors(t *testing.T) {
	h := newHarness(t, strings.Replace(customersFlow, `"source.first + ' ' + source.last"`, `"lookup('nope', source.first)"`, 1))
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	res := h.apply(h.plan(PlanOptions{}))
	acts, err := h.st.Activities(t.Context(), state.ActivityFilter{RunID: res.RunID})
	if err != nil {
		t.Fatal(err)
	}
	if len(acts) != 1 || acts[0].SourceKey != "c1" || acts[0].Action != "error" || !strings.Contains(acts[0].Error, `no lookup "nope"`) ||
		!strings.Contains(string(acts[0].Answer), `"field":"Name"`) {
		t.Fatalf("activity of the run = %+v; want the plan's error on c1, field Name", acts)
	}
	// It is found by the record's key too, like a written record.
	byKey, err := h.st.Activities(t.Context(), state.ActivityFilter{Key: "ada@example.com"})
	if err != nil || len(byKey) != 1 {
		t.Errorf("entries by key = %+v, %v; want the error", byKey, err)
	}
}
