package state

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunFlowCountsAndBefore(t *testing.T) {
	ctx := t.Context()
	st, err := Open(ctx, t.TempDir()+"/state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, err := st.StartRun(ctx, "apply", "d")
	if err != nil {
		t.Fatal(err)
	}
	acts := []Activity{
		{RunID: run, Flow: "contacts", SourceKey: `a","action":"x`, Action: "create", Read: []byte(`{"action":"no"}`)},
		{RunID: run, Flow: "contacts", SourceKey: "b", Action: "error", Error: "bad"},
		{RunID: run, Flow: "orders", SourceKey: "c", Action: "update"},
		{RunID: run, Flow: "orders", SourceKey: "d", Action: "update"},
	}
	if err := st.LogActivity(ctx, acts); err != nil {
		t.Fatal(err)
	}
	got, err := st.RunFlowCounts(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{"contacts": {"create": 1, "error": 1}, "orders": {"update": 2}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("RunFlowCounts (-want +got):\n%s", d)
	}
	if _, err := st.Forget(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	got, _ = st.RunFlowCounts(ctx, run)
	if got["orders"]["update"] != 1 {
		t.Errorf("after forgetting d, orders updates = %d; want 1", got["orders"]["update"])
	}

	all, err := st.Activities(ctx, ActivityFilter{RunID: run})
	if err != nil {
		t.Fatal(err)
	}
	page, err := st.Activities(ctx, ActivityFilter{RunID: run, Before: all[0].ID, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].ID != all[1].ID {
		t.Errorf("page before %d = %+v; want the entry %d", all[0].ID, page, all[1].ID)
	}
	byKey, err := st.Activities(ctx, ActivityFilter{Key: "b", Before: all[len(all)-1].ID + 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(byKey) != 0 {
		t.Errorf("entries of b before %d = %+v; want none", all[len(all)-1].ID+1, byKey)
	}
}

func TestRunSummaryFailed(t *testing.T) {
	ctx := t.Context()
	st, err := Open(ctx, t.TempDir()+"/state.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, _ := st.StartRun(ctx, "apply", "d")
	acts := []Activity{
		{RunID: run, Flow: "a", SourceKey: "1", Action: "error", Error: "first"},
		{RunID: run, Flow: "a", SourceKey: "2", Action: "create"},
		{RunID: run, Flow: "a", SourceKey: "3", Action: "blocked", Error: "second"},
		{RunID: run, Flow: "a", SourceKey: "4", Action: "error", Error: "third"},
	}
	if err := st.LogActivity(ctx, acts); err != nil {
		t.Fatal(err)
	}
	sum, err := st.RunSummary(ctx, run, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != 2 || sum.Failed[0].SourceKey != "4" || sum.Failed[1].SourceKey != "3" || sum.Failed[1].Error != "second" {
		t.Errorf("failed = %+v; want 4 and 3, newest first", sum.Failed)
	}
	all, _ := st.Activities(ctx, ActivityFilter{RunID: run, SourceKey: "4"})
	if len(all) != 1 || sum.Failed[0].ID != all[0].ID {
		t.Errorf("failed entry ID %d; the log has %+v", sum.Failed[0].ID, all)
	}
	if sum.Counts["a"]["error"] != 2 || sum.Counts["a"]["blocked"] != 1 {
		t.Errorf("counts = %v", sum.Counts)
	}
}
