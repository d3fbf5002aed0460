package engine

import (
	"fmt"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// TestPlanAndApplyShowsWhatItWrites: a pipelined run of a plan larger than
// what a flow plan holds in memory (it spills, and the planner uses its
// memory again) shows every change once, as Plan plans it, and writes
// exactly the creates it showed; the next run finds nothing to do.
func TestPlanAndApplyShowsWhatItWrites(t *testing.T) {
	const n = 4500 // more than two spills of a flow plan
	seed := func(h *harness) {
		recs := make([]connectors.Record, n)
		for i := range recs {
			recs[i] = contact(fmt.Sprintf("c%d", i), fmt.Sprintf("p%d@example.com", i), "P", fmt.Sprint(i), i%10 != 0)
		}
		h.store.Put("crm", "contacts", recs...)
	}
	whole := newHarness(t, customersFlow)
	seed(whole)
	want := map[string]string{} // source key -> action and name planned
	for ch := range whole.plan(PlanOptions{}).Flow("customers").Changes() {
		want[ch.SourceKey] = fmt.Sprint(ch.Action, " ", fieldAfter(ch, "Name"))
	}

	h := newHarness(t, customersFlow)
	seed(h)
	shown := map[string]string{}
	sink := func(fp *plan.FlowPlan, chs []*plan.Change) {
		for _, ch := range chs {
			if fp.Flow != "customers" {
				continue
			}
			if _, dup := shown[ch.SourceKey]; dup {
				t.Errorf("%s shown twice", ch.SourceKey)
			}
			shown[ch.SourceKey] = fmt.Sprint(ch.Action, " ", fieldAfter(ch, "Name"))
		}
	}
	pl, res, diags := h.project().PlanAndApply(t.Context(), PlanOptions{State: h.st}, ApplyOptions{State: h.st}, sink)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	defer pl.Close()
	if len(shown) != len(want) {
		t.Errorf("%d changes shown; Plan plans %d", len(shown), len(want))
	}
	for k, w := range want {
		if shown[k] != w {
			t.Errorf("%s: shown %q; Plan plans %q", k, shown[k], w)
		}
	}
	created := 0
	for _, fr := range res.Flows {
		for _, r := range fr.Records {
			if fr.Flow == "customers" && r.Action == plan.Create {
				created++
				if shown[r.SourceKey] == "" {
					t.Errorf("%s written, never shown", r.SourceKey)
				}
			}
		}
	}
	if wantN := n - n/10; created != wantN {
		t.Errorf("%d customers created; want %d", created, wantN)
	}
	if got := len(h.store.Records("books", "customers")); got != created {
		t.Errorf("the target holds %d customers; %d were created", got, created)
	}
	_, again, diags := h.project().PlanAndApply(t.Context(), PlanOptions{State: h.st}, ApplyOptions{State: h.st}, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if c := again.Counts(); c.Create+c.Update+c.Error > 0 {
		t.Errorf("second run: %+v; want nothing to do", c)
	}
}

func fieldAfter(ch *plan.Change, name string) any {
	for _, fc := range ch.Fields {
		if fc.Name == name {
			return fc.After
		}
	}
	return nil
}
