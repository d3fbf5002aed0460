package engine

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors/connectortest"
)

// twoContactFlows are two flows over the same source with different
// fields: one read of the union serves both.
const twoContactFlows = customersFlow + `
flow "notes" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  mode   = "update"
  fields {
    Email = "lower(trim(source.email))"
    Note  = "source.company ?? 'none'"
  }
}
`

// TestSharedRead: flows over one source read it once, each seeing the
// fields it reads; the read is in full when one of them must be, else
// from the oldest of their cursors.
func TestSharedRead(t *testing.T) {
	h := newHarness(t, twoContactFlows)
	c := contact("c1", "ada@example.com", "Ada", "Byron", true)
	c.Fields["company"] = "Acme"
	h.store.Put("crm", "contacts", c)
	h.store.Put("books", "customers", contact("k0", "", "", "", false)) // not a match

	h.store.ResetCalls()
	pl := h.plan(PlanOptions{})
	if n := h.store.Calls("crm", "contacts", connectortest.OpRead); n != 1 {
		t.Errorf("contact reads = %d; want 1 shared by two flows", n)
	}
	if got := pl.Flow("customers").Counts(); got.Create != 1 {
		t.Errorf("customers = %+v; want the contact created", got)
	}
	// Applied alone, the customers flow gets a cursor; notes has none:
	// two reads.
	h.apply(h.plan(PlanOptions{Flows: []string{"customers"}}))
	if got := h.plan(PlanOptions{}).Flow("notes").Counts(); got.Update != 1 {
		t.Errorf("notes = %+v; want the note of the created customer updated from the company", got)
	}
	// One read all the same: in full, as notes has never been read.
	h.store.ResetCalls()
	pl = h.plan(PlanOptions{Flows: []string{"customers", "notes"}})
	if n := h.store.Calls("crm", "contacts", connectortest.OpRead); n != 1 {
		t.Errorf("contact reads with one flow never read = %d; want 1", n)
	}
	for flow, want := range map[string]string{"customers": `full: shared read with flow "notes" (first run)`, "notes": "full: first run"} {
		if fp := pl.Flow(flow); fp.ReadMode+": "+fp.ReadReason != want {
			t.Errorf("flow %s read %s: %s; want %s", flow, fp.ReadMode, fp.ReadReason, want)
		}
	}
	h.apply(h.plan(PlanOptions{}))
	h.store.ResetCalls()
	pl = h.plan(PlanOptions{})
	if n := h.store.Calls("crm", "contacts", connectortest.OpRead); n != 1 {
		t.Errorf("incremental contact reads = %d; want 1", n)
	}
	if fp := pl.Flow("notes"); fp.ReadMode != ReadIncremental {
		t.Errorf("notes read %s: %s; want incremental", fp.ReadMode, fp.ReadReason)
	}
}
