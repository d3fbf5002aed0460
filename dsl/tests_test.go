package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInclude(t *testing.T) {
	cfg, diags := Load(filepath.Join("testdata", "include", "project"), Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if cfg.Flows["people"] == nil || cfg.Vars["note"] != "imported" {
		t.Fatalf("included flow or variable missing: flows %v, vars %v", cfg.Flows, cfg.Vars)
	}
	if diff := cmp.Diff([]string{"../lib"}, cfg.Settings.Include); diff != "" {
		t.Errorf("Include (-want +got):\n%s", diff)
	}
	if _, ok := cfg.Sources[filepath.Join("testdata", "include", "lib", "people.hcl")]; !ok {
		t.Errorf("included file not among the sources (the config digest covers sources): %v", cfg.Sources)
	}
	for name := range cfg.Sources {
		if strings.HasSuffix(name, TestFileSuffix) {
			t.Errorf("test file %s loaded as a project file", name)
		}
	}
}

func TestLoadTests(t *testing.T) {
	cfg, diags := Load(filepath.Join("testdata", "include", "project"), Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tests, diags := LoadTests(cfg)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(tests) != 2 {
		t.Fatalf("tests = %d; want 2", len(tests))
	}
	got := tests[0]
	if got.Name != "active person" || got.Flow != "people" || got.Vars["note"] != "from test" {
		t.Errorf("test = %+v", got)
	}
	wantSource := map[string]any{"email": "Ada@Example.com", "tags": []any{"a", int64(1), true}, "nested": map[string]any{"x": nil}}
	if diff := cmp.Diff(wantSource, got.Source); diff != "" {
		t.Errorf("source (-want +got):\n%s", diff)
	}
	if len(got.Finds) != 1 || got.Finds[0].Object.String() != "file.out.contacts" || got.Finds[0].Record != nil || got.Finds[0].Value != "ada@example.com" {
		t.Errorf("finds = %+v", got.Finds)
	}
	if got.Expect.Action != "create" || got.Expect.Fields["note"] != "from test" {
		t.Errorf("expect = %+v", got.Expect)
	}
	if e := tests[1].Expect; e.Action != "error" || e.Field != "email" || e.Error != "empty" {
		t.Errorf("second expect = %+v", e)
	}
}

func TestLoadTestsErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, summary string
	}{
		{"unknown flow", `test "x" {
  flow = flow.peple
  expect { action = "create" }
}`, "Unknown flow"},
		{"bad action", `test "x" {
  flow = flow.people
  expect { action = "created" }
}`, "Invalid action"},
		{"no expect", `test "x" {
  flow = flow.people
}`, "Missing expect block"},
		{"expression", `test "x" {
  flow   = flow.people
  source = { email = lower("X") }
  expect { action = "create" }
}`, "Invalid test value"},
		{"unknown variable", `test "x" {
  flow = flow.people
  vars = { nope = 1 }
  expect { action = "create" }
}`, "Unknown variable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
				"people.test.hcl": tc.src,
			})
			cfg, diags := Load(dir, Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			_, diags = LoadTests(cfg)
			if len(diags) != 1 || diags[0].Summary != tc.summary || diags[0].Subject == nil {
				t.Fatalf("diagnostics = %v; want one %q with a range", diags, tc.summary)
			}
		})
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
