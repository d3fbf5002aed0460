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
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "fuzz.hcl"), src, 0o644); err != nil {
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
	})
}
