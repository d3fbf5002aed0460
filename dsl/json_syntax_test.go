package dsl

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
)

// TestLoadJSONLikeNative loads testdata/valid_json, the JSON twins of
// testdata/valid files, and compares the model with the native one's:
// the same flows, templates, variables and expressions, ranges aside.
func TestLoadJSONLikeNative(t *testing.T) {
	for _, name := range []string{"templates", "strings"} {
		t.Run(name, func(t *testing.T) {
			native, diags := loadFile(t, filepath.Join("testdata", "valid", name+".hcl"), Options{})
			if len(diags) > 0 {
				t.Fatalf("native: %v", diags)
			}
			jsonCfg, diags := loadFile(t, filepath.Join("testdata", "valid_json", name+".hcl.json"), Options{})
			if len(diags) > 0 {
				t.Fatalf("JSON: %v", diags)
			}
			if c := native.Flows["customers"]; c != nil {
				// upper(var.status) is an HCL call, which a JSON string
				// cannot be: the JSON twin leaves it out.
				c.Fields = slices.DeleteFunc(c.Fields, func(m *Mapping) bool { return m.Field == "shout" })
			}
			opts := cmp.Options{
				cmpopts.IgnoreTypes(hcl.Range{}),
				cmpopts.IgnoreUnexported(Expr{}),
				// The reason quotes the expression as written.
				cmpopts.IgnoreFields(Flow{}, "DisabledReason"),
			}
			if diff := cmp.Diff(native.Flows, jsonCfg.Flows, opts); diff != "" {
				t.Errorf("flows (-native +JSON):\n%s", diff)
			}
			if diff := cmp.Diff(native.Templates, jsonCfg.Templates, opts); diff != "" {
				t.Errorf("templates (-native +JSON):\n%s", diff)
			}
			if diff := cmp.Diff(native.Vars, jsonCfg.Vars); diff != "" {
				t.Errorf("vars (-native +JSON):\n%s", diff)
			}
			for key, c := range jsonCfg.Connections {
				if native.Connections[key] == nil {
					t.Errorf("JSON connection %s is not in the native file", key)
				}
				if _, diags := c.Body.JustAttributes(); diags.HasErrors() || c.Body == nil {
					t.Errorf("connection %s: body %v", key, diags)
				}
			}
		})
	}
}

// TestJSONRanges checks that what is reported inside a JSON string is
// placed on its characters when the string has no escapes, and on the
// whole string when it has.
func TestJSONRanges(t *testing.T) {
	cfg, diags := loadFile(t, filepath.Join("testdata", "valid_json", "strings.hcl.json"), Options{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	src := cfg.Sources[filepath.Join(cfg.Dir, "strings.hcl.json")]
	f := cfg.Flows["strings"]
	if got := string(f.Source.Range.SliceBytes(src)); got != "file.in.rows" {
		t.Errorf("source range = %q; want the reference inside the quotes", got)
	}
	fields := map[string]*Expr{}
	for _, m := range f.Fields {
		fields[m.Field] = m.Expr
	}
	for _, tc := range []struct {
		field        string
		line, column int
		want         string
	}{
		{"id", 1, 4, "p"},                          // var.prefix: exact
		{"unicode", 1, 7, "✓"},                     // multi-byte characters, no escape
		{"escaped", 2, 2, "s"},                     // the line after a \n escape is exact
		{"escaped", 1, 3, `'tab:\t' + source.a +`}, // a \t escape: the whole line
		{"quoted", 1, 0, `source.name + \" (\" + source.city + \")\"`},
	} {
		e := fields[tc.field]
		if e == nil {
			t.Fatalf("no field %s", tc.field)
		}
		if got := string(e.RangeAt(tc.line, tc.column).SliceBytes(src)); got != tc.want {
			t.Errorf("%s: RangeAt(%d, %d) = %q; want %q", tc.field, tc.line, tc.column, got, tc.want)
		}
	}
	if got := fields["dollars"].Source; got != "'costs $' + string(source.price) + ' and ${literal}'" {
		t.Errorf("dollars = %q; want $${ read as ${, as HCL's JSON templates read it", got)
	}
}

// TestJSONVarFile reads a -var-file in JSON.
func TestJSONVarFile(t *testing.T) {
	dir := project(t, map[string]string{
		"vars.hcl": "variable \"n\" {\n  default = 1\n}\nvariable \"tags\" {\n  default = []\n}\n",
	})
	varFile := filepath.Join(t.TempDir(), "prod.json")
	if err := os.WriteFile(varFile, []byte(`{"n": 5, "tags": ["a", "b"], "other": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, Options{VarFiles: []string{varFile}, LookupEnv: noEnv})
	if diff := cmp.Diff([]string{"Value for undeclared variable"}, summaries(diags)); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"n": int64(5), "tags": []any{"a", "b"}}, cfg.Vars); diff != "" {
		t.Errorf("vars (-want +got):\n%s", diff)
	}
}

// TestJSONFilesMix loads native and JSON files of one project, and leaves
// the JSON test files out of the project.
func TestJSONFilesMix(t *testing.T) {
	dir := project(t, map[string]string{
		"conn.hcl":            "connection \"file\" \"in\" { dir = \"in\" }\n",
		"flow.hcl.json":       `{"flow": {"copy": {"source": "file.in.a", "target": "file.in.b", "key": "id", "fields": {"id": "source.id"}}}}`,
		"flow.test.hcl.json":  `{"test": {"copies the id": {"flow": "flow.copy", "source": {"id": 1}, "expect": {"action": "create", "fields": {"id": 1}}}}}`,
		".hidden.hcl.json":    `not JSON`,
		"notes.json":          `not JSON either`,
		"broken.test.hcl.txt": `ignored`,
	})
	cfg, diags := Load(dir, Options{LookupEnv: noEnv})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if f := cfg.Flows["copy"]; f == nil || f.Source.String() != "file.in.a" {
		t.Fatalf("flow copy = %+v", f)
	}
	tests, diags := LoadTests(cfg)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if len(tests) != 1 || tests[0].Name != "copies the id" || tests[0].Flow != "copy" || tests[0].Expect.Action != "create" {
		t.Errorf("tests = %+v", tests)
	}
}

// TestDecodeConnectionJSON decodes a connection written in JSON: nested
// blocks are objects, repeated ones arrays, HCL expressions templates; a
// connector's problems land on the setting's value.
func TestDecodeConnectionJSON(t *testing.T) {
	src := `{
  "variable": { "prefix": {} },
  "connection": {
    "test": {
      "main": {
        "token": "${env(\"MISSING\", \"fallback\")}",
        "page_size": "50",
        "rate": 2.5,
        "region": "${lower(\"EU\")}",
        "enabled": true,
        "scopes": ["a", "${var.prefix}"],
        "extra": { "a": [1, "b"] },
        "oauth": { "client_id": "id" },
        "header": [
          { "name": "X-One", "value": "${format(\"%s-%d\", var.prefix, 1)}" },
          { "name": "X-Two", "value": "two" }
        ],
        "tokn": "x"
      }
    }
  }
}
`
	dir := project(t, map[string]string{"conn.hcl.json": src})
	cfg, diags := Load(dir, Options{LookupEnv: noEnv, Vars: map[string]string{"prefix": "p"}})
	if len(diags) > 0 {
		t.Fatalf("Load: %v", diags)
	}
	c := cfg.Connections["test.main"]
	got, diags := DecodeConnection(c, testConnSchema, map[string]any{"prefix": "pre"}, noEnv)
	if diff := cmp.Diff([]string{"Unknown argument or block"}, summaries(diags)); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	want := connectors.Config{
		"token": "fallback", "base_url": "https://api.example.com", "page_size": int64(50), "rate": 2.5,
		"region": "eu", "enabled": true, "scopes": []any{"a", "pre"}, "extra": map[string]any{"a": []any{int64(1), "b"}},
		"oauth":  map[string]any{"client_id": "id"},
		"header": []any{map[string]any{"name": "X-One", "value": "pre-1"}, map[string]any{"name": "X-Two", "value": "two"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	file := cfg.Sources[filepath.Join(dir, "conn.hcl.json")]
	problems := []connectors.SettingError{
		{Path: []string{"header", "1", "value"}, Detail: "value is wrong"},
		{Path: []string{"oauth", "client_id"}, Detail: "client_id is wrong"},
		{Path: []string{"rate"}, Detail: "rate is wrong"},
	}
	var texts []string
	for _, d := range SettingDiagnostics(c, got, problems) {
		texts = append(texts, string(d.Subject.SliceBytes(file)))
	}
	if diff := cmp.Diff([]string{`"two"`, `"id"`, "2.5"}, texts); diff != "" {
		t.Errorf("setting diagnostics on (-want +got):\n%s", diff)
	}
}
