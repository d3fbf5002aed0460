package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestJSONSyntaxProject runs docs/examples/orders and its copy in HCL's
// JSON syntax (docs/examples/orders_json) side by side: validate, plan,
// test and apply must say and write the same.
func TestJSONSyntaxProject(t *testing.T) {
	native := docsExampleEnv(t, "orders")
	jsonEnv := docsExampleEnv(t, "orders_json")
	if _, err := os.Stat(filepath.Join(jsonEnv.dir, "main.hcl.json")); err != nil {
		t.Fatalf("the JSON copy has no main.hcl.json: %v", err)
	}
	steps := []struct {
		code int
		args []string
	}{
		{exitOK, []string{"validate", "-no-color"}},
		{exitOK, []string{"validate", "-json"}},
		{exitChanges, []string{"plan", "-detailed-exitcode", "-no-color"}},
		{exitOK, []string{"plan", "-json"}},
		{exitOK, []string{"test", "-no-color"}},
		{exitOK, []string{"apply", "-auto-approve", "-no-color"}},
		{exitOK, []string{"plan", "-detailed-exitcode", "-no-color"}},
	}
	for _, s := range steps {
		want := native.expect(s.code, s.args...).stdout
		got := jsonEnv.expect(s.code, s.args...).stdout
		// The test report names the file the tests are in.
		got = strings.ReplaceAll(got, "orders.test.hcl.json", "orders.test.hcl")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("kopla %s: the JSON project differs from the native one (-native +json):\n%s", strings.Join(s.args, " "), diff)
		}
	}
	for _, out := range []string{"out/orders.jsonl", "out/customers.jsonl"} {
		if diff := cmp.Diff(native.read(out), jsonEnv.read(out)); diff != "" {
			t.Errorf("%s after apply (-native +json):\n%s", out, diff)
		}
	}
}

// docsExampleEnv copies a project of docs/examples into a new env.
func docsExampleEnv(t *testing.T, name string) *env {
	t.Helper()
	e := newEnv(t)
	src := filepath.Join("..", "..", "docs", "examples", name)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		dst := filepath.Join(e.dir, rel)
		if d.IsDir() {
			if d.Name() == "out" || d.Name() == ".kopla" {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
