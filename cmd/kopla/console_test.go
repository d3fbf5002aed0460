package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// consoleProject has what the console offers besides the connections: a
// variable, a lookup and a function.
const consoleProject = `
variable "default_customer_number" {
  default = "1000"
}

lookup "vat_codes" {
  values = { "25" = "MP1", "12" = "MP2" }
}

function "sku" {
  params = ["number"]
  expr   = "'ART-' + number"
}

connection "hubspot" "shop" {
  token = "pat-test"
}

connection "eaccounting" "books" {
  client_id     = "id"
  client_secret = "secret"
}
`

func consoleDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(consoleProject), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestConsoleSandbox pipes expressions into kopla console -sandbox:
// find() and sample() read the sandbox's demo data, with the project's
// variables, lookups and functions.
func TestConsoleSandbox(t *testing.T) {
	input := strings.Join([]string{
		"# a comment, then an empty line",
		"",
		"find(eaccounting.books.vatcodes, 'Code', lookup('vat_codes', 25))",
		"find(eaccounting.books.customers, 'CustomerNumber', var.default_customer_number)?.Name",
		"find(eaccounting.books.articles, 'Number', sku('1001'))?.Name",
		"map(sample(hubspot.shop.orders, 3, ['line_items']), [#.hs_object_id, #.hs_order_name, map(#.line_items, .hs_sku)])",
		"len(sample(eaccounting.books.articles, 5))",
		"sample(eaccounting.books.units, 1)[0].Code",
	}, "\n") + "\n"
	r := runShipped(t, consoleDir(t), input, "console", "-sandbox")
	if r.code != exitOK {
		t.Fatalf("console = exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	golden(t, "console_sandbox", r.stdout)
}

// TestConsoleErrors: every expression that fails says where, on which
// line of the input, and the run exits 1; the lines after it still run.
func TestConsoleErrors(t *testing.T) {
	input := strings.Join([]string{
		"source.email",
		"var.default_customer_numbr",
		"upper('a') + 1",
		"lookup('vat_code', 25)",
		"sample(hubspot.shop.orders, 2, ['lines'])",
		"sample(hubspot.shop.orders, 0)",
		"find(eaccounting.books.vatcode, 'Code', 'MP1')",
		"'still running'",
	}, "\n") + "\n"
	r := runShipped(t, consoleDir(t), input, "console", "-sandbox")
	if r.code != exitError {
		t.Fatalf("console = exit %d; want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	golden(t, "console_errors", r.stdout)
}

// TestConsoleOffline: without -sandbox, expressions that need no
// connection run with the project's own values.
func TestConsoleOffline(t *testing.T) {
	r := runShipped(t, consoleDir(t), "lookup('vat_codes', 12)\nsku(var.default_customer_number)\nround_money(2.345)\n", "console")
	if r.code != exitOK {
		t.Fatalf("console = exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if want := "\"MP2\"\n\"ART-1000\"\n2.35\n"; r.stdout != want {
		t.Errorf("console printed:\n%s\nwant:\n%s", r.stdout, want)
	}
}
