package engine

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/engine/plan"
)

// TestReadModes: the first run reads in full, the next ones from the
// cursor; -full and a due full_read_every read in full again, and the plan
// says which read it used and why.
func TestReadModes(t *testing.T) {
	now := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	h := newHarness(t, `kopla {
  full_read_every = "24h"
  read_overlap    = "10m"
}
`+customersFlow)
	h.eng.opts.Now = func() time.Time { return now }
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))

	step := func(name string, opts PlanOptions, want string) {
		t.Helper()
		pl := h.plan(opts)
		if got := pl.Flow("customers").ReadLine(); !strings.HasPrefix(got, want) {
			t.Errorf("%s: read %q; want %q", name, got, want)
		}
		h.apply(pl)
	}
	step("first run", PlanOptions{}, "full: first run")
	now = now.Add(time.Hour)
	step("next run", PlanOptions{}, "incremental since the read of 2026-12-08T03:00Z (overlap 10m)")
	step("-full", PlanOptions{Full: true}, "full: -full")
	step("after -full", PlanOptions{Incremental: true}, "incremental since the read of 2026-12-08T04:00Z (overlap 10m)")
	now = now.Add(24 * time.Hour)
	step("a day after -full", PlanOptions{}, "full: reconcile due (last full read 2026-12-08T04:00Z, full_read_every = 24h)")
	step("after the reconcile", PlanOptions{}, "incremental since the read of 2026-12-09T04:00Z (overlap 10m)")
}

// TestFailedRecordsReadAgain: a record whose write failed is read again by
// id on the next incremental run, although it did not change, and written
// then; the cursor moves on past it meanwhile, and a plan does not store
// anything.
func TestFailedRecordsReadAgain(t *testing.T) {
	h := newHarness(t, customersFlow)
	h.store.Put("crm", "contacts",
		contact("c1", "ada@example.com", "Ada", "Byron", true),
		contact("c2", "bob@example.com", "Bob", "Stone", true))
	h.store.FailWrite("books", "customers", func(w connectors.Write) error {
		if w.Fields["Email"] == "bob@example.com" {
			return errors.New("the books are closed for Bob")
		}
		return nil
	})
	res := h.apply(h.plan(PlanOptions{}))
	if c := res.Counts(); c.Create != 1 || c.Error != 1 {
		t.Fatalf("first apply: %+v; want Ada created and Bob failed", c)
	}
	if got, _ := h.st.Retries(t.Context(), "customers"); len(got) != 1 || got[0] != "c2" {
		t.Errorf("retries after the failure = %v; want [c2]", got)
	}
	if m, _, _ := h.st.ReadMark(t.Context(), "customers"); m.Cursor == "" {
		t.Errorf("no cursor stored: the cursor must move on, the failed record is read again by id")
	}

	h.store.FailWrite("books", "customers", nil)
	h.store.ResetCalls()
	pl := h.plan(PlanOptions{})
	fp := pl.Flow("customers")
	if fp.Retried != 1 || !strings.Contains(fp.ReadLine(), "1 failed record of the last apply read again") {
		t.Errorf("second plan read %q (retried %d); want the failed record read again", fp.ReadLine(), fp.Retried)
	}
	if n := h.store.Calls("crm", "contacts", connectortest.OpGet); n != 1 {
		t.Errorf("contacts read by id %d times; want 1", n)
	}
	var keys []string
	for ch := range fp.Changes() {
		if ch.Action == plan.Create {
			keys = append(keys, ch.SourceKey)
		}
	}
	if len(keys) != 1 || keys[0] != "c2" {
		t.Fatalf("second plan creates %v; want [c2], read again though unchanged", keys)
	}
	if got, _ := h.st.Retries(t.Context(), "customers"); len(got) != 1 {
		t.Errorf("retries after a plan = %v; want [c2] still (plans store nothing)", got)
	}
	if c := h.apply(pl).Counts(); c.Create != 1 || c.Error != 0 {
		t.Errorf("second apply: %+v; want Bob created", c)
	}
	if got, _ := h.st.Retries(t.Context(), "customers"); len(got) != 0 {
		t.Errorf("retries after the record went through = %v; want none", got)
	}
	pl = h.plan(PlanOptions{})
	if fp := pl.Flow("customers"); fp.Retried != 0 || pl.Counts().Changes() {
		t.Errorf("third plan: %q, %+v; want nothing to read again and no changes", fp.ReadLine(), pl.Counts())
	}
}

// TestFailedWriteBackReadAgain: a write-back that failed is planned again
// on the next incremental run, its producer's record read again by id.
func TestFailedWriteBackReadAgain(t *testing.T) {
	h := newHarness(t, keyedWriteBackFlow)
	ada := contact("c1", "ada@example.com", "Ada", "Byron", true)
	ada.Fields["company"] = "Analytical"
	h.store.Put("crm", "contacts", ada)
	h.store.FailWrite("crm", "orders", func(connectors.Write) error { return errors.New("orders are read-only today") })
	if c := h.apply(h.plan(PlanOptions{})).Counts(); c.Create != 1 || c.Error != 1 {
		t.Fatalf("first apply: %+v; want the customer created and its write-back failed", c)
	}
	if got, _ := h.st.Retries(t.Context(), "customers"); len(got) != 1 || got[0] != "c1" {
		t.Errorf("retries of customers = %v; want [c1], the record of the failed write-back", got)
	}
	h.store.FailWrite("crm", "orders", nil)
	pl := h.plan(PlanOptions{})
	if wb := pl.Flow("customers" + WriteBackSuffix); wb.Counts().Create != 1 {
		t.Fatalf("second plan of the write-back: %+v (read %q); want the order created", wb.Counts(), pl.Flow("customers").ReadLine())
	}
	if c := h.apply(pl).Counts(); c.Create != 1 || c.Error != 0 {
		t.Errorf("second apply: %+v; want the order created", c)
	}
	if n := len(h.store.Records("crm", "orders")); n != 1 {
		t.Errorf("%d orders; want 1", n)
	}
	if got, _ := h.st.Retries(t.Context(), "customers"); len(got) != 0 {
		t.Errorf("retries after the write-back went through = %v; want none", got)
	}
}
