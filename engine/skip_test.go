package engine

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// skipFlow skips orders without amount (a fixed reason) and orders whose
// reference is booked already in another object (a computed reason, found
// by a batched find), and ensures the customer of an order in mode create.
const skipFlow = customersFlow + `
flow "orders" {
  source = memory.crm.orders
  target = memory.books.orders
  key    = "Reference"
  mode   = "create"

  skip "no_amount" {
    when = "(source.amount ?? 0) == 0"
  }
  skip "booked" {
    when   = "find(memory.books.invoices, 'Reference', 'O-' + source.ref) != nil"
    reason = "'booked already as invoice ' + find(memory.books.invoices, 'Reference', 'O-' + source.ref).id"
  }

  ensure "customer" {
    flow  = flow.customers
    input = "{email: source.email, first: 'New', last: 'Name', active: true}"
    mode  = "create"
  }

  fields {
    Reference  = "'O-' + source.ref"
    CustomerId = "ensured.customer.id"
    Amount     = "source.amount"
  }
}
`

// TestSkip: a record a skip block selects is a skip change with the
// block's reason, and nothing is ensured for it; the finds of a reason
// cost one Find per batch; an ensure in mode create creates a missing
// record and uses an existing one as it is.
func TestSkip(t *testing.T) {
	h := newHarness(t, skipFlow)
	h.store.Define("crm", "orders", orderSchema)
	h.store.Define("books", "invoices", targetOrderSchema)
	h.store.Put("books", "customers", connectors.Record{ID: "k1", Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron"}})
	h.store.Put("books", "invoices", connectors.Record{ID: "i7", Fields: map[string]any{"Reference": "O-3", "CustomerId": "k1", "Amount": 5.0}})
	h.store.Put("crm", "orders",
		connectors.Record{ID: "o1", Fields: map[string]any{"ref": "1", "email": "ada@example.com", "amount": 10.0}},
		connectors.Record{ID: "o2", Fields: map[string]any{"ref": "2", "email": "cy@example.com", "amount": 0.0}},
		connectors.Record{ID: "o3", Fields: map[string]any{"ref": "3", "email": "dan@example.com", "amount": 5.0}},
		connectors.Record{ID: "o4", Fields: map[string]any{"ref": "4", "email": "eve@example.com", "amount": 7.0}},
	)
	h.store.ResetCalls()
	pl := h.plan(PlanOptions{Flows: []string{"orders"}})

	orders := map[string]*plan.Change{}
	for _, ch := range changesOf(pl.Flow("orders")) {
		orders[ch.SourceKey] = ch
	}
	for key, want := range map[string]struct {
		action plan.Action
		reason string
	}{
		"o1": {plan.Create, ""},
		"o2": {plan.Skip, "no_amount"},
		"o3": {plan.Skip, "booked already as invoice i7"},
		"o4": {plan.Create, ""},
	} {
		ch := orders[key]
		if ch == nil || ch.Action != want.action || ch.Reason != want.reason {
			t.Errorf("order %s: %+v; want %s %q", key, ch, want.action, want.reason)
		}
	}
	if n := h.store.Calls("books", "invoices", "find"); n != 1 {
		t.Errorf("invoices Find calls = %d; want 1 for the batch", n)
	}

	// Ada exists: used as she is (no rename to "New Name"); Eve is new;
	// nothing is ensured for the skipped orders of Cy and Dan.
	customers := map[string]*plan.Change{}
	for _, ch := range changesOf(pl.Flow("customers")) {
		customers[ch.Key.(string)] = ch
	}
	if ch := customers["ada@example.com"]; ch == nil || ch.Action != plan.Skip || ch.TargetID != "k1" {
		t.Errorf("customer ada: %+v; want skipped as she is (k1)", ch)
	}
	if ch := customers["eve@example.com"]; ch == nil || ch.Action != plan.Create {
		t.Errorf("customer eve: %+v; want created", ch)
	}
	for _, email := range []string{"cy@example.com", "dan@example.com"} {
		if ch := customers[email]; ch != nil {
			t.Errorf("customer %s of a skipped order: %+v; want nothing ensured", email, ch)
		}
	}
}
