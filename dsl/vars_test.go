package dsl

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
)

// project writes files into a new directory and returns it.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func summaries(diags hcl.Diagnostics) []string {
	var s []string
	for _, d := range diags {
		s = append(s, d.Summary)
	}
	sort.Strings(s)
	return s
}

func TestVarPrecedence(t *testing.T) {
	dir := project(t, map[string]string{
		"vars.hcl": `
variable "a" { default = "default" }
variable "b" { default = "default" }
variable "c" { default = "default" }
variable "d" { default = "default" }
variable "e" { default = "default" }
`,
		".kopla.vars": `
b = "kopla.vars"
c = "kopla.vars"
d = "kopla.vars"
e = "kopla.vars"
`,
	})
	varFile := filepath.Join(t.TempDir(), "prod.vars")
	if err := os.WriteFile(varFile, []byte("c = \"var-file\"\nd = \"var-file\"\ne = \"var-file\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, Options{
		VarFiles:  []string{varFile},
		LookupEnv: envOf(map[string]string{"KOPLA_VAR_d": "env", "KOPLA_VAR_e": "env"}),
		Vars:      map[string]string{"e": "flag"},
	})
	if len(diags) > 0 {
		t.Fatalf("Load: %v", diags)
	}
	want := map[string]any{"a": "default", "b": "kopla.vars", "c": "var-file", "d": "env", "e": "flag"}
	if diff := cmp.Diff(want, cfg.Vars); diff != "" {
		t.Errorf("Vars (-want +got):\n%s", diff)
	}
}

func TestVarTypes(t *testing.T) {
	decls := `
variable "s" {}
variable "n" { default = 1 }
variable "f" { default = 1.5 }
variable "b" { default = false }
variable "l" { default = ["x"] }
variable "m" {
  default   = { k = "v" }
  sensitive = true
}
`
	tests := []struct {
		name      string
		vars      map[string]string
		env       map[string]string
		varsFile  string
		want      map[string]any
		wantDiags []string
	}{
		{
			name: "defaults",
			vars: map[string]string{"s": "x"},
			want: map[string]any{"s": "x", "n": int64(1), "f": 1.5, "b": false, "l": []any{"x"}, "m": map[string]any{"k": "v"}},
		},
		{
			name: "raw values converted to the default's type",
			vars: map[string]string{"s": "42", "n": "7", "f": "2.25", "b": "true", "l": `["a", "b"]`, "m": `{ a = 1, b = "two" }`},
			want: map[string]any{"s": "42", "n": int64(7), "f": 2.25, "b": true, "l": []any{"a", "b"}, "m": map[string]any{"a": int64(1), "b": "two"}},
		},
		{
			name: "environment",
			env:  map[string]string{"KOPLA_VAR_s": "from env", "KOPLA_VAR_n": "12", "KOPLA_VAR_S": "wrong case"},
			want: map[string]any{"s": "from env", "n": int64(12), "f": 1.5, "b": false, "l": []any{"x"}, "m": map[string]any{"k": "v"}},
		},
		{
			name:     "vars file values keep their types",
			varsFile: "s = 3\nn = 4\nl = [1, 2]\n",
			want:     map[string]any{"s": int64(3), "n": int64(4), "f": 1.5, "b": false, "l": []any{int64(1), int64(2)}, "m": map[string]any{"k": "v"}},
		},
		{
			name:      "required variable without a value",
			wantDiags: []string{"No value for required variable"},
			want:      map[string]any{"n": int64(1), "f": 1.5, "b": false, "l": []any{"x"}, "m": map[string]any{"k": "v"}},
		},
		{
			name:      "bad values",
			vars:      map[string]string{"s": "x", "n": "seven", "b": "yes please", "l": `["a"`, "m": `"text"`},
			wantDiags: []string{"Invalid value for variable", "Invalid value for variable", "Invalid value for variable", "Invalid value for variable"},
			want:      map[string]any{"s": "x", "n": int64(1), "f": 1.5, "b": false, "l": []any{"x"}, "m": map[string]any{"k": "v"}},
		},
		{
			name:      "undeclared",
			vars:      map[string]string{"s": "x", "ss": "y"},
			varsFile:  "zz = 1\n",
			wantDiags: []string{"Value for undeclared variable", "Value for undeclared variable"},
			want:      map[string]any{"s": "x", "n": int64(1), "f": 1.5, "b": false, "l": []any{"x"}, "m": map[string]any{"k": "v"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"vars.hcl": decls}
			if tt.varsFile != "" {
				files[VarsFile] = tt.varsFile
			}
			cfg, diags := Load(project(t, files), Options{Vars: tt.vars, LookupEnv: envOf(tt.env)})
			if diff := cmp.Diff(tt.wantDiags, summaries(diags)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%v", diff, diags)
			}
			if diff := cmp.Diff(tt.want, cfg.Vars); diff != "" {
				t.Errorf("Vars (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVarsFileDiagnostics(t *testing.T) {
	dir := project(t, map[string]string{
		"vars.hcl":    `variable "n" { default = 1 }`,
		".kopla.vars": "n = \"many\"\nblock {}\n",
	})
	_, diags := Load(dir, Options{VarFiles: []string{filepath.Join(dir, "missing.vars")}, LookupEnv: noEnv})
	want := []string{"Cannot read variables file", "Invalid value for variable", "Unexpected block in variables file"}
	if diff := cmp.Diff(want, summaries(diags)); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
	for _, d := range diags {
		if d.Subject != nil && !strings.HasSuffix(d.Subject.Filename, VarsFile) {
			t.Errorf("%s: subject in %s; want the vars file", d.Summary, d.Subject.Filename)
		}
	}
}

func TestVarsInLookupsAndSettings(t *testing.T) {
	dir := project(t, map[string]string{
		"main.hcl": `
kopla {
  state              = format("%s/state.db", var.state_dir)
  log_retention_days = var.days
}
variable "state_dir" { default = ".kopla" }
variable "days" { default = 90 }
variable "term" { default = "30 dagar" }
lookup "terms" {
  values  = { net_30 = var.term, net_15 = "15 dagar", codes = [1, 2] }
  default = upper("x")
}
lookup "plain" {
  values = {}
}
`,
	})
	cfg, diags := Load(dir, Options{LookupEnv: noEnv, Vars: map[string]string{"days": "60"}})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if got := *cfg.Settings; got.State != ".kopla/state.db" || got.LogRetentionDays != 60 {
		t.Errorf("Settings = %+v", got)
	}
	lk := cfg.Lookups["terms"]
	wantValues := map[string]any{"net_30": "30 dagar", "net_15": "15 dagar", "codes": []any{int64(1), int64(2)}}
	if diff := cmp.Diff(wantValues, lk.Values); diff != "" {
		t.Errorf("lookup values (-want +got):\n%s", diff)
	}
	if lk.Default != "X" || !lk.HasDefault {
		t.Errorf("lookup default = %v, %v", lk.Default, lk.HasDefault)
	}
	if p := cfg.Lookups["plain"]; p.HasDefault || p.Default != nil || len(p.Values) != 0 {
		t.Errorf("lookup plain = %+v", p)
	}
}
