package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/state"
)

func TestValidateErrors(t *testing.T) {
	e := shopEnv(t)
	e.edit("shop.hcl", "source.first + ' '", "source.frist + ' '")
	e.edit("shop.hcl", `target = memory.books.archive`, `target = memory.books.archiv`)
	r := e.expect(exitError, "validate", "-no-color")
	golden(t, "shop_validate_errors", r.stdout)
	r = e.expect(exitError, "validate", "-json")
	goldenJSON(t, "shop_validate_errors", r.stdout)
	var doc dsl.ValidateDocument
	decodeInto(t, r.stdout, &doc)
	if doc.Valid || doc.ErrorCount != 2 {
		t.Errorf("validate -json: valid %v, %d errors; want invalid with 2", doc.Valid, doc.ErrorCount)
	}
	// plan and apply stop at the same diagnostics, in their own format.
	r = e.expect(exitError, "plan", "-json")
	msgs := jsonLines(t, r.stdout)
	if len(msgs) != 3 || msgs[0]["type"] != "version" || msgs[1]["type"] != "diagnostic" || msgs[2]["type"] != "diagnostic" {
		t.Errorf("plan -json of an invalid project = %v; want version and two diagnostics", msgs)
	}
	e.expect(exitError, "apply", "-auto-approve")
}

func TestLockContention(t *testing.T) {
	e := exampleEnv(t, "people")
	st, err := state.Open(t.Context(), filepath.Join(e.dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	unlock, err := st.Lock(t.Context(), "kopla apply (test)")
	if err != nil {
		t.Fatal(err)
	}
	r := e.expect(exitError, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(r.stdout, "Error: State is locked") || !strings.Contains(r.stdout, "kopla apply (test)") || !strings.Contains(r.stdout, "kopla state unlock") {
		t.Errorf("apply while locked:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "out", "contacts.jsonl")); err == nil {
		t.Error("apply wrote the target while the state was locked")
	}
	// plan needs no lock.
	e.expect(exitChanges, "plan", "-detailed-exitcode")

	r = e.expect(exitOK, "state", "unlock")
	if !strings.Contains(r.stdout, "Broke the state lock held by kopla apply (test), pid") {
		t.Errorf("state unlock:\n%s", r.stdout)
	}
	if err := unlock(); err == nil {
		t.Error("the broken lock could still be released by its holder")
	}
	r = e.expect(exitOK, "state", "unlock")
	if !strings.Contains(r.stdout, "not locked") {
		t.Errorf("second state unlock:\n%s", r.stdout)
	}
	e.expect(exitOK, "apply", "-auto-approve")
}

func TestSavedPlan(t *testing.T) {
	e := exampleEnv(t, "people")
	r := e.expect(exitChanges, "plan", "-out", "people.plan", "-detailed-exitcode", "-no-color")
	if !strings.Contains(r.stdout, "Saved the plan to: people.plan") || !strings.Contains(r.stdout, "apply people.plan") {
		t.Errorf("plan -out does not say how to apply it:\n%s", r.stdout)
	}
	// The source changes after the plan: a saved plan applies what it says.
	e.edit("in/people.csv", "Ada,Byron", "Ada,Lovelace")
	r = e.expect(exitOK, "apply", "people.plan", "-no-color")
	if strings.Contains(r.stdout, "Do you want") || !strings.Contains(r.stdout, "Apply complete! 3 created, 0 updated, 0 failed, 0 blocked.") {
		t.Errorf("apply people.plan:\n%s", r.stdout)
	}
	if !strings.Contains(e.read("out/contacts.jsonl"), "Ada Byron") {
		t.Errorf("apply of the saved plan did not write what it planned:\n%s", e.read("out/contacts.jsonl"))
	}

	// The target changes after the plan: the saved plan is stale.
	e.expect(exitOK, "plan", "-out", "update.plan")
	e.edit("out/contacts.jsonl", `"name":"Ada Byron"`, `"name":"Ada King"`)
	r = e.expect(exitError, "apply", "update.plan", "-no-color")
	if !strings.Contains(r.stdout, "Saved plan is stale") || !strings.Contains(r.stdout, "field name of record") {
		t.Errorf("apply of a stale plan:\n%s", r.stdout)
	}
	if !strings.Contains(e.read("out/contacts.jsonl"), "Ada King") {
		t.Error("a stale plan was applied")
	}

	// The flow files change after the plan: stale too.
	e.expect(exitOK, "plan", "-out", "update.plan")
	e.edit("people.hcl", `note = "'imported'"`, `note = "'imported by kopla'"`)
	r = e.expect(exitError, "apply", "update.plan", "-json")
	if !strings.Contains(r.stdout, "Saved plan is stale") {
		t.Errorf("apply -json of a plan made from other flow files:\n%s", r.stdout)
	}
	r = e.expect(exitError, "apply", "missing.plan")
	if !strings.Contains(r.stdout, "Cannot read the plan") {
		t.Errorf("apply of a missing plan file:\n%s", r.stdout)
	}
}

func TestFmt(t *testing.T) {
	e := exampleEnv(t, "people")
	before := e.read("people.hcl")
	// The example aligns its connection blocks by hand, which the canonical
	// layout does not keep.
	r := e.expect(exitFormat, "fmt", "-check", "-diff")
	golden(t, "fmt_check_diff", r.stdout)
	if e.read("people.hcl") != before {
		t.Error("fmt -check wrote the file")
	}
	r = e.expect(exitFormat, "fmt", "-check", "-list=false")
	if r.stdout != "" {
		t.Errorf("fmt -check -list=false printed %q", r.stdout)
	}
	r = e.expect(exitOK, "fmt")
	if r.stdout != "people.hcl\n" {
		t.Errorf("fmt listed %q; want people.hcl", r.stdout)
	}
	if got := e.read("people.hcl"); !strings.HasPrefix(got, "connection \"file\" \"in\" { dir = \"in\" }\n") {
		t.Errorf("fmt did not format the file:\n%s", got)
	}
	// Formatting is idempotent, and keeps the project valid.
	e.expect(exitOK, "fmt", "-check")
	e.expect(exitOK, "validate")

	e.write("messy.hcl", "variable \"x\" {\ndefault = 1\n  description=\"a\"\n}\n")
	e.expect(exitOK, "fmt")
	if got, want := e.read("messy.hcl"), "variable \"x\" {\n  default     = 1\n  description = \"a\"\n}\n"; got != want {
		t.Errorf("fmt of messy.hcl = %q; want %q", got, want)
	}

	e.write("broken.hcl", "flow \"x\" {\n")
	r = e.expect(exitError, "fmt", "-no-color")
	if !strings.Contains(r.stdout, "broken.hcl") {
		t.Errorf("fmt of a file with a syntax error:\n%s", r.stdout)
	}
}

func TestStateWithoutApply(t *testing.T) {
	e := exampleEnv(t, "people")
	for _, args := range [][]string{{"state", "list"}, {"log"}, {"runs"}} {
		r := e.expect(exitOK, args...)
		if !strings.Contains(r.stdout, "No state yet") {
			t.Errorf("kopla %s before any apply:\n%s", strings.Join(args, " "), r.stdout)
		}
	}
	e.expect(exitError, "state", "show", "people", "line:2")
	if _, err := os.Stat(filepath.Join(e.dir, ".kopla")); err == nil {
		t.Error("reading commands created the state")
	}
	e.expect(exitOK, "apply", "-auto-approve")
	r := e.expect(exitError, "state", "show", "people", "line:9", "-no-color")
	if !strings.Contains(r.stdout, "No such record") {
		t.Errorf("state show of an unknown record:\n%s", r.stdout)
	}
	r = e.expect(exitOK, "state", "list", "-flow", "nope")
	if !strings.Contains(r.stdout, `no links of flow "nope"`) {
		t.Errorf("state list -flow nope:\n%s", r.stdout)
	}
}

func TestInitAndLogin(t *testing.T) {
	e := exampleEnv(t, "people")
	r := e.expect(exitOK, "init", "-no-color")
	golden(t, "people_init", r.stdout)
	r = e.expect(exitError, "login", "file.in", "-no-color")
	if !strings.Contains(r.stdout, "No login needed") {
		t.Errorf("login file.in:\n%s", r.stdout)
	}
	r = e.expect(exitError, "login", "hubspot.crm", "-no-color")
	if !strings.Contains(r.stdout, `no connection "hubspot.crm"`) {
		t.Errorf("login hubspot.crm:\n%s", r.stdout)
	}
}

func TestVariables(t *testing.T) {
	e := exampleEnv(t, "people")
	e.write("vars.hcl", "variable \"note\" {\n  default = \"imported\"\n}\n")
	e.edit("people.hcl", `note = "'imported'"`, `note = "var.note"`)
	e.write("prod.vars", "note = \"from a file\"\n")
	r := e.expect(exitOK, "plan", "-json", "-var-file", "prod.vars")
	if !strings.Contains(r.stdout, `"after":"from a file"`) {
		t.Errorf("plan -var-file:\n%s", r.stdout)
	}
	r = e.expect(exitOK, "plan", "-json", "-var-file=prod.vars", "-var", "note=from a flag")
	if !strings.Contains(r.stdout, `"after":"from a flag"`) {
		t.Errorf("plan -var:\n%s", r.stdout)
	}
	e.vars["KOPLA_VAR_note"] = "from the environment"
	r = e.expect(exitOK, "plan", "-json")
	if !strings.Contains(r.stdout, `"after":"from the environment"`) {
		t.Errorf("plan with KOPLA_VAR_note:\n%s", r.stdout)
	}
	r = e.expect(exitError, "plan", "-var", "nope")
	if !strings.Contains(r.stdout, "-var name=value") {
		t.Errorf("plan -var nope:\n%s", r.stdout)
	}
}

func TestStateSetting(t *testing.T) {
	e := exampleEnv(t, "people")
	e.write("kopla.hcl", "kopla {\n  state = \"var/kopla.db\"\n}\n")
	e.expect(exitOK, "apply", "-auto-approve")
	if _, err := os.Stat(filepath.Join(e.dir, "var", "kopla.db")); err != nil {
		t.Fatalf("apply did not use the state setting: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, ".kopla", "state.db")); err == nil {
		t.Error("apply wrote the default state too")
	}
	// The links are there: nothing left to do.
	e.expect(exitOK, "plan", "-detailed-exitcode")
	r := e.expect(exitOK, "state", "list")
	if strings.Count(r.stdout, "people ") != 3 {
		t.Errorf("state list:\n%s", r.stdout)
	}
}

// A flow whose source cannot be read plans nothing: the plan must not end
// with "No changes", which would tell the reader all is in order.
func TestPlanOfFailedFlowIsNotNoChanges(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", `
connection "file" "in"  { dir = "in" }
connection "file" "out" { dir = "out" }

flow "people" {
  source = file.in.people
  target = file.out.people
  key    = "email"
  fields {
    email = "source.email"
  }
}
`)
	e.write("in/people.jsonl", "{\"email\": \"a@example.com\"\n")
	r := e.expect(exitError, "plan", "-no-color")
	if strings.Contains(r.stdout, "No changes") {
		t.Errorf("plan of a failed flow says there are no changes:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Plan incomplete.") {
		t.Errorf("plan of a failed flow does not say it is incomplete:\n%s", r.stdout)
	}
}
