package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

// writeRecorder watches the eAccounting writes as they go out: the
// customers that exist (seeded, or answered as created) and the documents
// sent for a customer that did not exist yet. It counts the writes by
// method and collection.
type writeRecorder struct {
	next http.RoundTripper

	mu     sync.Mutex
	known  map[string]bool
	early  []string
	writes map[string]int
}

func newWriteRecorder(customers map[string]map[string]any) *writeRecorder {
	r := &writeRecorder{next: http.DefaultTransport, known: map[string]bool{}, writes: map[string]int{}}
	for id := range customers {
		r.known[id] = true
	}
	return r
}

// collection is the eAccounting collection of a path (/v2/orders/{id} is
// orders), "" for anything else.
func collection(path string) string {
	_, rest, ok := strings.Cut(path, "/v2/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func (r *writeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	coll := collection(req.URL.Path)
	write := req.Method == http.MethodPost || req.Method == http.MethodPut
	if write && (coll == "orders" || coll == "customerinvoicedrafts") && req.Method == http.MethodPost && !strings.Contains(req.URL.Path, "/convert") {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		var doc struct {
			CustomerID    string `json:"CustomerId"`
			YourReference string
		}
		_ = json.Unmarshal(body, &doc)
		r.mu.Lock()
		if !r.known[doc.CustomerID] {
			r.early = append(r.early, fmt.Sprintf("%s %s for customer %q", coll, doc.YourReference, doc.CustomerID))
		}
		r.mu.Unlock()
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil || !write || coll == "" {
		return resp, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if resp.StatusCode < 300 {
		r.writes[req.Method+" "+coll]++
	}
	if coll == "customers" && req.Method == http.MethodPost && resp.StatusCode < 300 {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		var c struct{ Id string }
		_ = json.Unmarshal(body, &c)
		r.known[c.Id] = true
	}
	return resp, nil
}

// applyWith plans and applies the whole library at the given parallelism,
// with what the eAccounting writes do recorded.
func (w *world) applyWith(parallelism int) (*plan.Plan, *engine.Result, *writeRecorder) {
	w.t.Helper()
	rec := newWriteRecorder(w.read("eaccounting", "customers"))
	w.httpClient = &http.Client{Transport: rec}
	defer func() { w.httpClient = nil }()
	p, pl := w.plan()
	res, diags := p.Apply(w.t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test", Parallelism: parallelism})
	if diags.HasErrors() {
		w.t.Fatalf("apply: %s", diagText(diags))
	}
	return pl, res, rec
}

// TestConcurrentApplyKeepsRecordOrder: the whole library applied with ten
// batches at a time, while eAccounting is slow to create customers, refuses
// one of them and fails some order writes for a moment. No order is sent
// before its customer exists; the orders of the refused customer, and only
// those, are blocked; and every other order is booked exactly as a run that
// writes one batch at a time, without faults, books it.
func TestConcurrentApplyKeepsRecordOrder(t *testing.T) {
	calm := newWorld(t)
	_, calmRes, _ := calm.applyWith(1)
	if c := calmRes.Counts(); c.Error+c.Blocked > 0 {
		t.Fatalf("the run without faults: %+v", c)
	}
	want := booked(calm)
	if len(want) == 0 {
		t.Fatal("the run without faults booked no orders")
	}

	w := newWorld(t)
	ea := w.sb.EAccounting()
	// Faults are tried in the order they were added: the first customer
	// is refused, the others are slow.
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Status: http.StatusBadRequest})
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Latency: 20 * time.Millisecond, Times: -1})
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Status: http.StatusServiceUnavailable, Times: 2})
	pl, res, rec := w.applyWith(10)
	ea.ClearFaults()
	t.Logf("eAccounting writes: %v", rec.writes)

	checkFaultedApply(t, w, want, pl, res, rec, "the run one batch at a time")

	// The next run writes what was left, and only that.
	_, res, _ = w.applyWith(10)
	if c := res.Counts(); c.Error+c.Blocked > 0 || c.Create == 0 {
		t.Errorf("the run after the faults: %+v; want the refused customer and its orders written", c)
	}
	if got := booked(w); len(got) != len(want) {
		t.Errorf("after the second run %d orders are booked; want %d", len(got), len(want))
	}
}

type ref struct{ flow, key string }

// TestConcurrentApplyOfSavedPlan: apply FILE with ten batches at a time
// writes exactly the saved plan: a HubSpot contact renamed after the plan
// was saved gets the name the plan shows, and the creates eAccounting
// answered are the plan's.
func TestConcurrentApplyOfSavedPlan(t *testing.T) {
	w := newWorld(t)
	p, pl := w.plan()
	file := filepath.Join(t.TempDir(), "saved.plan")
	if err := plan.WriteFile(file, pl); err != nil {
		t.Fatal(err)
	}
	pl.Close()
	planned := map[string]int{}
	saved, err := plan.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer saved.Close()
	for _, fp := range saved.Flows {
		if strings.HasPrefix(fp.Target, "eaccounting.") {
			c := fp.Counts()
			planned[fp.Target[strings.LastIndex(fp.Target, ".")+1:]] += c.Create
		}
	}

	// Changed after the plan was saved: the name of a person the plan
	// creates as a customer. apply FILE writes the name the plan shows.
	var person *plan.Change
	for ch := range saved.Flow("contacts_to_customers").Changes() {
		if ch.Action == plan.Create && after(ch, "IsPrivatePerson") == true {
			person = ch
			break
		}
	}
	if person == nil {
		t.Fatal("the saved plan creates no private person customer")
	}
	obj, err := w.open("hubspot").Object("contacts")
	if err != nil {
		t.Fatal(err)
	}
	if r := obj.(connectors.Writer).Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: person.SourceKey, Fields: map[string]any{"firstname": "Late", "lastname": "Rename"}}}); r[0].Err != nil {
		t.Fatal(r[0].Err)
	}

	rec := newWriteRecorder(w.read("eaccounting", "customers"))
	w.httpClient = &http.Client{Transport: rec}
	p = w.project()
	res, diags := p.Apply(t.Context(), saved, engine.ApplyOptions{State: w.st, Saved: true, Holder: "scenario test", Parallelism: 10})
	if diags.HasErrors() {
		t.Fatalf("apply FILE: %s", diagText(diags))
	}
	if c := res.Counts(); c.Error+c.Blocked > 0 {
		t.Fatalf("apply FILE: %+v", c)
	}
	if len(rec.early) > 0 {
		t.Errorf("sent before their customer existed: %s", strings.Join(rec.early, "; "))
	}
	for coll, n := range planned {
		if got := rec.writes["POST "+coll]; got != n {
			t.Errorf("eAccounting answered %d creates of %s; the saved plan has %d", got, coll, n)
		}
	}
	if len(planned) == 0 {
		t.Fatal("the saved plan creates nothing in eAccounting")
	}
	customer := one(t, w.read("eaccounting", "customers"), "EmailAddress", after(person, "EmailAddress"))
	if customer["Name"] != after(person, "Name") {
		t.Errorf("customer %v is named %v; the saved plan creates it as %v", after(person, "EmailAddress"), customer["Name"], after(person, "Name"))
	}
	// The rename is for the next plan.
	_, next := w.plan()
	if ch := changes(next, "contacts_to_customers")[person.SourceKey]; ch == nil || ch.Action != plan.Update || after(ch, "Name") != "Late Rename" {
		t.Errorf("the plan after apply FILE has %v for the renamed person; want an update to Late Rename", ch)
	}
}

// checkFaultedApply checks an apply under the faults of
// TestConcurrentApplyKeepsRecordOrder: no order was sent before its
// customer existed; the refused customer, and only it, failed; what needs it
// is blocked, and only that; every other order is booked as the baseline
// run, without faults, booked it (want).
func checkFaultedApply(t *testing.T, w *world, want map[string]map[string]any, pl *plan.Plan, res *engine.Result, rec *writeRecorder, baseline string) {
	t.Helper()
	if len(rec.early) > 0 {
		t.Errorf("sent before their customer existed: %s", strings.Join(rec.early, "; "))
	}
	failed := map[ref]bool{}
	for _, fr := range res.Flows {
		for _, r := range fr.Records {
			if r.Action == plan.Error || r.Action == plan.Blocked {
				failed[ref{fr.Flow, r.SourceKey}] = true
			}
		}
	}
	refused, blocked := 0, 0
	for _, fp := range pl.Flows {
		got := results(res, fp.Flow)
		for ch := range fp.Changes() {
			if ch.Action != plan.Create && ch.Action != plan.Update {
				continue
			}
			r := got[ch.SourceKey]
			if r == nil {
				t.Errorf("%s %s: planned, not applied", fp.Flow, ch.SourceKey)
				continue
			}
			var parent *plan.Ref
			for i, req := range ch.Requires {
				if failed[ref{req.Flow, req.SourceKey}] {
					parent = &ch.Requires[i]
				}
			}
			switch {
			case parent != nil && r.Action != plan.Blocked:
				t.Errorf("%s %s is %s; want blocked: it needs %s %s, which failed", fp.Flow, ch.SourceKey, r.Action, parent.Flow, parent.SourceKey)
			case parent != nil:
				blocked++
			case r.Action == plan.Error:
				refused++
				if !strings.Contains(r.Error, "400") && !strings.Contains(strings.ToLower(r.Error), "bad request") {
					t.Errorf("%s %s failed with %q; only the refused customer should fail", fp.Flow, ch.SourceKey, r.Error)
				}
			case r.Action == plan.Blocked:
				t.Errorf("%s %s is blocked, but what it needs was written: %s", fp.Flow, ch.SourceKey, r.Error)
			}
		}
	}
	if refused != 1 || blocked == 0 {
		t.Errorf("%d records refused and %d blocked; want the one refused customer and its orders", refused, blocked)
	}
	got := booked(w)
	for reference, g := range got {
		if diff := cmp.Diff(want[reference], g); diff != "" {
			t.Errorf("order %s, booked by %s (-) and this run (+):\n%s", reference, baseline, diff)
		}
	}
	if len(got)+blocked < len(want) {
		t.Errorf("%d orders booked and %d blocked; %s booked %d", len(got), blocked, baseline, len(want))
	}

}
