package hubspot

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

// TestSchemasGolden keeps the built-in object catalogue (fields, types,
// flags, options, includes) in testdata/schemas.golden, so that every change
// to it shows in review.
func TestSchemasGolden(t *testing.T) {
	schemas, err := New().Objects(connectors.Config{"token": "pat"}, connectors.Deps{Name: "shop", StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range schemas {
			if !yield(n) {
				return
			}
		}
	}) {
		s := schemas[n]
		fmt.Fprintf(&b, "%s\n", n)
		for _, f := range s.Fields {
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
			line := fmt.Sprintf("  %s %s %s", f.Name, typ, strings.Join(flags, ","))
			if len(f.Options) > 0 {
				line += " [" + strings.Join(f.Options, "|") + "]"
			}
			fmt.Fprintln(&b, strings.TrimRight(line, " "))
		}
		var inc []string
		for _, in := range s.Includes {
			inc = append(inc, in.Name)
		}
		fmt.Fprintf(&b, "  includes: %s\n", strings.Join(inc, ", "))
	}
	golden := filepath.Join("testdata", "schemas.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./connectors/hubspot -run SchemasGolden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("schemas differ from %s (-want +got):\n%s", golden, diff)
	}
}
