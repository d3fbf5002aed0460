package scenario

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/sandbox"
)

// testClock is a time source the test moves on, shared by the fakes and
// the engine.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// runAt plans (in full with full) and applies the whole project with the
// engine on clk, as `kopla apply` does.
func (w *world) runAt(clk *testClock, full bool) (*plan.Plan, *engine.Result) {
	w.t.Helper()
	p := w.projectAt(clk)
	pl, diags := p.Plan(w.t.Context(), engine.PlanOptions{State: w.st, Full: full, ForApply: true})
	if diags.HasErrors() {
		w.t.Fatalf("plan: %s", diagText(diags))
	}
	res, diags := p.Apply(w.t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test"})
	if diags.HasErrors() {
		w.t.Fatalf("apply: %s", diagText(diags))
	}
	return pl, res
}

// planAt plans the whole project on clk without applying it.
func (w *world) planAt(clk *testClock, full bool) *plan.Plan {
	w.t.Helper()
	pl, diags := w.projectAt(clk).Plan(w.t.Context(), engine.PlanOptions{State: w.st, Full: full})
	if diags.HasErrors() {
		w.t.Fatalf("plan: %s", diagText(diags))
	}
	return pl
}

func (w *world) projectAt(clk *testClock) *engine.Project {
	w.t.Helper()
	cfg, diags := dsl.Load(w.dir, dsl.Options{Vars: w.vars, LookupEnv: w.sb.LookupEnv})
	if diags.HasErrors() {
		w.t.Fatalf("load: %s", diagText(diags))
	}
	eng := engine.New(engine.Options{Registry: w.reg, ConnectionConfig: w.connectionConfig, LookupEnv: w.sb.LookupEnv, Now: clk.now})
	p, diags := eng.Compile(cfg)
	if diags.HasErrors() {
		w.t.Fatalf("compile: %s", diagText(diags))
	}
	w.t.Cleanup(func() { _ = p.Close() })
	return p
}

// copyOrder seeds a copy of a demo order, its line items and its buyer's
// associations under new ids, last modified at modified, as if it had been
// created in the shop then (an import, or HubSpot's search catching up
// with dates that arrive out of order).
func (w *world) copyOrder(from, id string, modified time.Time) {
	w.t.Helper()
	hs := w.sb.HubSpot()
	props, ok := hs.Object("orders", from)
	if !ok {
		w.t.Fatalf("no demo order %s", from)
	}
	clean := func(p map[string]string) map[string]string {
		p = maps.Clone(p)
		for k := range p {
			if k == "hs_object_id" || k == "hs_lastmodifieddate" || k == "hs_createdate" || k == "createdate" || strings.HasPrefix(k, "hs_all_") || strings.HasPrefix(k, "eaccounting_") {
				delete(p, k)
			}
		}
		return p
	}
	order := clean(props)
	order["hs_order_name"] = "Webborder " + id
	order["hs_external_order_id"] = "WEB-" + id
	type rec struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		CreatedAt  time.Time         `json:"createdAt"`
		UpdatedAt  time.Time         `json:"updatedAt"`
	}
	type assoc struct {
		From   string `json:"from"`
		To     string `json:"to"`
		TypeID int    `json:"typeId"`
	}
	seed := struct {
		Objects      map[string][]rec `json:"objects"`
		Associations []assoc          `json:"associations"`
	}{Objects: map[string][]rec{"orders": {{ID: id, Properties: order, CreatedAt: modified, UpdatedAt: modified}}}}
	for _, o := range hs.Objects("contacts") {
		if types := hs.Associations("orders", from, "contacts", o.ID); len(types) > 0 {
			seed.Associations = append(seed.Associations, assoc{"orders/" + id, "contacts/" + o.ID, types[0]})
		}
	}
	for _, o := range hs.Objects("companies") {
		for _, ty := range hs.Associations("orders", from, "companies", o.ID) {
			seed.Associations = append(seed.Associations, assoc{"orders/" + id, "companies/" + o.ID, ty})
		}
	}
	n := 0
	for _, o := range hs.Objects("line_items") {
		if len(hs.Associations("orders", from, "line_items", o.ID)) == 0 {
			continue
		}
		n++
		li := fmt.Sprintf("%s%02d", id, n)
		seed.Objects["line_items"] = append(seed.Objects["line_items"], rec{ID: li, Properties: clean(o.Properties), CreatedAt: modified, UpdatedAt: modified})
		seed.Associations = append(seed.Associations, assoc{"orders/" + id, "line_items/" + li, 513})
	}
	b, err := json.Marshal(seed)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := hs.Seed(strings.NewReader(string(b))); err != nil {
		w.t.Fatal(err)
	}
}

// hubspotCalls counts the HubSpot requests of one kind since the counters
// were reset: lists and searches of objects, and all of them.
func (w *world) hubspotCalls() (lists, searches, all int) {
	hs := w.sb.HubSpot()
	for _, pre := range []string{"/crm/v3/objects", "/crm/objects/2026-03"} {
		lists += hs.Requests("GET " + pre + "/{objectType}")
		searches += hs.Requests("POST " + pre + "/{objectType}/search")
	}
	return lists, searches, hs.Requests("*")
}

// TestIncrementalByDefaultMissesNothing: runs read from their cursors by
// default; an unchanged run lists nothing and writes nothing; an order
// whose modification date is a little older than the cursor (HubSpot's
// search catching up) is caught by the overlap, and one far older by the
// reconcile that full_read_every makes due, so that afterwards a full read
// finds nothing left to do, and the orders are booked as the demo order
// they copy.
func TestIncrementalByDefaultMissesNothing(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)}
	w := newWorldOf(t, sandbox.Options{Limits: fastLimits, Clock: clk.now})

	// 1. The first run reads every flow in full.
	pl, _ := w.runAt(clk, false)
	read := 0
	for _, fp := range pl.Flows {
		if fp.ReadMode == "" {
			continue
		}
		read++
		if fp.ReadLine() != "full: first run" && !strings.HasPrefix(fp.ReadLine(), "full: shared read with") {
			t.Errorf("first run: flow %s read %q; want full: first run", fp.Flow, fp.ReadLine())
		}
	}
	if read == 0 {
		t.Fatal("the first run read no flow")
	}

	// 2. Nothing changed in the shop: every flow reads from its cursor and
	// writes nothing. The first run's own writes (write-backs to HubSpot,
	// made after its reads) are read once more, as no-ops; after that an
	// unchanged run costs HubSpot its cursor searches and nothing else.
	for run := range 2 {
		clk.advance(15 * time.Minute)
		w.sb.HubSpot().ResetCounters()
		w.sb.EAccounting().ResetCounters()
		pl, res := w.runAt(clk, false)
		ea := w.sb.EAccounting().Requests("*") - w.sb.EAccounting().Requests("POST /connect/token")
		for _, fp := range pl.Flows {
			if fp.ReadMode != "" && fp.ReadMode != engine.ReadIncremental {
				t.Errorf("unchanged run %d: flow %s read %q; want incremental", run, fp.Flow, fp.ReadLine())
			}
		}
		lists, searches, all := w.hubspotCalls()
		t.Logf("unchanged incremental run %d: %d HubSpot calls (%d searches from the cursors, %d lists), %d eAccounting calls, %d records read again", run, all, searches, lists, ea, pl.Counts().NoOp)
		if c := res.Counts(); c.Create+c.Update+c.Error+c.Blocked != 0 {
			t.Errorf("unchanged run %d: %+v; want nothing written", run, c)
		}
		if lists != 0 {
			t.Errorf("unchanged run %d: %d HubSpot lists; want none", run, lists)
		}
		if run == 1 && all != searches {
			t.Errorf("unchanged run %d: %d HubSpot calls; want only the %d cursor searches", run, all, searches)
		}
		if run == 1 {
			// What the same unchanged run costs when it reads in full.
			w.sb.HubSpot().ResetCounters()
			full := w.planAt(clk, true)
			_, _, fullCalls := w.hubspotCalls()
			read := full.Counts().NoOp + full.Counts().Skip
			t.Logf("unchanged run: %d HubSpot calls incremental (%.4f per record), %d reading in full (%d records planned)", all, float64(all)/float64(read), fullCalls, read)
			// One search per HubSpot source, however many records: a
			// full read of the small demo costs a few pages more.
			if all >= fullCalls {
				t.Errorf("unchanged incremental run: %d HubSpot calls; want fewer than the %d of a full read", all, fullCalls)
			}
		}
	}

	// 3. Orders come in: one now, one dated 2 minutes before the orders'
	// cursor (within the overlap), one 2 hours before it (out of order,
	// beyond the overlap).
	mark, ok, err := w.st.ReadMark(t.Context(), ordersFlow)
	if err != nil || !ok {
		t.Fatalf("read mark of %s: %v, %v", ordersFlow, ok, err)
	}
	cursor, err := time.Parse(time.RFC3339Nano, mark.Cursor)
	if err != nil {
		t.Fatalf("cursor of %s = %q; want a time", ordersFlow, mark.Cursor)
	}
	clk.advance(15 * time.Minute)
	w.copyOrder("4001", "4901", clk.now())
	w.copyOrder("4001", "4902", cursor.Add(-2*time.Minute))
	w.copyOrder("4001", "4903", cursor.Add(-2*time.Hour))
	pl, _ = w.runAt(clk, false)
	if fp := pl.Flow(ordersFlow); !strings.HasPrefix(fp.ReadLine(), "incremental since ") || !strings.Contains(fp.ReadLine(), "(overlap 5m)") {
		t.Errorf("orders read %q; want incremental since the cursor (overlap 5m)", fp.ReadLine())
	}
	orders := w.read("eaccounting", "orders")
	for id, want := range map[string]int{"HS-4901": 1, "HS-4902": 1, "HS-4903": 0} {
		if n := len(findBy(orders, "YourReference", id)); n != want {
			t.Errorf("after the incremental run: %d eAccounting orders %s; want %d", n, id, want)
		}
	}
	// A full read would find the order the cursor missed, and only it.
	full := w.planAt(clk, true)
	missed := map[string]bool{}
	for _, fp := range full.Flows {
		for ch := range fp.Changes() {
			if ch.Action == plan.Create || ch.Action == plan.Update || ch.Action == plan.Error {
				missed[fp.Flow+" "+string(ch.Action)+" "+ch.SourceKey] = true
			}
		}
	}
	want := map[string]bool{ordersFlow + " create 4903": true, ordersFlow + ".write_back update 4903": true}
	if !maps.Equal(missed, want) {
		t.Errorf("full plan after the incremental run: %v; want only the missed order 4903 (and its write-back)", slices.Sorted(maps.Keys(missed)))
	}

	// 4. A day on, the reconcile is due: a full read books the last order;
	// then nothing is left for a full read to find.
	clk.advance(24 * time.Hour)
	pl, _ = w.runAt(clk, false)
	if fp := pl.Flow(ordersFlow); !strings.HasPrefix(fp.ReadLine(), "full: reconcile due (last full read 2026-12-08T03:00Z, full_read_every = 24h)") &&
		!strings.HasPrefix(fp.ReadLine(), "full: shared read with") {
		t.Errorf("orders read %q a day later; want full: reconcile due", fp.ReadLine())
	}
	if c := w.planAt(clk, true).Counts(); c.Changes() || c.Error != 0 {
		t.Errorf("full plan after the reconcile: %+v; want no changes", c)
	}
	orders = w.read("eaccounting", "orders")
	demo := one(t, orders, "YourReference", "HS-4001")
	for _, id := range []string{"HS-4901", "HS-4902", "HS-4903"} {
		o := one(t, orders, "YourReference", id)
		for _, f := range []string{"Amount", "VatAmount", "RoundingsAmount", "IncludesVat", "CurrencyCode", "CustomerId", "TermsOfPaymentId"} {
			if fmt.Sprint(o[f]) != fmt.Sprint(demo[f]) {
				t.Errorf("order %s %s = %v; want %v as the demo order it copies", id, f, o[f], demo[f])
			}
		}
	}
}
