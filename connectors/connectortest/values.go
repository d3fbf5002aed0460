package connectortest

import (
	"context"

	"github.com/kopla-dev/kopla/connectors"
)

// OpValues counts FieldValues calls (see [Store.Calls]).
const OpValues = "values"

// MaxListedRecords is the most records an object may hold for FieldValues
// to list them: beyond it, the object answers as a system's large objects
// (customers) do, that listing it would read too much.
const MaxListedRecords = 1000

var _ connectors.ValueLister = (*memObject)(nil)

// FieldValues lists the values of a field over the object's records,
// sorted by record ID, when it holds at most MaxListedRecords.
func (m *memObject) FieldValues(ctx context.Context, field string) ([]any, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	o, err := m.begin(OpValues)
	if err != nil || len(o.records) > MaxListedRecords {
		return nil, false, err
	}
	var out []any
	for _, r := range o.sorted(func(*storedRecord) bool { return true }) {
		if v, ok := r.Fields[field]; ok && v != nil {
			out = append(out, v)
		}
	}
	return out, true, nil
}
