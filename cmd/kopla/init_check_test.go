package main

import (
	"bytes"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/sandbox"
)

// copyTree copies src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == ".kopla" || d.Name() == "out" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestInitCheckAndCreate runs the webshop example against a sandbox whose
// HubSpot account lacks three of the properties the flow library declares:
// init -check lists them and exits 1, init -create creates them in their
// object's property group, and init -check then exits 0.
func TestInitCheckAndCreate(t *testing.T) {
	sb := sandbox.NewTest(t, sandbox.Options{})
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "webshop"), filepath.Join(root, "examples", "webshop"))
	copyTree(t, filepath.Join("..", "..", "flows"), filepath.Join(root, "flows"))
	dir := filepath.Join(root, "examples", "webshop")

	missing := []string{"contacts/eaccounting_customer_number", "orders/eaccounting_invoice_number", "products/stock_quantity"}
	for _, p := range missing {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, sb.HubSpotURL()+"/crm/v3/properties/"+p, nil)
		req.Header.Set("Authorization", "Bearer "+sb.HubSpot().Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("archive %s: %s", p, resp.Status)
		}
	}

	env := map[string]string{}
	for _, c := range sb.Credentials() {
		env[strings.ToUpper(c.Kind+"_"+c.Setting)] = c.Value
	}
	run := func(stdin string, args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		d := deps{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, registry: registry,
			lookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		code := runWith(t.Context(), d, append([]string{"-chdir", dir, "-no-color"}, args...))
		return code, stdout.String() + stderr.String()
	}

	code, out := run("", "init", "-check")
	if code != exitError {
		t.Fatalf("init -check = %d; want 1 (properties lack):\n%s", code, out)
	}
	for _, want := range []string{
		`hubspot.shop (the library "webshop" calls it shop):`,
		"- property contacts.eaccounting_customer_number (string, unique): missing (would be created in group contactinformation)",
		"- property orders.eaccounting_invoice_number (string): missing (would be created in group orderinformation)",
		"- property products.stock_quantity (number): missing (would be created in group productinformation)",
		"+ property orders.eaccounting_order_number (string): present",
		`eaccounting.books (the library "webshop" calls it books):`,
		`+ record articles "freight" (Number = FRAKT): present`,
		"The accounts lack 3 things. Run kopla init -create to create the 3 missing properties.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("init -check output lacks %q:\n%s", want, out)
		}
	}

	code, out = run("no\n", "init", "-create")
	if code != exitError || !strings.Contains(out, "Cancelled: nothing was created.") {
		t.Fatalf("init -create answered no = %d; want 1, nothing created:\n%s", code, out)
	}
	if code, out := run("", "init", "-check"); code != exitError {
		t.Fatalf("init -check after a cancelled create = %d; want 1:\n%s", code, out)
	}

	code, out = run("yes\n", "init", "-create")
	if code != exitOK {
		t.Fatalf("init -create = %d; want 0:\n%s", code, out)
	}
	for _, want := range []string{
		"kopla will create these properties:",
		"+ hubspot.shop contacts.eaccounting_customer_number (string, unique) in group contactinformation",
		"Created hubspot.shop contacts.eaccounting_customer_number in group contactinformation.",
		"Created hubspot.shop orders.eaccounting_invoice_number in group orderinformation.",
		"Created hubspot.shop products.stock_quantity in group productinformation.",
		"- hubspot.shop: discovered and cached",
		"kopla has been initialized!",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("init -create output lacks %q:\n%s", want, out)
		}
	}

	code, out = run("", "init", "-check")
	if code != exitOK || !strings.Contains(out, "The accounts have everything the flow libraries need.") {
		t.Fatalf("init -check after create = %d; want 0:\n%s", code, out)
	}
}

// TestPlanWarnsOfUndiscoveredProperty: after kopla init has read an account
// that lacks a property the library declares (and its flows read), validate
// and plan warn at the declaration, naming property and object; once
// init -create has made it, the warning is gone.
func TestPlanWarnsOfUndiscoveredProperty(t *testing.T) {
	sb := sandbox.NewTest(t, sandbox.Options{})
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "webshop"), filepath.Join(root, "examples", "webshop"))
	copyTree(t, filepath.Join("..", "..", "flows"), filepath.Join(root, "flows"))
	dir := filepath.Join(root, "examples", "webshop")

	req, _ := http.NewRequestWithContext(t.Context(), http.MethodDelete, sb.HubSpotURL()+"/crm/v3/properties/companies/vat_number", nil)
	req.Header.Set("Authorization", "Bearer "+sb.HubSpot().Token())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("archive vat_number: %s", resp.Status)
	}
	env := map[string]string{}
	for _, c := range sb.Credentials() {
		env[strings.ToUpper(c.Kind+"_"+c.Setting)] = c.Value
	}
	run := func(stdin string, args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		d := deps{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, registry: registry,
			lookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
		code := runWith(t.Context(), d, append([]string{"-chdir", dir, "-no-color"}, args...))
		return code, stdout.String() + stderr.String()
	}
	const warning = `The account of hubspot.shop had no property "vat_number" on companies when kopla init last read it`

	if code, out := run("", "validate"); code != exitOK || strings.Contains(out, "Property missing") {
		t.Fatalf("validate before init = %d; want 0 without a warning (nothing read yet):\n%s", code, out)
	}
	if code, out := run("", "init"); code != exitOK || !strings.Contains(out, warning) {
		t.Fatalf("init = %d; want 0 with the warning %q:\n%s", code, warning, out)
	}
	for _, args := range [][]string{{"validate"}, {"plan"}} {
		code, out := run("", args...)
		if code != exitOK || !strings.Contains(out, "Warning: Property missing in the account") || !strings.Contains(out, warning) {
			t.Errorf("%s = %d; want 0 with the warning %q:\n%s", args[0], code, warning, out)
		}
		if !strings.Contains(out, `flows/settings.hcl line 55`) {
			t.Errorf("%s: the warning is not at the declaration in flows/settings.hcl:\n%s", args[0], out)
		}
	}
	if code, out := run("", "init", "-check"); code != exitError || !strings.Contains(out, "- property companies.vat_number (string): missing") {
		t.Errorf("init -check = %d; want 1 listing companies.vat_number:\n%s", code, out)
	}
	if code, out := run("", "init", "-create", "-auto-approve"); code != exitOK || strings.Contains(out, warning) {
		t.Fatalf("init -create = %d; want 0 and no warning:\n%s", code, out)
	}
	if code, out := run("", "plan"); code != exitOK || strings.Contains(out, "Property missing") {
		t.Errorf("plan after init -create = %d; want 0 without the warning:\n%s", code, out)
	}
}
