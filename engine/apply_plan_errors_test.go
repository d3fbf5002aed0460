package engine

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/state"
)

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
