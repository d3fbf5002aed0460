package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// TestPlanDefaultMarks: values the target's defaults give are marked in
// the human plan after the value, and in -json on the field.
func TestPlanDefaultMarks(t *testing.T) {
	fp := &plan.FlowPlan{Flow: "orders", KeyField: "YourReference"}
	ch := &plan.Change{SourceKey: "1", Key: "WEB-1", Action: plan.Create, Fields: []plan.FieldChange{
		{Name: "YourReference", After: "WEB-1"},
		{Name: "EuThirdParty", After: false, Default: true},
		{Name: "Rows", After: []any{map[string]any{"IsTextRow": true}}, Defaults: []string{"IsTextRow", "IsWorkCost"}},
	}}
	var b strings.Builder
	writeChange(&b, style{}, fp, ch, nil, false)
	for _, want := range []string{
		"+ YourReference = \"WEB-1\"\n",
		"+ EuThirdParty  = false (default)\n",
		"+ Rows          = [{\"IsTextRow\":true}] (default IsTextRow, IsWorkCost)\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan output lacks %q:\n%s", want, b.String())
		}
	}
	js, err := json.Marshal(newJSONChange(fp, ch, nil, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`{"name":"EuThirdParty","after":false,"default":true}`, `"defaults":["IsTextRow","IsWorkCost"]`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON change lacks %s: %s", want, js)
		}
	}
}
