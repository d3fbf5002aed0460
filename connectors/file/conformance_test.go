package file

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
)

// openObject opens object name of a file connection on dir, with settings.
func openObject(t testing.TB, dir, name string, settings map[string]any) *object {
	t.Helper()
	dir, err := filepath.Abs(dir) // testdata is relative to the package
	if err != nil {
		t.Fatal(err)
	}
	return openIn(t, t.TempDir(), dir, name, settings)
}

// openIn opens object name of a file connection of a project directory.
func openIn(t testing.TB, project, dir, name string, settings map[string]any) *object {
	t.Helper()
	cfg := connectors.Config{"dir": dir}
	for k, v := range settings {
		cfg[k] = v
	}
	c, err := New().New(t.Context(), cfg, connectors.Deps{Name: "files", Dir: project})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	obj, err := c.Object(name)
	if err != nil {
		t.Fatalf("Object(%q): %v", name, err)
	}
	return obj.(*object)
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestConformance runs the suite with the key setting: without it, Read
// identifies rows by line number while writes answer with key IDs (see
// TestIDs), and the suite matches what Read emits by ID.
func TestConformance(t *testing.T) {
	jsonlFields := func(i int) map[string]any {
		return map[string]any{
			"email":   fmt.Sprintf("c%d@example.com", i),
			"name":    fmt.Sprintf("Contact %d", i),
			"visits":  int64(i),
			"score":   float64(i) + 0.5,
			"active":  i%2 == 0,
			"address": map[string]any{"city": "Malmö", "zip": fmt.Sprintf("211 %02d", i)},
			"tags":    []any{"a", fmt.Sprintf("t%d", i)},
		}
	}
	csvFields := func(i int) map[string]any {
		return map[string]any{
			"email": fmt.Sprintf("c%d@example.com", i),
			"name":  fmt.Sprintf("Contact, \"%d\"", i),
			"note":  fmt.Sprintf("line one\nline %d", i),
		}
	}
	change := func(f map[string]any) map[string]any {
		return map[string]any{"name": f["name"].(string) + " (changed)"}
	}
	tests := []struct {
		name     string
		setup    func(dir string)
		settings map[string]any
		fields   func(i int) map[string]any
		invalid  func(i int) map[string]any
	}{
		{
			name:     "jsonl not existing yet",
			settings: map[string]any{"key": "email"},
			fields:   jsonlFields,
			invalid: func(i int) map[string]any {
				return map[string]any{"name": fmt.Sprintf("No email %d", i)}
			},
		},
		{
			name: "jsonl with other rows",
			setup: func(dir string) {
				writeFile(t, filepath.Join(dir, "contacts.jsonl"), `{"email":"other@example.org","name":"Other"}`+"\n"+`{"email":"c0@example.com0","name":"Near miss"}`+"\n")
			},
			settings: map[string]any{"key": "email"},
			fields:   jsonlFields,
			invalid: func(i int) map[string]any {
				f := jsonlFields(i)
				f["email"] = ""
				return f
			},
		},
		{
			name: "csv",
			setup: func(dir string) {
				writeFile(t, filepath.Join(dir, "contacts.csv"), "email,name\nother@example.org,Other\n")
			},
			settings: map[string]any{"key": "email"},
			fields:   csvFields,
			invalid: func(i int) map[string]any {
				f := csvFields(i)
				f["address"] = map[string]any{"city": "Malmö"}
				return f
			},
		},
		{
			name: "csv with semicolons and CRLF",
			setup: func(dir string) {
				writeFile(t, filepath.Join(dir, "contacts.csv"), "\xEF\xBB\xBFemail;name\r\nother@example.org;Other\r\n")
			},
			settings: map[string]any{"key": "email", "delimiter": ";"},
			fields:   csvFields,
		},
	}
	for _, tt := range tests {
		// journal: every create into an existing file goes to the
		// journal (journal.go), as in a large file.
		for _, journal := range []bool{false, true} {
			name := tt.name
			if journal {
				name += "/journal"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				if tt.setup != nil {
					tt.setup(dir)
				}
				obj := openObject(t, dir, "contacts", tt.settings)
				obj.conn.pageSize = 2
				if journal {
					obj.conn.journalFrom = 0
				}
				connectortest.RunConformance(t, connectortest.Harness{
					Object:    obj,
					KeyField:  "email",
					NewFields: tt.fields,
					Change:    change,
					Invalid:   tt.invalid,
				})
				if _, err := obj.Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil }); err != nil {
					t.Errorf("Read after the suite: %v", err)
				}
				checkNoTemp(t, dir)
			})
		}
	}
}

// checkNoTemp fails when a rewrite left a temporary file behind.
func checkNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".csv" && filepath.Ext(e.Name()) != ".jsonl" {
			t.Errorf("file %s left in %s", e.Name(), dir)
		}
	}
}
