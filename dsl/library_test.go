package dsl

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

func TestLibrary(t *testing.T) {
	cfg, diags := Load(filepath.Join("testdata", "library", "ok"), Options{LookupEnv: noEnv})
	if len(diags) > 0 {
		var buf bytes.Buffer
		WriteDiagnostics(&buf, diags, cfg.Files, false)
		t.Fatalf("Load reported:\n%s", buf.String())
	}
	f := cfg.Flows["people"]
	if f == nil {
		t.Fatal("the library's flow is not loaded")
	}
	if got := f.Source.String() + " -> " + f.Target.String(); got != "file.inbox.people -> file.outbox.contacts" {
		t.Errorf("flow objects = %s; want the project's connections", got)
	}
	if cfg.Vars["note"] != "from the project" {
		t.Errorf("note = %v; want the value vars passes", cfg.Vars["note"])
	}
	wantAliases := map[string]string{"file.source": "file.inbox", "file.target": "file.outbox", "file.archive": "file.outbox"}
	if diff := cmp.Diff(wantAliases, cfg.ConnectionAliases); diff != "" {
		t.Errorf("ConnectionAliases (-want +got):\n%s", diff)
	}
	if got := cfg.Resolve(ObjectRef{Kind: "file", Connection: "target", Object: "contacts"}).String(); got != "file.outbox.contacts" {
		t.Errorf("Resolve = %s", got)
	}
	reqs := cfg.Requirements()
	if len(reqs) != 2 || reqs[1].Connection != "file.outbox" || len(reqs[1].Properties) != 1 || len(reqs[1].Records) != 1 {
		t.Fatalf("Requirements = %+v", reqs)
	}
	if r := reqs[1].Records[0]; r.Object != "contacts" || r.Field != "email" || r.Value != "admin@example.com" {
		t.Errorf("record = %+v", r)
	}
	if got, want := reqs[1].Uses, []string{`the library "people" calls it target`, `the library "people" calls it archive`}; !cmp.Equal(got, want) {
		t.Errorf("Uses = %q; want %q", got, want)
	}
	if diff := cmp.Diff([]string{"../lib"}, cfg.LibraryDirs()); diff != "" {
		t.Errorf("LibraryDirs (-want +got):\n%s", diff)
	}
}

// TestLibraryErrors loads a project whose library block is wrong in every
// way the markers of its files announce.
func TestLibraryErrors(t *testing.T) {
	dir := filepath.Join("testdata", "library", "errors")
	var want []lineDiag
	for _, name := range []string{"main.hcl", ".kopla.vars"} {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(src))
		for n := 1; sc.Scan(); n++ {
			for _, part := range errorMarker.Split(sc.Text(), -1)[1:] {
				want = append(want, lineDiag{n, name + ": " + strings.TrimSpace(part)})
			}
		}
	}
	cfg, diags := Load(dir, Options{LookupEnv: noEnv})
	var got []lineDiag
	for _, d := range diags {
		if d.Subject == nil {
			t.Errorf("diagnostic without subject: %s: %s", d.Summary, d.Detail)
			continue
		}
		s := filepath.Base(d.Subject.Filename) + ": " + d.Summary
		if d.Severity == hcl.DiagWarning {
			s = "warning: " + s
		}
		got = append(got, lineDiag{d.Subject.Start.Line, s})
		checkDiagnosticStyle(t, d)
	}
	sortLineDiags(want)
	sortLineDiags(got)
	if diff := cmp.Diff(want, got); diff != "" {
		var buf bytes.Buffer
		WriteDiagnostics(&buf, diags, cfg.Files, false)
		t.Errorf("diagnostics (-want +got):\n%s\nrendered:\n%s", diff, buf.String())
	}
}

func TestIncludeIsDeprecated(t *testing.T) {
	_, diags := Load(filepath.Join("testdata", "include", "project"), Options{LookupEnv: noEnv})
	if len(diags) != 1 || diags[0].Severity != hcl.DiagWarning || diags[0].Summary != "include is deprecated" ||
		!strings.Contains(diags[0].Detail, `library "lib" { source = "../lib"`) {
		t.Fatalf("diagnostics = %v; want the deprecation warning with the library block to write", diags)
	}
}
