package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebshopValidatesWithLibraryProperties: the webshop example declares
// no property blocks; the custom properties its flows write are known
// offline from the library's requires block, and without one of them
// validate fails where the flow writes it.
func TestWebshopValidatesWithLibraryProperties(t *testing.T) {
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "webshop"), filepath.Join(root, "examples", "webshop"))
	copyTree(t, filepath.Join("..", "..", "flows"), filepath.Join(root, "flows"))
	dir := filepath.Join(root, "examples", "webshop")
	main, err := os.ReadFile(filepath.Join(dir, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(main), "property") {
		t.Fatal("examples/webshop/main.hcl declares properties; the library declares them")
	}
	validate := func() (int, string) {
		var stdout, stderr bytes.Buffer
		d := deps{stdout: &stdout, stderr: &stderr, registry: registry, lookupEnv: func(string) (string, bool) { return "", false }}
		code := runWith(t.Context(), d, []string{"-chdir", dir, "-no-color", "validate"})
		return code, stdout.String() + stderr.String()
	}
	if code, out := validate(); code != exitOK || !strings.Contains(out, "Success!") {
		t.Fatalf("validate = %d; want 0:\n%s", code, out)
	}

	settings := filepath.Join(root, "flows", "settings.hcl")
	src, err := os.ReadFile(settings)
	if err != nil {
		t.Fatal(err)
	}
	decl := `    property "products" "stock_quantity" {
      type        = "number"
      label       = "Stock quantity"
      description = "Stock balance from eAccounting."
    }
`
	if !strings.Contains(string(src), decl) {
		t.Fatalf("flows/settings.hcl does not declare products.stock_quantity as expected")
	}
	if err := os.WriteFile(settings, []byte(strings.Replace(string(src), decl, "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := validate()
	if code != exitError || !strings.Contains(out, `has no field "stock_quantity"`) {
		t.Fatalf("validate without the stock_quantity declaration = %d; want 1 naming the field:\n%s", code, out)
	}
}
