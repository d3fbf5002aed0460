package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// schemaProject has both shipped connectors, a custom HubSpot property
// declared in the connection block and one that kopla init cached.
const schemaProject = `
connection "hubspot" "shop" {
  token = "pat-test"
  property {
    object  = "contacts"
    name    = "eaccounting_customer_number"
    unique  = true
  }
}

connection "eaccounting" "books" {
  client_id     = "id"
  client_secret = "secret"
}
`

// schemaCache is what kopla init caches of the HubSpot account: an
// enumeration with its options and description.
const schemaCache = `{"version": 1, "objects": {"contacts": [
  {"name": "customer_tier", "label": "Customer tier", "type": "enumeration", "fieldType": "select",
   "description": "The tier of the customer's agreement.",
   "options": [{"value": "gold"}, {"value": "silver"}, {"value": "old", "hidden": true}]}
]}}`

// runShipped runs kopla in dir with the connectors kopla ships, offline:
// no environment, no network.
func runShipped(t *testing.T, dir, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	d := deps{
		stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, registry: registry,
		now:       func() time.Time { return testNow },
		lookupEnv: func(string) (string, bool) { return "", false },
		version:   "test",
	}
	code := runWith(t.Context(), d, append([]string{"-chdir", dir}, args...))
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func schemaDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"main.hcl": schemaProject,
		filepath.Join(".kopla", "hubspot", "shop", "properties.json"): schemaCache,
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSchemaCommand(t *testing.T) {
	dir := schemaDir(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"schema_list", []string{"schema"}},
		{"schema_connection", []string{"schema", "hubspot.shop"}},
		{"schema_articles", []string{"schema", "eaccounting.books.articles"}},
		{"schema_orders", []string{"schema", "eaccounting.books.orders"}},
		{"schema_contacts", []string{"schema", "hubspot.shop.contacts"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			r := runShipped(t, dir, "", tc.args...)
			if r.code != exitOK {
				t.Fatalf("kopla %s = exit %d\n%s%s", strings.Join(tc.args, " "), r.code, r.stdout, r.stderr)
			}
			golden(t, tc.golden, r.stdout)
		})
	}
}

func TestSchemaJSON(t *testing.T) {
	dir := schemaDir(t)
	r := runShipped(t, dir, "", "schema", "-json", "hubspot.shop.contacts")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	goldenJSON(t, "schema_contacts", r.stdout)

	// The whole document: every connection, every object, nested fields,
	// maximum lengths and defaults where the schema has them.
	r = runShipped(t, dir, "", "schema", "-json")
	var doc schemaDoc
	decodeInto(t, r.stdout, &doc)
	if doc.FormatVersion != schemaFormatVersion || len(doc.Connections) != 2 {
		t.Fatalf("format %q, %d connections; want %q, 2", doc.FormatVersion, len(doc.Connections), schemaFormatVersion)
	}
	find := func(conn, object, field string) *schemaFieldJSON {
		for _, c := range doc.Connections {
			for _, o := range c.Objects {
				if c.Connection != conn || o.Name != object {
					continue
				}
				for i := range o.Fields {
					if o.Fields[i].Name == field {
						return &o.Fields[i]
					}
				}
			}
		}
		t.Fatalf("no field %s.%s.%s in the document", conn, object, field)
		return nil
	}
	if f := find("eaccounting.books", "articles", "Number"); f.MaxLength != 40 || !f.Required || !f.Unique {
		t.Errorf("articles.Number = %+v; want max_length 40, required, unique", f)
	}
	if f := find("eaccounting.books", "customers", "InvoiceAddress1"); f.MaxLength != 50 || !f.Sensitive {
		t.Errorf("customers.InvoiceAddress1 = %+v; want max_length 50, sensitive", f)
	}
	rows := find("eaccounting.books", "orders", "Rows")
	if rows.Elem == nil || rows.Elem.Type != "object" {
		t.Fatalf("orders.Rows elem = %+v; want objects", rows.Elem)
	}
	var isTextRow *schemaFieldJSON
	for i := range rows.Elem.Fields {
		if rows.Elem.Fields[i].Name == "IsTextRow" {
			isTextRow = &rows.Elem.Fields[i]
		}
	}
	if isTextRow == nil || !isTextRow.DefaultComputed {
		t.Errorf("orders.Rows[].IsTextRow = %+v; want a computed default", isTextRow)
	}
	if f := find("eaccounting.books", "orders", "EuThirdParty"); f.Default != false {
		t.Errorf("orders.EuThirdParty default = %#v; want false", f.Default)
	}
}

func TestSchemaErrors(t *testing.T) {
	dir := schemaDir(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"schema", "eaccounting.book"}, `no connection "eaccounting.book" (connections: eaccounting.books, hubspot.shop). Did you mean "eaccounting.books"?`},
		{[]string{"schema", "eaccounting.books.ordrs"}, `has no object "ordrs" (objects: accounts,`},
		{[]string{"schema", "eaccounting.books.ordrs"}, `Did you mean "orders"?`},
		{[]string{"schema", "file"}, `no connection "file"`},
		{[]string{"schema", "a..b"}, `"a..b" is not a connection or object`},
		{[]string{"schema", "a", "b"}, `unexpected argument "b"`},
	} {
		r := runShipped(t, dir, "", tc.args...)
		if r.code != exitError {
			t.Errorf("kopla %s = exit %d; want 1", strings.Join(tc.args, " "), r.code)
		}
		if out := r.stdout + r.stderr; !strings.Contains(out, tc.want) {
			t.Errorf("kopla %s says:\n%s\nwant it to contain %q", strings.Join(tc.args, " "), out, tc.want)
		}
	}
}

// TestSchemaOutsideProject: a directory without flow files is not a
// project with no connections.
func TestSchemaOutsideProject(t *testing.T) {
	r := runShipped(t, t.TempDir(), "", "schema")
	if r.code != exitError || !strings.Contains(r.stdout, "No configuration files") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestSchemaBesideFlowErrors: a flow that does not validate does not hide
// what the connections offer.
func TestSchemaBesideFlowErrors(t *testing.T) {
	dir := schemaDir(t)
	bad := `
flow "broken" {
  source = hubspot.shop.contacts
  target = eaccounting.books.customers
  key    = "CustomerNumber"
  fields {
    CustomerNumber = "source.emial"
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "flows.hcl"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runShipped(t, dir, "", "schema", "eaccounting.books.vatcodes")
	if r.code != exitOK || !strings.Contains(r.stdout, "VatRate") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
