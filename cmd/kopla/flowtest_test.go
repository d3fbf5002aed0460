package main

import (
	"strings"
	"testing"
)

const flowTestProject = `
variable "note" {
  default = "imported"
}

connection "file" "in"  { dir = "in" }
connection "file" "out" { dir = "out" }

flow "people" {
  source = file.in.people
  target = file.out.contacts
  where  = "source.active == 'yes'"
  key    = "email"
  fields {
    email = "lower(trim(source.email))"
    name  = "source.first + ' ' + source.last"
  }
  create_only {
    note = "var.note"
  }
}
`

const flowTests = `
test "active person is created" {
  flow   = flow.people
  source = { email = " Ada@Example.com ", first = "Ada", last = "Byron", active = "yes" }
  expect {
    action = "create"
    fields = { email = "ada@example.com", name = "Ada Byron", note = "imported" }
  }
}

test "vars override defaults" {
  flow   = flow.people
  vars   = { note = "from test" }
  source = { email = "ada@example.com", first = "Ada", last = "Byron", active = "yes" }
  expect {
    action = "create"
    fields = { note = "from test" }
  }
}

test "unchanged person is a no-op" {
  flow   = flow.people
  source = { email = "ada@example.com", first = "Ada", last = "Byron", active = "yes" }
  target = { email = "ada@example.com", name = "Ada Byron", note = "edited by hand" }
  expect {
    action = "no-op"
  }
}

test "inactive person is skipped" {
  flow   = flow.people
  source = { email = "cy@example.com", first = "Cy", last = "Off", active = "no" }
  expect {
    action = "skip"
  }
}

test "missing e-mail is an error" {
  flow   = flow.people
  source = { first = "No", last = "Mail", active = "yes" }
  expect {
    action = "error"
    field  = "email"
    error  = "empty"
  }
}
`

func TestFlowUnitTests(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", flowTestProject)
	e.write("in/people.csv", "email,first,last,active\n")
	e.write("people.test.hcl", flowTests)
	r := e.expect(exitOK, "test")
	golden(t, "test_pass", r.stdout)

	// A wrong expectation fails with what differs, and exit code 1.
	e.edit("people.test.hcl", `name = "Ada Byron", note`, `name = "Ada Lovelace", note`)
	r = e.expect(exitError, "test")
	golden(t, "test_fail", r.stdout)

	r = e.expect(exitError, "test", "-json", "-run", "created")
	if n := strings.Count(r.stdout, "\n"); n != 2 || !strings.Contains(r.stdout, `"failed":1`) {
		t.Errorf("test -json -run: %s; want one test line and a summary with one failure", r.stdout)
	}

	// A test of an unknown flow is a diagnostic with its line.
	e.write("bad.test.hcl", "test \"x\" {\n  flow = flow.peple\n  expect { action = \"create\" }\n}\n")
	r = e.expect(exitError, "test")
	if !strings.Contains(r.stdout, "Unknown flow") || !strings.Contains(r.stdout, "bad.test.hcl line 2") {
		t.Errorf("test with an unknown flow:\n%s", r.stdout)
	}
}

// TestValidateReportsEverything: a loader error (a bad mode) and a compiler
// error (a misspelt field) in one project are reported in one run.
func TestValidateReportsEverything(t *testing.T) {
	e := newEnv(t)
	e.write("in/people.csv", "email,first,last,active\n")
	e.write("main.hcl", strings.Replace(strings.Replace(flowTestProject, `key    = "email"`, `key    = "email"
  mode   = "upsrt"`, 1), "source.first +", "source.frist +", 1))
	r := e.expect(exitError, "validate")
	for _, want := range []string{"Invalid mode", "Unknown field", `no field "frist"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("validate output lacks %q:\n%s", want, r.stdout)
		}
	}
}
