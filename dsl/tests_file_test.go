package dsl

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadTestsFileFinds: find blocks at the top of a test file answer in
// every test of that file, and a test's own find of the same object, field
// and value wins.
func TestLoadTestsFileFinds(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.hcl": `connection "file" "in" { dir = "in" }
connection "file" "out" { dir = "out" }
flow "people" {
  source = file.in.people
  target = file.out.contacts
  key    = "email"
  fields { email = "source.email" }
}`,
		"people.test.hcl": `find {
  object = file.out.contacts
  field  = "email"
  value  = "ada@example.com"
  record = { email = "ada@example.com", name = "from the file" }
}

test "uses the file's find" {
  flow = flow.people
  expect { action = "create" }
}

test "overrides it" {
  flow = flow.people
  find {
    object = file.out.contacts
    field  = "email"
    value  = "ada@example.com"
    record = null
  }
  find {
    object = file.out.contacts
    field  = "email"
    value  = "bob@example.com"
  }
  expect { action = "create" }
}

find {
  object = file.out.contacts
  field  = "name"
  value  = "Ada"
}
`,
		"other.test.hcl": `test "another file" {
  flow = flow.people
  expect { action = "create" }
}`,
	})
	cfg, diags := Load(dir, Options{LookupEnv: noEnv})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tests, diags := LoadTests(cfg)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	type find struct {
		Field  string
		Value  any
		Record map[string]any
	}
	got := map[string][]find{}
	for _, tc := range tests {
		got[tc.Name] = []find{}
		for _, f := range tc.Finds {
			got[tc.Name] = append(got[tc.Name], find{f.Field, f.Value, f.Record})
		}
	}
	fromFile := find{"email", "ada@example.com", map[string]any{"email": "ada@example.com", "name": "from the file"}}
	byName := find{"name", "Ada", nil}
	want := map[string][]find{
		"uses the file's find": {fromFile, byName},
		"overrides it":         {byName, {"email", "ada@example.com", nil}, {"email", "bob@example.com", nil}},
		"another file":         {},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("finds (-want +got):\n%s", diff)
	}
}
