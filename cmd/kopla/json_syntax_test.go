package main

import (
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
	return projectEnv(t, filepath.Join("..", "..", "docs", "examples", name))
}
