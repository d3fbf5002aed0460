package file

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kopla-dev/kopla/connectors"
)

var update = flag.Bool("update", false, "update golden files")

// readResult is what a golden file holds: every page and the error.
type readResult struct {
	Pages [][]connectors.Record `json:"pages"`
	Error string                `json:"error,omitempty"`
}

func TestRead(t *testing.T) {
	tests := []struct {
		dir, name string
		settings  map[string]any
	}{
		{"read", "contacts", nil},
		{"read", "orders", map[string]any{"key": "id"}},
		{"semicolon", "crlf", map[string]any{"delimiter": ";", "key": "id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := openObject(t, filepath.Join("testdata", tt.dir), tt.name, tt.settings)
			checkReadGolden(t, obj, filepath.Join("testdata", tt.dir, tt.name+".golden.json"))
		})
	}
	// bad.csv and bad.jsonl share a stem, so each is read from a copy.
	for _, ext := range []string{"csv", "jsonl"} {
		t.Run("bad "+ext, func(t *testing.T) {
			project := t.TempDir()
			data, err := os.ReadFile(filepath.Join("testdata", "read", "bad."+ext))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(project, "in", "bad."+ext), string(data))
			obj := openIn(t, project, "in", "bad", nil)
			checkReadGolden(t, obj, filepath.Join("testdata", "read", "bad."+ext+".golden.json"))
		})
	}
}

// checkReadGolden reads obj in pages of 2 and compares pages and error
// with a golden file (JSON, compared as values).
func checkReadGolden(t *testing.T, obj *object, golden string) {
	t.Helper()
	obj.conn.pageSize = 2
	var got readResult
	cursor, err := obj.Read(t.Context(), connectors.ReadRequest{}, func(p []connectors.Record) error {
		got.Pages = append(got.Pages, p)
		return nil
	})
	if cursor != "" {
		t.Errorf("Read cursor = %q; want none", cursor)
	}
	if err != nil {
		got.Error = err.Error()
	}
	gotJSON, jerr := json.MarshalIndent(got, "", "  ")
	if jerr != nil {
		t.Fatal(jerr)
	}
	if *update {
		if err := os.WriteFile(golden, append(gotJSON, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	wantJSON, rerr := os.ReadFile(golden)
	if rerr != nil {
		t.Fatalf("%v (run go test ./connectors/file -update to create it)", rerr)
	}
	var gotV, wantV any
	if err := json.Unmarshal(gotJSON, &gotV); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(wantJSON, &wantV); err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	if diff := cmp.Diff(wantV, gotV); diff != "" {
		t.Errorf("Read of %s mismatch (-want +got):\n%s", obj.display, diff)
	}
}

func TestReadTypes(t *testing.T) {
	recs := readAll(t, openObject(t, filepath.Join("testdata", "read"), "orders", nil))
	want := []map[string]any{
		{
			"id":       int64(1),
			"customer": map[string]any{"email": "anna@example.com", "address": map[string]any{"city": "Lund"}},
			"lines":    []any{map[string]any{"sku": "A-1", "qty": int64(2), "price": 9.5}},
			"paid":     true,
			"note":     nil,
		},
		{
			"id": int64(2), "customer": map[string]any{"email": "bo@example.com"}, "lines": []any{}, "paid": false,
			"big": int64(9007199254740993), "ratio": 0.001,
		},
	}
	var got []map[string]any
	for _, r := range recs {
		got = append(got, r.Fields)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("orders.jsonl values mismatch (-want +got):\n%s", diff)
	}
	if recs[0].ID != "line:1" || recs[1].ID != "line:3" {
		t.Errorf("IDs without key setting = %q, %q; want line:1, line:3", recs[0].ID, recs[1].ID)
	}
}

func TestBadLinesError(t *testing.T) {
	project := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "read", "bad.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(project, "in", "bad.jsonl"), string(data))
	o := openIn(t, project, "in", "bad", nil)
	var emails []any
	_, err = o.Read(t.Context(), connectors.ReadRequest{}, func(p []connectors.Record) error {
		for _, r := range p {
			emails = append(emails, r.Fields["email"])
		}
		return nil
	})
	if diff := cmp.Diff([]any{"a@example.com", "d@example.com"}, emails); diff != "" {
		t.Errorf("good rows emitted mismatch (-want +got):\n%s", diff)
	}
	var bad *BadLinesError
	if !errors.As(err, &bad) {
		t.Fatalf("Read error = %v; want *BadLinesError", err)
	}
	var lines []int
	for _, l := range bad.Lines {
		lines = append(lines, l.Line)
	}
	if diff := cmp.Diff([]int{2, 3, 5, 7}, lines); diff != "" {
		t.Errorf("bad lines mismatch (-want +got):\n%s", diff)
	}
	if want := filepath.Join("in", "bad.jsonl"); bad.File != want || !strings.Contains(err.Error(), want+": 4 bad lines") {
		t.Errorf("error %q does not name %s", err, want)
	}
}

func TestBothFormatsIsAnError(t *testing.T) {
	c, err := New().New(t.Context(), connectors.Config{"dir": filepath.Join("testdata", "read")}, connectors.Deps{Name: "files"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object("bad"); err == nil || !strings.Contains(err.Error(), "both bad.csv and bad.jsonl") {
		t.Errorf("Object(bad) with bad.csv and bad.jsonl = %v; want an error naming both", err)
	}
}

func TestObjects(t *testing.T) {
	f := New()
	got, err := f.Objects(connectors.Config{"dir": "read"}, connectors.Deps{Name: "files", Dir: "testdata"})
	if err == nil || strings.Count(err.Error(), "both bad.csv and bad.jsonl") != 1 {
		t.Errorf("Objects error = %v; want one naming bad.csv and bad.jsonl", err)
	}
	str := func(name string) connectors.Field {
		return connectors.Field{Name: name, Type: connectors.TypeString, Key: true}
	}
	want := map[string]connectors.Schema{
		connectors.AnyObject: {Open: true},
		"contacts":           {Extensible: true, PositionalIDs: true, Fields: []connectors.Field{str("email"), str("name"), str("note"), str("city")}},
		"orders": {Open: true, PositionalIDs: true, Fields: []connectors.Field{
			{Name: "big", Type: connectors.TypeInteger, Key: true},
			{Name: "customer", Type: connectors.TypeObject},
			{Name: "id", Type: connectors.TypeInteger, Key: true},
			{Name: "lines", Type: connectors.TypeList},
			{Name: "note", Type: connectors.TypeAny},
			{Name: "paid", Type: connectors.TypeBool, Key: true},
			{Name: "ratio", Type: connectors.TypeNumber, Key: true},
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Objects mismatch (-want +got):\n%s", diff)
	}

	got, err = f.Objects(connectors.Config{"dir": "not-yet"}, connectors.Deps{Name: "files", Dir: t.TempDir()})
	if err != nil || !cmp.Equal(got, map[string]connectors.Schema{connectors.AnyObject: {Open: true}}) {
		t.Errorf("Objects of a missing dir = %v, %v; want only AnyObject", got, err)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  connectors.Config
		want string // "path: summary" of CheckConfig; "" for none
	}{
		{"ok", connectors.Config{"dir": "out"}, ""},
		{"tab", connectors.Config{"dir": "out", "delimiter": `\t`}, ""},
		{"empty dir", connectors.Config{"dir": ""}, "dir: Empty setting"},
		{"long delimiter", connectors.Config{"dir": "out", "delimiter": ";;"}, "delimiter: Invalid value"},
		{"quote delimiter", connectors.Config{"dir": "out", "delimiter": `"`}, "delimiter: Invalid value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range New().CheckConfig(tt.cfg) {
				got = append(got, strings.Join(e.Path, ".")+": "+e.Summary)
			}
			if strings.Join(got, "; ") != tt.want {
				t.Errorf("CheckConfig(%v) = %q; want %q", tt.cfg, got, tt.want)
			}
		})
	}
	tab, err := New().New(t.Context(), connectors.Config{"dir": "out", "delimiter": `\t`}, connectors.Deps{Name: "files", Dir: t.TempDir()})
	if err != nil || tab.(*connector).delim != '\t' {
		t.Errorf("New with delimiter \\t = %v; want a tab delimiter", err)
	}
	c, err := New().New(t.Context(), connectors.Config{"dir": "out"}, connectors.Deps{Name: "files", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", "..", "a/b", `a\b`} {
		if _, err := c.Object(name); !errors.Is(err, connectors.ErrUnknownObject) {
			t.Errorf("Object(%q) = %v; want ErrUnknownObject", name, err)
		}
	}
}
