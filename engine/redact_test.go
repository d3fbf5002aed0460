package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

func TestRedactor(t *testing.T) {
	contacts := connectors.Schema{Fields: []connectors.Field{{Name: "email", Sensitive: true}, {Name: "city"}}}
	order := []connectors.Field{
		{Name: "ref"},
		{Name: "billing_email", Sensitive: true},
		{Name: "address", Type: connectors.TypeObject, Fields: []connectors.Field{{Name: "street", Sensitive: true}, {Name: "country"}}},
		{Name: "rows", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{{Name: "qty"}}}},
	}
	r := newRedactor(order, []connectors.Include{{Name: "contacts", Object: "contacts"}}, map[string]connectors.Schema{"contacts": contacts})
	got := r.record(map[string]any{
		"ref":           "HS-1",
		"billing_email": "ada@example.com",
		"address":       map[string]any{"street": "Storgatan 1", "country": "SE"},
		"rows":          []any{map[string]any{"qty": 2.0}},
		"contacts":      []any{map[string]any{"email": "ada@example.com", "city": "Lund"}, map[string]any{"email": nil}},
	})
	want := map[string]any{
		"ref":           "HS-1",
		"billing_email": "(sensitive)",
		"address":       map[string]any{"street": "(sensitive)", "country": "SE"},
		"rows":          []any{map[string]any{"qty": 2.0}},
		"contacts":      []any{map[string]any{"email": "(sensitive)", "city": "Lund"}, map[string]any{"email": nil}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("redacted (-want +got):\n%s", diff)
	}
	if newRedactor([]connectors.Field{{Name: "a"}}, nil, nil) != nil {
		t.Error("a schema without sensitive fields needs no redactor")
	}
	raw := []byte(`{"a":1}`)
	if got := (*redactor)(nil).json(raw); string(got) != string(raw) {
		t.Errorf("nil redactor changed %s to %s", raw, got)
	}
}
