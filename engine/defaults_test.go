package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

var textRow connectors.DefaultFunc = func(row map[string]any) any { return row["ArticleId"] == nil }

var documentSchema = connectors.Schema{Fields: []connectors.Field{
	{Name: "Customer", Type: connectors.TypeString, Required: true},
	{Name: "Flag", Type: connectors.TypeBool, Required: true, Default: false},
	{Name: "Computed", Type: connectors.TypeBool, ReadOnly: true, Default: true},
	{Name: "Rows", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "ArticleId", Type: connectors.TypeString},
		{Name: "IsTextRow", Type: connectors.TypeBool, Required: true, Default: textRow},
		{Name: "IsWorkCost", Type: connectors.TypeBool, Required: true, Default: false},
	}}},
}}

func TestCreateDefaultsAppendTo(t *testing.T) {
	d := defaultsOf(documentSchema)
	rows := []any{map[string]any{"ArticleId": "a1"}, map[string]any{"Text": "t", "IsWorkCost": true}}
	got := d.appendTo([]plan.FieldChange{
		{Name: "Customer", After: "c1"},
		{Name: "Rows", After: rows},
	})
	want := []plan.FieldChange{
		{Name: "Customer", After: "c1"},
		{Name: "Rows", After: []any{
			map[string]any{"ArticleId": "a1", "IsTextRow": false, "IsWorkCost": false},
			map[string]any{"Text": "t", "IsTextRow": true, "IsWorkCost": true},
		}, Defaults: []string{"IsTextRow", "IsWorkCost"}},
		{Name: "Flag", After: false, Default: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("appendTo (-want +got):\n%s", diff)
	}
	if _, ok := rows[0].(map[string]any)["IsTextRow"]; ok {
		t.Error("appendTo changed the evaluated rows")
	}
	// A flow's own value wins; a value known only after apply gets its
	// defaults then.
	got = d.appendTo([]plan.FieldChange{{Name: "Flag", After: true}, {Name: "Rows", After: plan.Unknown, Unknown: true}})
	if diff := cmp.Diff([]plan.FieldChange{{Name: "Flag", After: true}, {Name: "Rows", After: plan.Unknown, Unknown: true}}, got); diff != "" {
		t.Errorf("appendTo with the flow's own values (-want +got):\n%s", diff)
	}
}

func TestCreateDefaultsFill(t *testing.T) {
	fields := map[string]any{"Customer": "c1", "Flag": nil, "Rows": []any{map[string]any{"Text": "t"}}}
	defaultsOf(documentSchema).fill(fields)
	want := map[string]any{"Customer": "c1", "Flag": false, "Rows": []any{map[string]any{"Text": "t", "IsTextRow": true, "IsWorkCost": false}}}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("fill (-want +got):\n%s", diff)
	}
	if d := defaultsOf(contactSchema); d != nil {
		t.Errorf("defaultsOf(a schema without defaults) = %+v; want nil", d)
	}
	var none *createDefaults
	none.fill(fields)
	if got := none.appendTo(nil); got != nil || none.count() != 0 {
		t.Errorf("nil defaults add %v", got)
	}
}
