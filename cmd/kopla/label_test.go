package main

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

// TestPlanLabels: records are named by the source connector's label, or by
// the flow's label expression; a label that shows a sensitive value is
// shown where sensitive values are (a terminal, -show-sensitive), and a
// label expression is checked at validate like any other.
func TestPlanLabels(t *testing.T) {
	e := shopEnv(t)
	e.store.Define("crm", "contacts", connectors.Schema{Label: `{first} {last} <{email:email}>`, Fields: []connectors.Field{
		{Name: "email", Type: connectors.TypeString, Key: true, Sensitive: true},
		{Name: "first", Type: connectors.TypeString},
		{Name: "last", Type: connectors.TypeString},
		{Name: "phone", Type: connectors.TypeString, Sensitive: true},
		{Name: "active", Type: connectors.TypeBool},
	}})
	e.write("shop.hcl", strings.Replace(shopProject, `key    = "Reference"`, `key    = "Reference"
  label  = "'order ' + source.ref + ' of ' + string(source.amount) + ' SEK'"`, 1))

	r := e.expect(exitError, "plan", "-no-color")
	golden(t, "shop_plan_labels", r.stdout)
	if strings.Contains(r.stdout, "<bob@") {
		t.Errorf("piped plan shows a label with a sensitive value:\n%s", r.stdout)
	}
	r = e.expect(exitError, "plan", "-json")
	if !strings.Contains(r.stdout, `"label":"order 1001 of 12.5 SEK"`) || !strings.Contains(r.stdout, `"label_sensitive":true`) || strings.Contains(r.stdout, "Bob Stone <bob@") {
		t.Errorf("plan -json labels wrong:\n%s", r.stdout)
	}
	r = e.expect(exitError, "plan", "-json", "-show-sensitive")
	if !strings.Contains(r.stdout, `"label":"Bob Stone \u003cbob@…\u003e"`) && !strings.Contains(r.stdout, `"label":"Bob Stone <bob@…>"`) {
		t.Errorf("plan -json -show-sensitive lacks the contact's label:\n%s", r.stdout)
	}
	e.terminal = true
	r = e.expect(exitError, "plan", "-no-color")
	for _, want := range []string{
		"+ create Bob Stone <bob@…> (c2, Email = \"bob@example.com\")",
		"~ update Ada Lovelace <ada@…> (c1, Email = \"ada@example.com\", target k1)",
		"+ create order 1001 of 12.5 SEK (o1, Reference = \"HS-1001\")",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan on a terminal lacks %q:\n%s", want, r.stdout)
		}
	}

	e.write("shop.hcl", strings.Replace(shopProject, `key    = "Reference"`, `key    = "Reference"
  label  = "source.reff"`, 1))
	r = e.expect(exitError, "validate", "-no-color")
	if !strings.Contains(r.stdout, "reff") {
		t.Errorf("validate does not report the label's unknown field:\n%s", r.stdout)
	}
}
