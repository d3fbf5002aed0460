package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/state"
)

// TestLibraryConnectionAliases: a library's flow names its connections
// source and target; the project passes inbox and outbox, and find() in the
// library looks in outbox.
func TestLibraryConnectionAliases(t *testing.T) {
	root := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("lib/people.hcl", `
requires {
  connection "file" "source" {}
  connection "file" "target" {}
}

flow "people" {
  source = file.source.people
  target = file.target.contacts
  key    = "email"
  fields {
    email = "lower(source.email)"
    known = "find(file.target.known, 'email', lower(source.email)) != nil ? 'yes' : 'no'"
  }
}
`)
	write("project/main.hcl", `
connection "file" "inbox" { dir = "in" }
connection "file" "outbox" { dir = "out" }

library "people" {
  source      = "../lib"
  connections = { source = file.inbox, target = file.outbox }
}
`)
	write("project/in/people.csv", "email\nAda@Example.com\nbo@example.com\n")
	write("project/out/known.jsonl", `{"email":"ada@example.com"}`+"\n")

	dir := filepath.Join(root, "project")
	cfg, diags := dsl.Load(dir, dsl.Options{LookupEnv: func(string) (string, bool) { return "", false }})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	p, diags := fileEngine(t).Compile(cfg)
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	defer p.Close()
	st, err := state.Open(t.Context(), filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pl, diags := p.Plan(t.Context(), PlanOptions{State: st})
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	got := map[any]any{}
	for _, ch := range changesOf(pl.Flow("people")) {
		for _, f := range ch.Fields {
			if f.Name == "known" {
				got[ch.Key] = f.After
			}
		}
	}
	want := map[any]any{"ada@example.com": "yes", "bo@example.com": "no"}
	if len(got) != 2 || got["ada@example.com"] != want["ada@example.com"] || got["bo@example.com"] != want["bo@example.com"] {
		t.Errorf("known per key = %v; want %v (find through the library's name for outbox)", got, want)
	}
}
