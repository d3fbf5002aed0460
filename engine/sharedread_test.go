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
// fields it reads; with incremental reads only flows whose cursors are
// equal share a read.
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
	h.store.ResetCalls()
	h.plan(PlanOptions{Incremental: true, Flows: []string{"customers", "notes"}})
	if n := h.store.Calls("crm", "contacts", connectortest.OpRead); n != 2 {
		t.Errorf("incremental contact reads with different cursors = %d; want 2", n)
	}
	h.apply(h.plan(PlanOptions{}))
	h.store.ResetCalls()
	h.plan(PlanOptions{Incremental: true})
	if n := h.store.Calls("crm", "contacts", connectortest.OpRead); n != 1 {
		t.Errorf("incremental contact reads with equal cursors = %d; want 1", n)
	}
}
