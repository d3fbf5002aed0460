package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine"
)

// Connector kinds whose objects depend on the connection (the file
// connector's objects are the files of its directory): they have no field
// reference to generate.
var dynamicCatalogues = []string{"file"}

// TestConnectorFieldDocs keeps docs/connectors/<kind>-fields.md equal to
// what the connector's schema says, rendered with kopla schema's own
// columns: a schema change that the docs do not follow fails here. Run it
// with -update to write the pages again.
func TestConnectorFieldDocs(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range reg.Kinds() {
		if slices.Contains(dynamicCatalogues, kind) {
			continue
		}
		t.Run(kind, func(t *testing.T) {
			factory, _ := reg.Lookup(kind)
			// The catalogue as it is before kopla init has read an account.
			schemas, err := factory.Objects(connectors.Config{}, connectors.Deps{Name: "docs", StateDir: t.TempDir()})
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			var objects []engine.ObjectSchema
			for _, name := range sortedNames(schemas) {
				objects = append(objects, engine.ObjectSchema{Name: name, Schema: schemas[name]})
			}
			got := fieldReference(kind, objects)
			path := filepath.Join("..", "..", "docs", "connectors", kind+"-fields.md")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/kopla -run TestConnectorFieldDocs -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s does not match the %s schema; run go test ./cmd/kopla -run TestConnectorFieldDocs -update (-want +got):\n%s", path, kind, diff)
			}
		})
	}
}

func sortedNames(m map[string]connectors.Schema) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// fieldReference renders a connector's objects as a Markdown page.
func fieldReference(kind string, objects []engine.ObjectSchema) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Fields of the %s connector\n\n", kind)
	fmt.Fprintf(&b, "<!-- Generated from the connector's schema by go test ./cmd/kopla -run TestConnectorFieldDocs -update. Do not edit: change the schema, then regenerate. -->\n\n")
	fmt.Fprintf(&b, "Every object and field of kind `%s`, as `kopla schema %s.<connection>.<object>` shows them for a connection before `kopla init` has read its account (which may add custom fields and enumeration options). See [%s.md](%s.md) for how the connector reads, finds and writes them.\n\n", kind, kind, kind, kind)
	b.WriteString("Nested fields are written by their path: `Rows[].ArticleId` is the `ArticleId` of each element of the list `Rows`. **max** is the most characters a string may have. Flags: **required** on create, **read-only** (set by the system), **create-only** (written on create, never updated), **key** (a flow may use it as its `key`), **unique key** (the system keeps it unique), **sensitive** (personal data, redacted in plans and logs).\n\n")
	b.WriteString("Objects:")
	for i, o := range objects {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s [`%s`](#%s)", sep, o.Name, o.Name)
	}
	b.WriteString(".\n")
	for _, o := range objects {
		fmt.Fprintf(&b, "\n## %s\n\n", o.Name)
		for _, t := range objectTraits(o.Schema) {
			fmt.Fprintf(&b, "- %s\n", markdownCell(t))
		}
		if keys := keyNames(o.Schema); keys != "" {
			fmt.Fprintf(&b, "- keys: %s\n", markdownCell(keys))
		}
		b.WriteString("\n| field | type | max | flags | notes |\n| --- | --- | --- | --- | --- |\n")
		for _, r := range flattenFields(o.Schema.Fields, "") {
			maxLen := ""
			if r.Field.MaxLength > 0 {
				maxLen = fmt.Sprint(r.Field.MaxLength)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", r.Path, typeName(r.Field), maxLen,
				strings.Join(fieldFlags(r.Field), ", "), markdownCell(fieldNotes(r.Field)))
		}
	}
	return b.String()
}

// markdownCell keeps text inside one table cell.
func markdownCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
