package engine

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// entriesFlow is a flow independent of customers, on a connection of its
// own.
const entriesFlow = customersFlow + `
connection "memory" "ledger" {}

flow "entries" {
  source = memory.crm.orders
  target = memory.ledger.entries
  key    = "Reference"
  fields {
    Reference = "'E-' + source.ref"
    Amount    = "source.amount"
  }
}
`

// newBatchHarness is newHarness with the engine handling batch records at
// a time.
func newBatchHarness(t *testing.T, hcl string, batch int) *harness {
	t.Helper()
	h := newHarness(t, hcl)
	store, reg := testRegistry(t)
	store.Define("ledger", "entries", connectors.Schema{Fields: []connectors.Field{
		{Name: "Reference", Type: connectors.TypeString, Key: true},
		{Name: "Amount", Type: connectors.TypeNumber},
	}})
	h.store, h.eng = store, New(Options{Registry: reg, BatchSize: batch})
	st, err := state.Open(t.Context(), filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.st = st
	return h
}

func (h *harness) applyWith(pl *plan.Plan, parallelism int) *Result {
	h.t.Helper()
	res, diags := h.project().Apply(context.Background(), pl, ApplyOptions{State: h.st, Parallelism: parallelism})
	if diags.HasErrors() {
		h.t.Fatalf("apply: %v", diags)
	}
	return res
}

// waitFor waits for c to close, or fails the write after a while: what an
// apply that does not write concurrently runs into.
func waitFor(c <-chan struct{}, what string) error {
	select {
	case <-c:
		return nil
	case <-time.After(5 * time.Second):
		return errors.New("timed out waiting for " + what)
	}
}

// TestApplyWritesIndependentFlowsAtOnce: the customers write waits, in the
// target, until the entries of another flow are written: an apply that
// writes flows one after the other would time out.
func TestApplyWritesIndependentFlowsAtOnce(t *testing.T) {
	h := newBatchHarness(t, entriesFlow, 500)
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	h.store.Put("crm", "orders", order("o1", "1001", "ada@example.com", 10))
	entries := make(chan struct{})
	var once sync.Once
	h.store.AfterWrite(func(conn, object string, _ []connectors.Write, _ []connectors.WriteResult) error {
		switch conn {
		case "ledger":
			once.Do(func() { close(entries) })
		case "books":
			return waitFor(entries, "the entries flow")
		}
		return nil
	})
	res := h.applyWith(h.plan(PlanOptions{}), 2)
	if c := res.Counts(); c.Create != 2 || c.Error != 0 {
		t.Fatalf("apply: %+v; want both flows' records created", c)
	}
}

// TestChildWaitsOnlyForItsParent: an order is written as soon as its own
// customer is, while the other customer's write waits for that order: an
// apply that wrote the orders only after every customer would time out.
// A failed customer blocks its own orders only.
func TestChildWaitsOnlyForItsParent(t *testing.T) {
	h := newBatchHarness(t, ordersFlow, 1)
	h.store.SetConcurrentWrites(true)
	h.store.Put("crm", "contacts",
		contact("c1", "ada@example.com", "Ada", "Byron", true),
		contact("c2", "bob@example.com", "Bob", "Stone", true),
		contact("c3", "cy@example.com", "Cy", "Fail", true))
	h.store.Put("crm", "orders",
		order("o1", "1001", "ada@example.com", 10),
		order("o2", "1002", "bob@example.com", 20),
		order("o3", "1003", "cy@example.com", 30))
	adaOrder := make(chan struct{})
	var once sync.Once
	h.store.FailWrite("books", "customers", func(w connectors.Write) error {
		switch w.Fields["Email"] {
		case "bob@example.com":
			return waitFor(adaOrder, "Ada's order")
		case "cy@example.com":
			return &connectors.APIError{Service: "memory", Status: 400, Message: "refused"}
		}
		return nil
	})
	h.store.AfterWrite(func(conn, object string, writes []connectors.Write, results []connectors.WriteResult) error {
		for i, w := range writes {
			if object == "orders" && w.Fields["Reference"] == "HS-1001" && results[i].Err == nil {
				once.Do(func() { close(adaOrder) })
			}
		}
		return nil
	})
	pl := h.plan(PlanOptions{})
	res := h.applyWith(pl, 4)
	want := map[string]plan.Action{"c1": plan.Create, "c2": plan.Create, "c3": plan.Error, "o1": plan.Create, "o2": plan.Create, "o3": plan.Blocked}
	for _, fr := range res.Flows {
		for _, r := range fr.Records {
			if r.Action != want[r.SourceKey] {
				t.Errorf("%s %s: %s (%s); want %s", fr.Flow, r.SourceKey, r.Action, r.Error, want[r.SourceKey])
			}
			delete(want, r.SourceKey)
		}
	}
	if len(want) > 0 {
		t.Errorf("not applied: %v", want)
	}
}

// TestParallelismCapsWrites: with -parallelism 1 no two batches are written
// at the same time, even of independent flows; with more they are.
func TestParallelismCapsWrites(t *testing.T) {
	for _, tt := range []struct {
		parallelism int
		wantMax     func(int32) bool
	}{
		{1, func(n int32) bool { return n == 1 }},
		{4, func(n int32) bool { return n > 1 }},
	} {
		h := newBatchHarness(t, entriesFlow, 1)
		h.store.SetConcurrentWrites(true)
		for i := range 4 {
			id := string(rune('a' + i))
			h.store.Put("crm", "contacts", contact("c"+id, id+"@example.com", "A", id, true))
			h.store.Put("crm", "orders", order("o"+id, "10"+id, id+"@example.com", 1))
		}
		var now, peak atomic.Int32
		for _, obj := range [][2]string{{"books", "customers"}, {"ledger", "entries"}} {
			h.store.FailWrite(obj[0], obj[1], func(connectors.Write) error {
				n := now.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(20 * time.Millisecond)
				return nil
			})
		}
		h.store.AfterWrite(func(string, string, []connectors.Write, []connectors.WriteResult) error {
			now.Add(-1)
			return nil
		})
		res := h.applyWith(h.plan(PlanOptions{}), tt.parallelism)
		if c := res.Counts(); c.Create != 8 || c.Error != 0 {
			t.Fatalf("parallelism %d: %+v; want 8 creates", tt.parallelism, c)
		}
		if !tt.wantMax(peak.Load()) {
			t.Errorf("parallelism %d: up to %d batches written at once", tt.parallelism, peak.Load())
		}
	}
}
