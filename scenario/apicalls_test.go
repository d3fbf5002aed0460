package scenario

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine"
)

// TestRunRecordsAPICallsPerBudget: a run records the requests it sent per
// connection and rate budget, as many as the fakes received, and a second
// run on the same project records only its own.
func TestRunRecordsAPICallsPerBudget(t *testing.T) {
	w := newWorld(t)
	w.sb.HubSpot().ResetCounters()
	w.sb.EAccounting().ResetCounters()
	p, pl := w.plan()
	res, diags := p.Apply(t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test"})
	if diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	check := func(runID int64, wantEA int) {
		t.Helper()
		stats, err := w.st.RunStats(t.Context(), []int64{runID})
		if err != nil {
			t.Fatal(err)
		}
		ea, hs := 0, 0
		for _, c := range stats[runID].APICalls {
			switch {
			case strings.HasPrefix(c.Connection, "eaccounting."):
				ea += c.Calls // each request draws on its endpoint's budget only
			case strings.HasPrefix(c.Connection, "hubspot."):
				hs = max(hs, c.Calls)
			}
			if c.Calls <= 0 || c.Budget == "" {
				t.Errorf("run %d: api calls %+v; want a budget name and calls", runID, c)
			}
		}
		if ea != wantEA {
			t.Errorf("run %d: eAccounting calls = %d over the budgets %+v; the fake received %d", runID, ea, stats[runID].APICalls, wantEA)
		}
		if hs == 0 {
			t.Errorf("run %d: no HubSpot calls recorded: %+v", runID, stats[runID].APICalls)
		}
	}
	check(res.RunID, apiRequests(w))

	// The same project again, as kopla serve runs it: its connections
	// stay open, and the second run counts only what it sent.
	w.sb.EAccounting().ResetCounters()
	pl2, diags := p.Plan(t.Context(), engine.PlanOptions{State: w.st})
	if diags.HasErrors() {
		t.Fatalf("plan: %s", diagText(diags))
	}
	res2, diags := p.Apply(t.Context(), pl2, engine.ApplyOptions{State: w.st, Holder: "scenario test"})
	if diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	check(res2.RunID, apiRequests(w))
}

// apiRequests is the requests the eAccounting fake received on its API,
// without those to the identity server (tokens), which no budget paces.
func apiRequests(w *world) int {
	ea := w.sb.EAccounting()
	return ea.Requests("*") - ea.Requests("POST /connect/token") - ea.Requests("GET /connect/authorize")
}

// TestRecordURLs: the project links a HubSpot record to its page in
// HubSpot's app (portal id from the account details); eAccounting
// documents no addresses of its pages, so its records have none.
func TestRecordURLs(t *testing.T) {
	w := newWorld(t)
	p := w.project()
	want := fmt.Sprintf("https://app-eu1.hubspot.com/contacts/%d/record/0-123/7", w.sb.HubSpot().PortalID())
	if got := p.RecordURL(t.Context(), "hubspot.shop.orders", "7"); got != want {
		t.Errorf("RecordURL(hubspot order 7) = %q; want %q", got, want)
	}
	for _, c := range p.Connections() {
		if strings.HasPrefix(c, "eaccounting.") {
			if got := p.RecordURL(t.Context(), c+".customers", "8f2c"); got != "" {
				t.Errorf("RecordURL(%s customer) = %q; want none", c, got)
			}
		}
	}
}
