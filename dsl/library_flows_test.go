package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLibraryFlows: a library block's flows = [...] runs the flows it lists
// and disables the others, saying why; a name the library lacks is an error
// with a suggestion.
func TestLibraryFlows(t *testing.T) {
	lib, err := filepath.Abs(filepath.Join("testdata", "library", "lib"))
	if err != nil {
		t.Fatal(err)
	}
	project := func(flows string) string {
		dir := t.TempDir()
		src := `connection "file" "inbox" { dir = "in" }
connection "file" "outbox" { dir = "out" }

library "people" {
  source      = "` + filepath.ToSlash(mustRel(t, dir, lib)) + `"
  connections = { source = file.inbox, target = file.outbox, archive = file.outbox }
  ` + flows + `
}
`
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	tests := []struct {
		flows       string
		enabled     bool
		reason, err string
	}{
		{flows: "", enabled: true},
		{flows: `flows = ["people"]`, enabled: true},
		{flows: `flows = []`, reason: `it is not in the flows of the library "people"`},
		{flows: `flows = ["peple"]`, err: `Unknown flow: The library "people" has no flow "peple". Did you mean "people"? Its flows: people.`},
		{flows: `flows = ["people", "people"]`, enabled: true, err: `Duplicate flow: The flow "people" is listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.flows, func(t *testing.T) {
			cfg, diags := Load(project(tt.flows), Options{LookupEnv: noEnv})
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary+": "+d.Detail)
			}
			if tt.err == "" && len(got) > 0 || tt.err != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.err)) {
				t.Fatalf("diagnostics = %q; want %q", got, tt.err)
			}
			f := cfg.Flows["people"]
			if f == nil {
				t.Fatal("flow people not loaded")
			}
			if tt.err != "" && !tt.enabled {
				return
			}
			if f.Enabled != tt.enabled || f.DisabledReason != tt.reason {
				t.Errorf("Enabled, DisabledReason = %v, %q; want %v, %q", f.Enabled, f.DisabledReason, tt.enabled, tt.reason)
			}
		})
	}
}

func mustRel(t *testing.T, base, target string) string {
	t.Helper()
	rel, err := filepath.Rel(base, target)
	if err != nil {
		t.Fatal(err)
	}
	return rel
}
