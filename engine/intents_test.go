package engine

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// lostHarness is a harness whose engine runs on a clock the test moves,
// and whose first customer create fails without an answer and without
// being stored: a create eAccounting may still commit.
type lostHarness struct {
	*harness
	mu  sync.Mutex
	now time.Time
}

// newLostHarness returns the harness after the lost create, and the plan
// that made it.
func newLostHarness(t *testing.T) (*lostHarness, *plan.Plan) {
	h := &lostHarness{harness: newHarness(t, customersFlow), now: time.Now()}
	h.eng = New(Options{Registry: h.eng.opts.Registry, Now: h.clock})
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	lost := true
	h.store.FailWrite("books", "customers", func(w connectors.Write) error {
		if w.Action == connectors.Create && lost {
			lost = false
			return fmt.Errorf("POST customers: context deadline exceeded (answer lost): %w", connectors.ErrMayStillCommit)
		}
		return nil
	})
	first := h.plan(PlanOptions{})
	res := h.apply(first)
	if r := res.Flows[0].Records[0]; r.Action != plan.Error {
		t.Fatalf("first apply: %+v; want the create lost", r)
	}
	return h, first
}

func (h *lostHarness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *lostHarness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

// commitLate stores the customer as eAccounting's late commit would.
func (h *lostHarness) commitLate() string {
	return h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron", "Note": "imported"}})[0]
}

func onlyChange(t *testing.T, pl *plan.Plan) *plan.Change {
	t.Helper()
	chs := changesOf(pl.Flow("customers"))
	if len(chs) != 1 {
		t.Fatalf("changes = %+v; want one", chs)
	}
	return chs[0]
}

// TestLostCreateWaitsForLateCommit: a create whose answer was lost and
// whose record is not found yet waits, in the plan and in the apply; the
// record, once it shows, is linked and not created again.
func TestLostCreateWaitsForLateCommit(t *testing.T) {
	h, first := newLostHarness(t)
	pl := h.plan(PlanOptions{})
	if ch := onlyChange(t, pl); ch.Action != plan.Waiting || ch.Reason != reasonWaiting {
		t.Fatalf("plan before the commit: %s (%s); want waiting", ch.Action, ch.Reason)
	}
	h.apply(pl)
	if n := len(h.store.Records("books", "customers")); n != 0 {
		t.Fatalf("the waiting create was sent: %d customers", n)
	}
	if pending, _ := h.st.PendingIntents(t.Context(), "customers"); len(pending) != 1 {
		t.Fatalf("pending intents = %+v; want the lost create's, kept", pending)
	}

	// A plan made before the create was lost still says create: the
	// apply waits as well.
	res := h.apply(first)
	if r := res.Flows[0].Records[0]; r.Action != plan.Waiting || r.Error != reasonWaiting {
		t.Fatalf("apply of the first plan again: %+v; want waiting", r)
	}
	if n := len(h.store.Records("books", "customers")); n != 0 {
		t.Fatalf("the waiting create was sent: %d customers", n)
	}

	h.advance(time.Minute)
	id := h.commitLate()
	res = h.apply(first)
	if r := res.Flows[0].Records[0]; r.Action != plan.Create || r.TargetID != id {
		t.Fatalf("apply after the commit: %+v; want the late record linked", r)
	}
	if n := len(h.store.Records("books", "customers")); n != 1 {
		t.Fatalf("customers = %d; want the one committed late, not created again", n)
	}
	links, err := h.st.Links(t.Context(), "customers", []string{"c1"})
	if err != nil || links["c1"].TargetID != id {
		t.Fatalf("link of c1 = %+v, %v; want %s", links, err, id)
	}
	if pending, _ := h.st.PendingIntents(t.Context(), "customers"); len(pending) != 0 {
		t.Errorf("pending intents after the link = %+v; want none", pending)
	}
	if c := h.plan(PlanOptions{}).Counts(); c.Changes() || c.Waiting > 0 {
		t.Errorf("plan after the link: %+v; want no changes", c)
	}
}

// TestLostCreateSettles: a lost create not found within SettleWindow is
// created again; and one that then conflicts (the late commit came after
// all) is linked, not failed.
func TestLostCreateSettles(t *testing.T) {
	t.Run("never committed", func(t *testing.T) {
		h, _ := newLostHarness(t)
		h.advance(SettleWindow + time.Second)
		pl := h.plan(PlanOptions{})
		if ch := onlyChange(t, pl); ch.Action != plan.Create {
			t.Fatalf("plan after the settle window: %s (%s); want create", ch.Action, ch.Reason)
		}
		if res := h.apply(pl); res.Counts().Create != 1 {
			t.Fatalf("apply: %+v; want the create", res.Counts())
		}
		if n := len(h.store.Records("books", "customers")); n != 1 {
			t.Errorf("customers = %d; want 1", n)
		}
	})
	t.Run("conflict", func(t *testing.T) {
		h, _ := newLostHarness(t)
		h.advance(SettleWindow + time.Second)
		pl := h.plan(PlanOptions{})
		// The late commit shows only as the create is sent, after the
		// apply looked the record up, and makes it conflict.
		var id string
		h.store.FailWrite("books", "customers", func(w connectors.Write) error {
			if w.Action == connectors.Create {
				id = h.commitLate()
				return &connectors.APIError{Service: "memory", Status: 409, Message: "a customer with this e-mail already exists", Kind: connectors.ErrConflict}
			}
			return nil
		})
		res := h.apply(pl)
		if r := res.Flows[0].Records[0]; r.Action != plan.Create || r.TargetID != id || r.Error != "" {
			t.Fatalf("apply of the conflicting create: %+v; want the late record linked", r)
		}
		if n := len(h.store.Records("books", "customers")); n != 1 {
			t.Errorf("customers = %d; want 1", n)
		}
	})
}
