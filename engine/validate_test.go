package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/dsl"
)

// markerRE matches "# ERROR: Summary" at the end of a line, or
// "# ERROR@-N: Summary" for a diagnostic N lines above the marker (inside
// heredocs, where a comment cannot go).
var markerRE = regexp.MustCompile(`#\s*ERROR(@-\d+)?:\s*(.+)$`)

// TestValidateErrors compiles each file of testdata/errors and compares the
// diagnostics with the markers on its lines.
func TestValidateErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.hcl")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i, line := range strings.Split(string(src), "\n") {
				m := markerRE.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				n := i + 1
				if m[1] != "" {
					off, _ := strconv.Atoi(m[1][1:])
					n += off
				}
				want = append(want, fmt.Sprintf("%d: %s", n, strings.TrimSpace(m[2])))
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := dsl.Load(dir, dsl.Options{})
			if cfg != nil {
				diags = append(diags, testEngine(t).Validate(cfg)...)
			}
			var got []string
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without range: %s: %s", d.Summary, d.Detail)
					continue
				}
				got = append(got, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
			}
			sort.Strings(want)
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				for _, d := range diags {
					t.Logf("%s", d)
				}
				t.Errorf("diagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func testEngine(t testing.TB) *Engine {
	_, reg := testRegistry(t)
	return New(Options{Registry: reg})
}

// testRegistry is the memory connector with the test objects: contacts and
// orders in connection crm; customers, orders and vatcodes in books.
func testRegistry(tb testing.TB) (*connectortest.Store, *connectors.Registry) {
	tb.Helper()
	store := connectortest.NewStore()
	store.Define("crm", "contacts", contactSchema)
	store.Define("crm", "orders", orderSchema)
	store.Define("books", "customers", customerSchema)
	store.Define("books", "orders", targetOrderSchema)
	store.Define("books", "vatcodes", vatSchema)
	reg := connectors.NewRegistry()
	if err := reg.Register(connectortest.Factory(store)); err != nil {
		tb.Fatal(err)
	}
	return store, reg
}

// mustProject compiles a small valid project for tests that need one.
func (e *Engine) mustProject(tb testing.TB) *Project {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(customersFlow), 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, diags := dsl.Load(dir, dsl.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	p, diags := e.Compile(cfg)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	return p
}

func exprOf(src string) *dsl.Expr {
	return dsl.NewExpr(src, hcl.Range{Filename: "fuzz.hcl", Start: hcl.InitialPos, End: hcl.InitialPos})
}

// FuzzValidate compiles whatever the loader makes of a file, broken or not,
// as kopla validate does: no panics, and every diagnostic has a range.
func FuzzValidate(f *testing.F) {
	for _, name := range []string{"testdata/errors/fields.hcl", "testdata/errors/ensure.hcl", "testdata/errors/writeback_key.hcl"} {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(string(src))
		}
	}
	f.Add(customersFlow)
	f.Add(ordersFlow)
	f.Add("flow \"x\" {\n  source = memory.crm.contacts\n  fields { a = \"${1}\" }\n}\n")
	f.Add("function \"f\" {\n  params = [\"a\"]\n  expr = \"f(a)\"\n}\n")
	eng := testEngine(f)
	f.Fuzz(func(t *testing.T, src string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, _ := dsl.Load(dir, dsl.Options{LookupEnv: func(string) (string, bool) { return "x", true }})
		for _, d := range eng.Validate(cfg) {
			if d.Subject == nil && d.Summary != "Unknown connector kind" {
				t.Errorf("diagnostic without range: %s: %s", d.Summary, d.Detail)
			}
		}
	})
}
