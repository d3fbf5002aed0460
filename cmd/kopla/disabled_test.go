package main

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors/connectortest"
)

// TestDisabledFlow: a flow whose enabled is false is not read, planned or
// applied; plan says so in one line, and -flow refuses it.
func TestDisabledFlow(t *testing.T) {
	e := shopEnv(t)
	e.write("toggle.hcl", "variable \"with_orders\" {\n  default = false\n}\n")
	e.edit("shop.hcl", "flow \"orders\" {\n", "flow \"orders\" {\n  enabled = var.with_orders\n")

	r := e.expect(exitError, "plan", "-no-color") // c4 cannot be planned, as in TestShopPlan
	golden(t, "shop_plan_disabled", r.stdout)
	if n := e.store.Calls("crm", "orders", connectortest.OpRead); n != 0 {
		t.Errorf("plan read the orders of the disabled flow %d times", n)
	}
	r = e.expect(exitError, "plan", "-json")
	var disabled []map[string]any
	for _, m := range jsonLines(t, r.stdout) {
		if m["type"] == "flow_disabled" {
			disabled = append(disabled, m)
		}
	}
	if len(disabled) != 1 || disabled[0]["flow"] != "orders" || disabled[0]["reason"] != "enabled = var.with_orders is false (with_orders = false)" {
		t.Errorf("plan -json flow_disabled lines = %v", disabled)
	}

	r = e.expect(exitError, "plan", "-flow", "orders", "-no-color")
	if !strings.Contains(r.stdout, "Disabled flow") || !strings.Contains(r.stdout, "enabled = var.with_orders is false") {
		t.Errorf("plan -flow orders of a disabled flow:\n%s", r.stdout)
	}

	e.expect(exitError, "apply", "-auto-approve", "-no-color")
	if n := e.store.Calls("crm", "orders", connectortest.OpRead); n != 0 {
		t.Errorf("apply read the orders of the disabled flow %d times", n)
	}
	if got := e.store.Records("books", "orders"); len(got) != 0 {
		t.Errorf("apply wrote orders of a disabled flow: %v", got)
	}

	// Enabled by the variable, the same flow is read and planned.
	r = e.expect(exitError, "plan", "-no-color", "-var", "with_orders=true")
	if e.store.Calls("crm", "orders", connectortest.OpRead) == 0 || strings.Contains(r.stdout, "disabled") || !strings.Contains(r.stdout, `# flow "orders"`) {
		t.Errorf("plan with with_orders=true did not plan the orders:\n%s", r.stdout)
	}
}

// TestTemplateDiagnostics: a value a flow inherits is reported at the
// template line that set it.
func TestTemplateDiagnostics(t *testing.T) {
	e := shopEnv(t)
	e.write("templates.hcl", `template "contact_copy" {
  source = memory.crm.contacts
  key    = "Email"
  fields {
    Email = "lower(source.emial)"
  }
}

flow "copy_a" {
  extends = template.contact_copy
  target  = memory.books.archive
}

flow "copy_b" {
  extends = template.contact_copy
  target  = memory.books.archive
}
`)
	r := e.expect(exitError, "validate", "-no-color")
	if n := strings.Count(r.stdout, "on templates.hcl line 5, in template \"contact_copy\""); n != 1 {
		t.Errorf("validate reports the misspelt field at the template's line %d times; want once:\n%s", n, r.stdout)
	}
}
