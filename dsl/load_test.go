package dsl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// noEnv is a LookupEnv that finds nothing, so that tests do not depend on
// the environment they run in.
func noEnv(string) (string, bool) { return "", false }

// loadFile loads one testdata file as a project of its own.
func loadFile(t *testing.T, path string, opts Options) (*Config, hcl.Diagnostics) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(path)), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = noEnv
	}
	return Load(dir, opts)
}

func TestLoadValid(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.hcl")
	if len(files) == 0 {
		t.Fatal("no testdata/valid files")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cfg, diags := loadFile(t, path, Options{})
			if len(diags) > 0 {
				var buf bytes.Buffer
				WriteDiagnostics(&buf, diags, cfg.Files, false)
				t.Fatalf("Load(%s) reported diagnostics:\n%s", path, buf.String())
			}
		})
	}
}

// Markers are "# ERROR: <Summary>", or "// ERROR: <Summary>" inside
// heredocs, where the line is expr-lang source and // starts a comment.
var (
	errorMarker   = regexp.MustCompile(`(?:#|//) ERROR: `)
	warningMarker = regexp.MustCompile(`(?:#|//) WARNING: `)
)

type lineDiag struct {
	Line    int
	Summary string
}

// TestLoadErrors checks that each testdata/errors file reports exactly the
// diagnostics its "# ERROR: <Summary>" markers announce, on their lines.
func TestLoadErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.hcl")
	if len(files) == 0 {
		t.Fatal("no testdata/errors files")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []lineDiag
			sc := bufio.NewScanner(bytes.NewReader(src))
			for n := 1; sc.Scan(); n++ {
				for _, part := range errorMarker.Split(sc.Text(), -1)[1:] {
					want = append(want, lineDiag{n, strings.TrimSpace(part)})
				}
				for _, part := range warningMarker.Split(sc.Text(), -1)[1:] {
					want = append(want, lineDiag{n, "warning: " + strings.TrimSpace(part)})
				}
			}
			if len(want) == 0 {
				t.Fatalf("%s has no # ERROR: markers", path)
			}
			cfg, diags := loadFile(t, path, Options{})
			var got []lineDiag
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without subject: %s: %s", d.Summary, d.Detail)
					continue
				}
				s := d.Summary
				if d.Severity == hcl.DiagWarning {
					s = "warning: " + s
				}
				got = append(got, lineDiag{d.Subject.Start.Line, s})
			}
			sortLineDiags(want)
			sortLineDiags(got)
			if diff := cmp.Diff(want, got); diff != "" {
				var buf bytes.Buffer
				WriteDiagnostics(&buf, diags, cfg.Files, false)
				t.Errorf("Load(%s) diagnostics (-want +got):\n%s\nrendered:\n%s", path, diff, buf.String())
			}
			for _, d := range diags {
				checkDiagnosticStyle(t, d)
			}
		})
	}
}

func sortLineDiags(ds []lineDiag) {
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Line != ds[j].Line {
			return ds[i].Line < ds[j].Line
		}
		return ds[i].Summary < ds[j].Summary
	})
}

// checkDiagnosticStyle enforces the diagnostic conventions: a short
// capitalised summary without a full stop, and a detail made of sentences.
func checkDiagnosticStyle(t *testing.T, d *hcl.Diagnostic) {
	t.Helper()
	if d.Summary == "" || strings.ToUpper(d.Summary[:1]) != d.Summary[:1] || strings.HasSuffix(d.Summary, ".") {
		t.Errorf("summary %q: want a capitalised phrase without a full stop", d.Summary)
	}
	if d.Detail == "" || !strings.ContainsAny(d.Detail[len(d.Detail)-1:], ".?") {
		t.Errorf("%s: detail %q: want full sentences", d.Summary, d.Detail)
	}
}

func TestLoadModel(t *testing.T) {
	cfg, diags := loadFile(t, "testdata/valid/people.hcl", Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	f := cfg.Flows["people"]
	if f == nil {
		t.Fatal("flow people missing")
	}
	got := fmt.Sprintf("%s -> %s key=%s mode=%s where=%q", f.Source, f.Target, f.Key, f.Mode, f.Where.Source)
	want := `file.in.people -> file.out.contacts key=email mode=upsert where="source.active == 'yes'"`
	if got != want {
		t.Errorf("flow = %s; want %s", got, want)
	}
	var fields []string
	for _, m := range f.Fields {
		fields = append(fields, m.Field+"="+m.Expr.Source)
	}
	for _, m := range f.CreateOnly {
		fields = append(fields, "create_only:"+m.Field+"="+m.Expr.Source)
	}
	wantFields := []string{
		"email=lower(trim(source.email))",
		"name=source.first + ' ' + source.last",
		"create_only:note='imported'",
	}
	if diff := cmp.Diff(wantFields, fields); diff != "" {
		t.Errorf("mappings (-want +got):\n%s", diff)
	}
	if cfg.Settings.State != DefaultState || cfg.Settings.LogRetentionDays != DefaultLogRetentionDays {
		t.Errorf("settings = %+v; want defaults", cfg.Settings)
	}
	if c := cfg.Connections["file.in"]; c == nil || c.Kind != "file" || c.Name != "in" {
		t.Errorf("connection file.in = %+v", c)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// TestRenderGolden renders the diagnostics of testdata/render, and of
// testdata/render_json (HCL's JSON syntax next to a native file), in human
// form byte for byte and in JSON form compared as data.
func TestRenderGolden(t *testing.T) {
	for _, name := range []string{"render", "render_json"} {
		t.Run(name, func(t *testing.T) {
			cfg, diags := Load(filepath.Join("testdata", name), Options{LookupEnv: noEnv})
			if !diags.HasErrors() {
				t.Fatalf("testdata/%s loads without errors", name)
			}
			var human bytes.Buffer
			if err := WriteDiagnostics(&human, diags, cfg.Files, false); err != nil {
				t.Fatal(err)
			}
			doc, err := json.MarshalIndent(JSONDiagnostics(diags, cfg.Files), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			doc = append(doc, '\n')
			humanGolden, jsonGolden := filepath.Join("testdata", name+".golden"), filepath.Join("testdata", name+".json.golden")
			if *update {
				for path, b := range map[string][]byte{humanGolden: human.Bytes(), jsonGolden: doc} {
					if err := os.WriteFile(path, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			want, err := os.ReadFile(humanGolden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), human.String()); diff != "" {
				t.Errorf("WriteDiagnostics (-want +got):\n%s", diff)
			}
			wantJSON, err := os.ReadFile(jsonGolden)
			if err != nil {
				t.Fatal(err)
			}
			var w, g any
			if err := json.Unmarshal(wantJSON, &w); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(doc, &g); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("JSONDiagnostics (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadDirectory(t *testing.T) {
	dir := project(t, map[string]string{
		"b.hcl":       "variable \"x\" {\n  default = 1\n}\n",
		"a.hcl":       "variable \"x\" {\n  default = 2\n}\n",
		"c.hcltest":   "this is not HCL {",
		".hidden.hcl": "this is not HCL {",
		"notes.md":    "# notes",
	})
	if err := os.Mkdir(filepath.Join(dir, "sub.hcl"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub.hcl", "d.hcl"), []byte("this is not HCL {"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, Options{LookupEnv: noEnv})
	if len(diags) != 1 || diags[0].Summary != "Duplicate variable" {
		t.Fatalf("diagnostics = %v; want one Duplicate variable", diags)
	}
	// Files are read in name order: the declaration in a.hcl comes first.
	if got := diags[0].Subject.Filename; got != filepath.Join(dir, "b.hcl") {
		t.Errorf("duplicate reported in %s; want b.hcl", got)
	}
	if !strings.Contains(diags[0].Detail, "a.hcl:1,1") {
		t.Errorf("detail %q does not name a.hcl:1,1", diags[0].Detail)
	}
	if cfg.Vars["x"] != int64(2) {
		t.Errorf("x = %v; want the first declaration's default", cfg.Vars["x"])
	}
	var names []string
	for name := range cfg.Files {
		names = append(names, filepath.Base(name))
		if _, ok := cfg.Sources[name]; !ok {
			t.Errorf("Sources lacks %s", name)
		}
	}
	sort.Strings(names)
	if diff := cmp.Diff([]string{"a.hcl", "b.hcl"}, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestLoadNoProject(t *testing.T) {
	for name, dir := range map[string]string{
		"No configuration files":        t.TempDir(),
		"Cannot read project directory": filepath.Join(t.TempDir(), "missing"),
	} {
		cfg, diags := Load(dir, Options{LookupEnv: noEnv})
		if cfg == nil || len(diags) != 1 || diags[0].Summary != name {
			t.Errorf("Load(%s) = %v; want one %q", dir, diags, name)
		}
	}
}

func TestLoadModelDesign(t *testing.T) {
	cfg, diags := loadFile(t, "testdata/valid/design.hcl", Options{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	type ensure struct {
		Name, Flow, Input, ForEach string
	}
	type flow struct {
		Source, Target, Key, Where string
		Mode                       Mode
		Include                    []string
		Fields, CreateOnly         []string
		Ensures                    []ensure
	}
	src := func(e *Expr) string {
		if e == nil {
			return ""
		}
		return e.Source
	}
	got := map[string]flow{}
	for name, f := range cfg.Flows {
		fl := flow{Source: f.Source.String(), Target: f.Target.String(), Key: f.Key, Where: src(f.Where), Mode: f.Mode, Include: f.Include}
		for _, m := range f.Fields {
			fl.Fields = append(fl.Fields, m.Field)
		}
		for _, m := range f.CreateOnly {
			fl.CreateOnly = append(fl.CreateOnly, m.Field)
		}
		for _, e := range f.Ensures {
			fl.Ensures = append(fl.Ensures, ensure{e.Name, e.Flow, src(e.Input), src(e.ForEach)})
		}
		got[name] = fl
	}
	want := map[string]flow{
		"articles_to_products": {
			Source: "eaccounting.books.articles", Target: "hubspot.shop.products", Key: "hs_sku", Where: "source.IsActive", Mode: ModeUpsert,
			Fields: []string{"hs_sku", "name", "price"}, CreateOnly: []string{"description"},
		},
		"products_to_articles": {
			Source: "hubspot.shop.products", Target: "eaccounting.books.articles", Key: "Number", Mode: ModeUpdate,
			Fields: []string{"Number", "Name"},
		},
		"contacts_to_customers": {
			Source: "hubspot.shop.contacts", Target: "eaccounting.books.customers", Key: "EmailAddress", Mode: ModeUpsert,
			Fields: []string{"EmailAddress", "Name", "InvoiceAddress1", "TermsOfPaymentId"},
		},
		"paid_orders": {
			Source: "hubspot.shop.orders", Target: "eaccounting.books.orders", Key: "YourReference",
			Where: "source.hs_payment_status == 'paid'", Mode: ModeCreate, Include: []string{"contacts", "companies", "line_items"},
			Fields: []string{"YourReference", "CustomerId", "Rows", "Notes"},
			Ensures: []ensure{
				{"customer", "contacts_to_customers", "first(source.contacts)", ""},
				{"articles", "products_to_articles", "", "source.line_items"},
			},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("flows (-want +got):\n%s", diff)
	}
	rows := cfg.Flows["paid_orders"].Fields[2].Expr
	if !strings.HasPrefix(rows.Source, "map(source.line_items, {{\n  LineNumber: #index + 1,\n") {
		t.Errorf("Rows heredoc = %q; want its indentation stripped", rows.Source)
	}
	if s := cfg.Settings; s.State != ".kopla/state.db" || s.LogRetentionDays != 90 {
		t.Errorf("settings = %+v", s)
	}
	if fn := cfg.Functions["street"]; fn == nil || !cmp.Equal(fn.Params, []string{"address"}) || fn.Expr.Source != "trim(split(address, ',')[0])" {
		t.Errorf("function street = %+v", fn)
	}
	if fn := cfg.Functions["constant"]; fn == nil || fn.Params != nil {
		t.Errorf("function constant = %+v", fn)
	}
	wantLookup := &Lookup{Name: "terms_of_payment", Values: map[string]any{"net_15": "15 dagar", "net_30": "30 dagar", "fallback": "1000"}, Default: "30 dagar", HasDefault: true}
	if diff := cmp.Diff(wantLookup, cfg.Lookups["terms_of_payment"], cmpopts.IgnoreFields(Lookup{}, "DeclRange")); diff != "" {
		t.Errorf("lookup (-want +got):\n%s", diff)
	}
	if v := cfg.Variables["hubspot_token"]; v == nil || !v.Sensitive {
		t.Errorf("variable hubspot_token = %+v; want sensitive", v)
	}
	if diff := cmp.Diff(map[string]any{"default_customer_number": "1000", "hubspot_token": "unused-in-tests"}, cfg.Vars); diff != "" {
		t.Errorf("vars (-want +got):\n%s", diff)
	}
	var conns []string
	for k, c := range cfg.Connections {
		conns = append(conns, k+"@"+c.Dir)
		if c.Body == nil {
			t.Errorf("connection %s has no body", k)
		}
	}
	sort.Strings(conns)
	if diff := cmp.Diff([]string{"eaccounting.books@" + cfg.Dir, "hubspot.shop@" + cfg.Dir}, conns); diff != "" {
		t.Errorf("connections (-want +got):\n%s", diff)
	}
}
