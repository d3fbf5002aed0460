package scenario

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

// shownFirst fails a document that is written before the plan showed it:
// the sink of a pipelined run records what it was shown.
type shownFirst struct {
	next http.RoundTripper

	mu     sync.Mutex
	shown  map[string]plan.Action // flow/source key -> action shown
	refs   map[string]bool        // YourReference of the documents shown
	unseen []string
}

func (s *shownFirst) sink(fp *plan.FlowPlan, chs []*plan.Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range chs {
		s.shown[fp.Flow+"/"+ch.SourceKey] = ch.Action
		if ref, ok := after(ch, "YourReference").(string); ok {
			s.refs[ref] = true
		}
	}
}

func (s *shownFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && collection(req.URL.Path) == "orders" {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var doc struct{ YourReference string }
		_ = json.Unmarshal(body, &doc)
		s.mu.Lock()
		if !s.refs[doc.YourReference] {
			s.unseen = append(s.unseen, doc.YourReference)
		}
		s.mu.Unlock()
	}
	return s.next.RoundTrip(req)
}

// pipelined plans and applies the whole library in one pipelined run
// (engine.PlanAndApply, as apply -auto-approve), recording the writes and
// what the plan showed before them.
func (w *world) pipelined(parallelism int) (*plan.Plan, *engine.Result, *writeRecorder, *shownFirst) {
	w.t.Helper()
	rec := newWriteRecorder(w.read("eaccounting", "customers"))
	shown := &shownFirst{next: rec, shown: map[string]plan.Action{}, refs: map[string]bool{}}
	w.httpClient = &http.Client{Transport: shown}
	defer func() { w.httpClient = nil }()
	pl, res, diags := w.project().PlanAndApply(w.t.Context(), engine.PlanOptions{State: w.st},
		engine.ApplyOptions{State: w.st, Holder: "scenario test", Parallelism: parallelism}, shown.sink)
	if diags.HasErrors() {
		w.t.Fatalf("plan and apply: %s", diagText(diags))
	}
	w.t.Cleanup(func() { pl.Close() })
	return pl, res, rec, shown
}

// TestPipelinedApplyBooksAsPlanThenApply: a pipelined apply (-auto-approve)
// books every order exactly as plan, then apply does (net, VAT, total,
// currency, debtor, terms: booked() compares the whole document), shows
// every change before it writes it, writes what it showed and only that,
// and a second pipelined run finds nothing to do.
func TestPipelinedApplyBooksAsPlanThenApply(t *testing.T) {
	whole := newWorld(t)
	_, wholeRes, _ := whole.applyWith(10)
	if c := wholeRes.Counts(); c.Error+c.Blocked > 0 {
		t.Fatalf("plan, then apply: %+v", c)
	}
	want := booked(whole)
	if len(want) == 0 {
		t.Fatal("plan, then apply booked no orders")
	}

	w := newWorld(t)
	pl, res, rec, shown := w.pipelined(10)
	if c := res.Counts(); c.Error+c.Blocked > 0 {
		t.Fatalf("pipelined: %+v", c)
	}
	if len(shown.unseen) > 0 {
		t.Errorf("written before the plan showed them: %s", strings.Join(shown.unseen, ", "))
	}
	if len(rec.early) > 0 {
		t.Errorf("sent before their customer existed: %s", strings.Join(rec.early, "; "))
	}
	// What was shown is the plan, and what was written is what was shown.
	written := 0
	for _, fp := range pl.Flows {
		got := results(res, fp.Flow)
		for ch := range fp.Changes() {
			if a, ok := shown.shown[fp.Flow+"/"+ch.SourceKey]; !ok || a != ch.Action {
				t.Errorf("%s %s: planned %s, shown %q", fp.Flow, ch.SourceKey, ch.Action, a)
			}
			if ch.Action != plan.Create && ch.Action != plan.Update {
				continue
			}
			written++
			if r := got[ch.SourceKey]; r == nil || r.Action != ch.Action {
				t.Errorf("%s %s: shown as %s, applied as %v", fp.Flow, ch.SourceKey, ch.Action, r)
			}
		}
	}
	if n := res.Counts().Create + res.Counts().Update; n != written {
		t.Errorf("%d records written; %d shown as creates and updates", n, written)
	}
	if diff := cmp.Diff(want, booked(w)); diff != "" {
		t.Errorf("orders booked by plan, then apply (-) and by the pipelined apply (+):\n%s", diff)
	}
	if got, wantN := countsOf(wholeRes), countsOf(res); got != wantN {
		t.Errorf("pipelined run %+v; plan, then apply %+v", wantN, got)
	}

	_, again, _, _ := w.pipelined(10)
	if c := again.Counts(); c.Create+c.Update+c.Error+c.Blocked > 0 {
		t.Errorf("the second pipelined run: %+v; want nothing to do", c)
	}
}

func countsOf(res *engine.Result) plan.Counts { return res.Counts() }

// TestPipelinedApplyKeepsRecordOrder: a pipelined apply under the faults of
// TestConcurrentApplyKeepsRecordOrder (slow customers, one refused, order
// writes failing for a moment) sends no order before its customer exists,
// blocks the refused customer's orders and only those, and books every
// other order as plan, then apply does.
func TestPipelinedApplyKeepsRecordOrder(t *testing.T) {
	calm := newWorld(t)
	_, calmRes, _ := calm.applyWith(1)
	if c := calmRes.Counts(); c.Error+c.Blocked > 0 {
		t.Fatalf("the run without faults: %+v", c)
	}
	want := booked(calm)

	w := newWorld(t)
	ea := w.sb.EAccounting()
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Status: http.StatusBadRequest})
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Latency: 20 * time.Millisecond, Times: -1})
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Status: http.StatusServiceUnavailable, Times: 2})
	pl, res, rec, _ := w.pipelined(10)
	ea.ClearFaults()
	checkFaultedApply(t, w, want, pl, res, rec, "plan, then apply")
}
