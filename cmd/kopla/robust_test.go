package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const missingSourceProject = `
connection "file" "in" {
  dir = "in"
  key = "email"
}
connection "file" "out" { dir = "out" }

flow "people" {
  source = file.in.people
  target = file.out.contacts
  key    = "email"
  fields {
    email = "source.email"
  }
}
`

// A source file that does not exist is not an empty source: plan warns and
// plans nothing for it, plan -out and apply refuse it, and missing =
// "empty" on the connection allows it.
func TestMissingSourceFile(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", missingSourceProject)

	r := e.expect(exitOK, "plan", "-no-color")
	for _, want := range []string{"Warning: Source does not exist", "people.csv", "people.jsonl", `missing = "empty"`, "kopla apply (and plan -out) will refuse it"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output does not say %q:\n%s", want, r.stdout)
		}
	}

	r = e.expect(exitError, "plan", "-no-color", "-out", "people.plan")
	if !strings.Contains(r.stdout, "Error: Flow failed") || !strings.Contains(r.stdout, "source does not exist") {
		t.Errorf("plan -out output:\n%s\nwant the flow failed for its missing source", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "people.plan")); err == nil {
		t.Error("plan -out saved a plan whose source does not exist")
	}

	r = e.expect(exitError, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(r.stdout, "source does not exist") {
		t.Errorf("apply output:\n%s\nwant the missing source named", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "out")); err == nil {
		t.Error("apply of a missing source wrote to the target")
	}

	e.edit("main.hcl", `  key = "email"
}`, `  key = "email"
  missing = "empty"
}`)
	r = e.expect(exitOK, "apply", "-auto-approve", "-no-color")
	if strings.Contains(r.stdout, "Source does not exist") {
		t.Errorf("apply with missing = \"empty\" still warns:\n%s", r.stdout)
	}
}
