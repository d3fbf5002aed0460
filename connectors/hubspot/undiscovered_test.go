package hubspot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

// TestUndiscoveredProperties: a declared property is Undiscovered only when
// kopla init has read the object's properties and the account lacked it
// (or had it archived); before init nothing is known to be missing.
func TestUndiscoveredProperties(t *testing.T) {
	declared := []connectors.PropertyDef{
		{Object: "companies", Name: "vat_number", Type: "string"},
		{Object: "companies", Name: "industry_code", Type: "string"},
		{Object: "companies", Name: "old_code", Type: "string"},
		{Object: "products", Name: "gtin", Type: "string"},
	}
	const cache = `{"version": 1, "objects": {"companies": [
		{"name": "name", "type": "string", "fieldType": "text"},
		{"name": "industry_code", "type": "string", "fieldType": "text"},
		{"name": "old_code", "type": "string", "fieldType": "text", "archived": true}
	]}}`
	tests := []struct {
		name  string
		cache string
		want  map[string]bool // "object.property" -> Undiscovered
	}{
		{"before init", "", map[string]bool{"companies.vat_number": false, "companies.industry_code": false, "companies.old_code": false, "products.gtin": false, "companies.name": false}},
		// products was not read (no scope): its declared gtin is not known missing.
		{"after init", cache, map[string]bool{"companies.vat_number": true, "companies.industry_code": false, "companies.old_code": true, "products.gtin": false, "companies.name": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.cache != "" {
				path := filepath.Join(dir, "hubspot", "shop", propertiesFile)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(tt.cache), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			schemas, err := New().Objects(connectors.Config{"token": "pat"}, connectors.Deps{Name: "shop", StateDir: dir, Properties: declared})
			if err != nil {
				t.Fatal(err)
			}
			for key, want := range tt.want {
				object, name, _ := strings.Cut(key, ".")
				f, ok := schemas[object].Field(name)
				if !ok {
					t.Errorf("%s: no field", key)
					continue
				}
				if f.Undiscovered != want {
					t.Errorf("%s: Undiscovered = %v; want %v", key, f.Undiscovered, want)
				}
			}
		})
	}
}
