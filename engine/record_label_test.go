package engine

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// TestLabelSensitivity: a label is sensitive when it shows the value of a
// sensitive source field, or a value the change writes to a sensitive
// target field.
func TestLabelSensitivity(t *testing.T) {
	source := connectors.Schema{Fields: []connectors.Field{
		{Name: "email", Sensitive: true}, {Name: "name"}, {Name: "ref"},
	}}
	target := connectors.Schema{Fields: []connectors.Field{{Name: "YourReference", Sensitive: true}, {Name: "Note"}}}
	rec := map[string]any{"email": "Anna@Example.se", "name": "Anna", "ref": "1043"}
	writes := []plan.FieldChange{{Name: "YourReference", After: "HS-1043"}, {Name: "Note", After: "Vedkorg"}}
	tests := []struct {
		label string
		want  bool
	}{
		{"Anna <anna@example.se>", true},
		{"Anna <anna@…>", true},
		{`order 7 "#1043"`, false},
		{"order HS-1043", true},
		{"Vedkorg", false},
		{"", false},
	}
	for _, tt := range tests {
		got := showsSensitive(tt.label, source, rec) || showsSensitiveTarget(tt.label, writes, target)
		if got != tt.want {
			t.Errorf("label %q sensitive = %v; want %v", tt.label, got, tt.want)
		}
	}
	if !showsSensitive("anything", connectors.Schema{Open: true}, nil) {
		t.Error("a label of an open schema's record is not taken as sensitive")
	}
}
