package eaccounting

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

var update = flag.Bool("update", false, "update golden files")

// TestSchemasGolden keeps the object catalogue (names, types, flags,
// maximum lengths, enumeration options) in
// testdata/schemas.golden, so that every change to it shows in review.
func TestSchemasGolden(t *testing.T) {
	schemas, err := New().Objects(nil, connectors.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	names := make([]string, 0, len(schemas))
	for n := range schemas {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "%s\n", n)
		writeFields(&b, schemas[n].Fields, "  ")
	}
	golden := filepath.Join("testdata", "schemas.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run SchemasGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("schemas differ from %s (-want +got):\n%s", golden, diff)
	}
}

func writeFields(b *strings.Builder, fields []connectors.Field, indent string) {
	for _, f := range fields {
		var flags []string
		for _, fl := range []struct {
			on   bool
			name string
		}{{f.ReadOnly, "ro"}, {f.Required, "req"}, {f.Key, "key"}, {f.Unique, "unique"}, {f.Sensitive, "sensitive"}} {
			if fl.on {
				flags = append(flags, fl.name)
			}
		}
		typ := f.Type.String()
		if f.Elem != nil {
			typ += " of " + f.Elem.Type.String()
		}
		if f.MaxLength > 0 {
			flags = append(flags, fmt.Sprintf("max=%d", f.MaxLength))
		}
		if len(f.Options) > 0 {
			flags = append(flags, "options="+strings.Join(f.Options, "|"))
		}
		fmt.Fprintf(b, "%s\n", strings.TrimRight(fmt.Sprintf("%s%s %s %s", indent, f.Name, typ, strings.Join(flags, ",")), " "))
		writeFields(b, f.Fields, indent+"  ")
		if f.Elem != nil {
			writeFields(b, f.Elem.Fields, indent+"  ")
		}
	}
}
