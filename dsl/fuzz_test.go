package dsl

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad loads arbitrary file content: Load and the renderers must never
// panic, and every diagnostic must render.
func FuzzLoad(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("flow \"x\" {\n  where = <<-EXPR\n  EXPR\n}\n"))
	f.Add([]byte("flow \"x\" {\n  fields {\n    a = \"\\u00e9 +\"\n  }\n}\n"))
	f.Fuzz(func(t *testing.T, src []byte) { loadFuzzed(t, "fuzz.hcl", src) })
}

// FuzzLoadJSON is FuzzLoad for files in HCL's JSON syntax.
func FuzzLoadJSON(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.hcl.json")
	for _, path := range files {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"flow": {"x": {"fields": {"a": "'\u00e9' +"}, "where": "${"}}}`))
	f.Add([]byte(`{"flow": [{"x": {"source": "a.b[0]"}}, {"x": []}], "test": {"t": null}}`))
	f.Fuzz(func(t *testing.T, src []byte) { loadFuzzed(t, "fuzz.hcl.json", src) })
}

// loadFuzzed loads a project of one file: Load and the renderers must not
// panic, and every diagnostic must render.
func loadFuzzed(t *testing.T, name string, src []byte) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, Options{LookupEnv: noEnv})
	if cfg == nil {
		t.Fatal("Load returned a nil Config")
	}
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, diags, cfg.Files, true); err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(JSONDiagnostics(diags, cfg.Files)); err != nil {
		t.Fatal(err)
	}
}
