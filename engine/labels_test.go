package engine

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

func TestLabelReferences(t *testing.T) {
	finds := &findCache{byID: map[string]map[string]any{
		"c-debtor": {"Id": "c-debtor", "Name": "Diverse webbkunder", "IsPrivatePerson": true, "CustomerNumber": "1000"},
	}}
	for _, tc := range []struct {
		name    string
		field   plan.FieldChange
		ensured map[string]any
		want    string
	}{
		{"an ensured customer", plan.FieldChange{Name: "CustomerId", After: "c-1"},
			map[string]any{"customer": map[string]any{"Id": "c-1", "Name": "Havsbris AB", "IsPrivatePerson": false, "CustomerNumber": "1001"}}, "Havsbris AB (1001)"},
		{"a record that does not say whether it is a person: its number alone", plan.FieldChange{Name: "CustomerId", After: "c-3"},
			map[string]any{"customer": map[string]any{"Id": "c-3", "Name": "Bob Stone", "CustomerNumber": "1003"}}, "1003"},
		{"nor its number yet: no label", plan.FieldChange{Name: "CustomerId", After: plan.Unknown, Unknown: true},
			map[string]any{"customer": map[string]any{"Id": plan.Unknown, "Name": "Bob Stone"}}, ""},
		{"a found customer", plan.FieldChange{Name: "CustomerId", After: "c-debtor"}, map[string]any{"customer": nil}, "private person (1000)"},
		{"a customer the apply creates", plan.FieldChange{Name: "CustomerId", After: plan.Unknown, Unknown: true},
			map[string]any{"customer": nil, "buyer": map[string]any{"Id": plan.Unknown, "Name": "Björkdal Trä AB", "IsPrivatePerson": false, "CustomerNumber": plan.Unknown},
				"articles": []any{map[string]any{"Id": plan.Unknown, "Name": "Vedkorg"}}}, "Björkdal Trä AB (new)"},
		{"a private person: no name", plan.FieldChange{Name: "CustomerId", After: "c-2"},
			map[string]any{"customer": map[string]any{"Id": "c-2", "Name": "Saga Lind", "IsPrivatePerson": true, "CustomerNumber": "1012"}}, "private person (1012)"},
		{"two records the apply creates: no guess", plan.FieldChange{Name: "CustomerId", After: plan.Unknown, Unknown: true},
			map[string]any{"a": map[string]any{"Id": plan.Unknown, "Name": "A"}, "b": map[string]any{"Id": plan.Unknown, "Name": "B"}}, ""},
		{"an article number", plan.FieldChange{Name: "ArticleId", After: "a-1"},
			map[string]any{"article": map[string]any{"Id": "a-1", "Name": "Vedkorg", "Number": "ART-2001"}}, "ART-2001"},
		{"not an id field", plan.FieldChange{Name: "YourReference", After: "c-1"},
			map[string]any{"customer": map[string]any{"Id": "c-1", "Name": "Havsbris AB"}}, ""},
		{"an id nothing refers to", plan.FieldChange{Name: "CustomerId", After: "c-9"}, nil, ""},
		{"a sensitive field", plan.FieldChange{Name: "CustomerId", After: "c-debtor", Sensitive: true}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields := []plan.FieldChange{tc.field}
			labelReferences(fields, references{ensured: tc.ensured, finds: finds})
			if fields[0].Label != tc.want {
				t.Errorf("label = %q; want %q", fields[0].Label, tc.want)
			}
		})
	}
}

// TestReferenceLabel: a referred record's label without personal data,
// and the label with it that is shown only where sensitive values are.
func TestReferenceLabel(t *testing.T) {
	articles := connectors.Schema{Label: `article {Number} "{Name}"`, Fields: []connectors.Field{{Name: "Number"}, {Name: "Name"}}}
	people := connectors.Schema{Label: `contact {Number} "{Name}"`, Fields: []connectors.Field{{Name: "Number"}, {Name: "Name", Sensitive: true}}}
	for _, tc := range []struct {
		name       string
		rec        map[string]any
		schema     connectors.Schema
		created    bool
		safe, full string
	}{
		{"a private person: the name in full only", map[string]any{"Name": "Elin Strand", "IsPrivatePerson": true, "CustomerNumber": "1002"}, connectors.Schema{}, false,
			"private person (1002)", "Elin Strand (1002)"},
		{"a company", map[string]any{"Name": "Havsbris AB", "IsPrivatePerson": false, "CustomerNumber": "1001"}, connectors.Schema{}, false, "Havsbris AB (1001)", ""},
		{"a private person the apply creates", map[string]any{"Name": "Elin Strand", "IsPrivatePerson": true, "CustomerNumber": plan.Unknown}, connectors.Schema{}, true,
			"private person (new)", "Elin Strand (new)"},
		{"by the object's template", map[string]any{"Number": "ART-1", "Name": "Vedkorg", "Id": "a1"}, articles, false, `article ART-1 "Vedkorg"`, ""},
		{"a template that shows a sensitive value", map[string]any{"Number": "7", "Name": "Anna"}, people, false, "contact 7", `contact 7 "Anna"`},
		{"values known after apply left out", map[string]any{"Number": "ART-2", "Name": plan.Unknown}, articles, true, "article ART-2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			safe, full := referenceLabel(tc.rec, tc.schema, tc.created)
			if safe != tc.safe || full != tc.full {
				t.Errorf("label = %q, %q; want %q, %q", safe, full, tc.safe, tc.full)
			}
		})
	}
}

func TestIsIDField(t *testing.T) {
	for name, want := range map[string]bool{"ArticleId": true, "CostCenterItemId1": true, "Id": true, "Identity": false, "Paid": false, "Ids": false} {
		if got := isIDField(name); got != want {
			t.Errorf("isIDField(%q) = %v; want %v", name, got, want)
		}
	}
}
