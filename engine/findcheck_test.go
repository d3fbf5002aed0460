package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/engine/plan"
)

const termsFlow = `
connection "memory" "shop" {}
connection "memory" "ledger" {}

flow "customers" {
  source = memory.shop.contacts
  target = memory.ledger.customers
  key    = "Email"
  fields {
    Email   = "source.email"
    TermsId = "find(memory.ledger.terms, 'Name', source.terms)?.Id"
    Parent  = "source.parent == nil ? nil : find(memory.ledger.customers, 'Email', source.parent).Id"
  }
}
`

// TestFindMissNamesClosest: a find() that matches nothing names the
// object, field and value and the closest values the object has, both
// where an expression then fails and where a required field is left
// without a value; reference data is listed once per plan, whatever the
// number of misses; a large object is said not to be listed.
func TestFindMissNamesClosest(t *testing.T) {
	h := newHarness(t, termsFlow)
	h.store.Define("shop", "contacts", connectors.Schema{Fields: []connectors.Field{
		{Name: "email", Type: connectors.TypeString}, {Name: "terms", Type: connectors.TypeString}, {Name: "parent", Type: connectors.TypeString},
	}})
	h.store.Define("ledger", "customers", connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Email", Type: connectors.TypeString, Key: true},
		{Name: "TermsId", Type: connectors.TypeString, Required: true},
		{Name: "Parent", Type: connectors.TypeString},
	}})
	for i, name := range []string{"30 dagar netto", "10 dagar netto", "Kortbetalning", "Förskott"} {
		h.store.Put("ledger", "terms", connectors.Record{ID: fmt.Sprint("t", i), Fields: map[string]any{"Id": fmt.Sprint("t", i), "Name": name}})
	}
	big := make([]connectors.Record, connectortest.MaxListedRecords+1)
	for i := range big {
		big[i] = connectors.Record{ID: fmt.Sprint("k", i), Fields: map[string]any{"Email": fmt.Sprintf("k%d@example.com", i), "TermsId": "t0"}}
	}
	h.store.Put("ledger", "customers", big...)
	contact := func(id, terms string, parent any) connectors.Record {
		return connectors.Record{ID: id, Fields: map[string]any{"email": id + "@example.com", "terms": terms, "parent": parent}}
	}
	h.store.Put("shop", "contacts",
		contact("c1", "30 dagar netto", nil),
		contact("c2", "30 dagar neto", nil),
		contact("c3", "Kortbetaling", nil),
		contact("c4", "30 dagar netto", "nobody@example.com"),
	)
	h.store.ResetCalls()
	pl := h.plan(PlanOptions{})
	want := map[string]struct {
		action        plan.Action
		field, reason string
	}{
		"c1": {plan.Create, "", ""},
		"c2": {plan.Error, "TermsId", `TermsId is required on create and the flow gives it no value for this record (find(memory.ledger.terms, "Name", "30 dagar neto") matched no record; the closest existing Name values are "30 dagar netto", "10 dagar netto", "Förskott")`},
		"c3": {plan.Error, "TermsId", `(find(memory.ledger.terms, "Name", "Kortbetaling") matched no record; the closest existing Name values are "Kortbetalning", `},
		"c4": {plan.Error, "Parent", `(find(memory.ledger.customers, "Email", "nobody@example.com") matched no record; memory.ledger.customers may hold many records, so kopla lists none of its values to compare`},
	}
	for ch := range pl.Flow("customers").Changes() {
		w, ok := want[ch.SourceKey]
		if !ok {
			continue
		}
		if ch.Action != w.action || ch.Field != w.field || !strings.Contains(ch.Reason, w.reason) {
			t.Errorf("%s: %s on %q: %s\nwant %s on %q: %s", ch.SourceKey, ch.Action, ch.Field, ch.Reason, w.action, w.field, w.reason)
		}
	}
	if n := h.store.Calls("ledger", "terms", connectortest.OpValues); n != 1 {
		t.Errorf("terms listed %d times; want once for the plan", n)
	}
}
