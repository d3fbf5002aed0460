package engine

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

// TestPlanSourceIDs: a targeted plan reads only the given source records,
// by id (no read of the whole source), leaves out ids that no longer
// exist, and still ensures what those records need.
func TestPlanSourceIDs(t *testing.T) {
	h := newHarness(t, skipFlow)
	h.store.Define("crm", "orders", orderSchema)
	h.store.Define("books", "invoices", targetOrderSchema)
	h.store.Put("crm", "orders",
		connectors.Record{ID: "o1", Fields: map[string]any{"ref": "1", "email": "ada@example.com", "amount": 10.0}},
		connectors.Record{ID: "o2", Fields: map[string]any{"ref": "2", "email": "cy@example.com", "amount": 4.0}},
		connectors.Record{ID: "o3", Fields: map[string]any{"ref": "3", "email": "dan@example.com", "amount": 5.0}},
	)
	h.store.ResetCalls()
	pl := h.plan(PlanOptions{Flows: []string{"orders"}, SourceIDs: map[string][]string{"orders": {"o3", "gone", "o3"}}})
	var got []string
	for _, ch := range changesOf(pl.Flow("orders")) {
		got = append(got, ch.SourceKey)
	}
	if len(got) != 1 || got[0] != "o3" {
		t.Errorf("planned orders %v; want only o3", got)
	}
	if n := h.store.Calls("crm", "orders", "read"); n != 0 {
		t.Errorf("orders read %d times; want 0 (read by id)", n)
	}
	if n := h.store.Calls("crm", "orders", "get"); n != 1 {
		t.Errorf("orders got by id in %d calls; want 1", n)
	}
	var customers []any
	for _, ch := range changesOf(pl.Flow("customers")) {
		customers = append(customers, ch.Key)
	}
	if len(customers) != 1 || customers[0] != "dan@example.com" {
		t.Errorf("customers ensured %v; want dan's only", customers)
	}
	if pl.Flow("orders").Cursor != "" {
		t.Errorf("a targeted plan moves the cursor to %q", pl.Flow("orders").Cursor)
	}
}
