package dsl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

var testConnSchema = connectors.Schema{Fields: []connectors.Field{
	{Name: "token", Type: connectors.TypeString, Required: true, Sensitive: true},
	{Name: "base_url", Type: connectors.TypeString, Default: "https://api.example.com"},
	{Name: "page_size", Type: connectors.TypeInteger, Default: int64(100)},
	{Name: "rate", Type: connectors.TypeNumber},
	{Name: "region", Type: connectors.TypeString, Options: []string{"eu", "us"}},
	{Name: "enabled", Type: connectors.TypeBool},
	{Name: "since", Type: connectors.TypeDate},
	{Name: "scopes", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString}},
	{Name: "extra", Type: connectors.TypeAny},
	{Name: "oauth", Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "client_id", Type: connectors.TypeString, Required: true},
		{Name: "client_secret", Type: connectors.TypeString, Sensitive: true},
	}},
	{Name: "header", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "name", Type: connectors.TypeString, Required: true},
		{Name: "value", Type: connectors.TypeString},
	}}},
}}

func TestDecodeConnection(t *testing.T) {
	env := envOf(map[string]string{"TOKEN": "t0k3n", "EMPTY": ""})
	tests := []struct {
		name      string
		body      string
		want      connectors.Config
		wantDiags []string
	}{
		{
			name: "defaults",
			body: `token = env("TOKEN")`,
			want: connectors.Config{"token": "t0k3n", "base_url": "https://api.example.com", "page_size": int64(100)},
		},
		{
			name: "every type",
			body: `
token     = env("MISSING", "fallback")
base_url  = "https://sandbox.example.com"
page_size = "50"
rate      = 2.5
region    = lower("EU")
enabled   = true
since     = "2026-01-31"
scopes    = ["crm.objects.contacts.read", var.scope]
extra     = { a = [1, "b"] }
oauth {
  client_id     = trimspace("  id ")
  client_secret = coalesce(null, "example-secret")
}
header {
  name  = "X-One"
  value = format("%s-%d", var.prefix, 1)
}
header {
  name  = "X-Two"
  value = env("EMPTY", "unused")
}
`,
			want: connectors.Config{
				"token":     "fallback",
				"base_url":  "https://sandbox.example.com",
				"page_size": int64(50),
				"rate":      2.5,
				"region":    "eu",
				"enabled":   true,
				"since":     "2026-01-31",
				"scopes":    []any{"crm.objects.contacts.read", "crm.schemas.read"},
				"extra":     map[string]any{"a": []any{int64(1), "b"}},
				"oauth":     map[string]any{"client_id": "id", "client_secret": "example-secret"},
				"header": []any{
					map[string]any{"name": "X-One", "value": "pre-1"},
					map[string]any{"name": "X-Two", "value": ""},
				},
			},
		},
		{
			name:      "missing required and unset environment variable",
			body:      `oauth {}` + "\n" + `base_url = env("NOT_SET")`,
			want:      connectors.Config{"page_size": int64(100), "oauth": map[string]any{}},
			wantDiags: []string{"Environment variable not set", "Missing required argument", "Missing required argument"},
		},
		{
			name: "wrong types and values",
			body: `
token     = "literal-secret"
page_size = 2.5
rate      = "fast"
region    = "eu-west"
enabled   = "perhaps"
since     = "31/01/2026"
scopes    = "all"
`,
			want: connectors.Config{"token": "literal-secret", "base_url": "https://api.example.com"},
			wantDiags: []string{
				"Invalid value", "Invalid value", "Invalid value", "Invalid value", "Invalid value", "Invalid value",
				"Secret written in a file",
			},
		},
		{
			name: "unknown names",
			body: `
tokn   = "x"
token  = var.nope
other  = uper("x")
oauht {}
`,
			want:      connectors.Config{"base_url": "https://api.example.com", "page_size": int64(100)},
			wantDiags: []string{"Unknown argument", "Unknown argument", "Unknown block type", "Unknown variable"},
		},
		{
			name:      "duplicate nested block",
			body:      "token = \"t\"\noauth {\n  client_id = \"a\"\n}\noauth {\n  client_id = \"b\"\n}\n",
			want:      connectors.Config{"token": "t", "base_url": "https://api.example.com", "page_size": int64(100), "oauth": map[string]any{"client_id": "a"}},
			wantDiags: []string{"Duplicate block", "Secret written in a file"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := project(t, map[string]string{
				"conn.hcl": "connection \"test\" \"main\" {\n" + tt.body + "\n}\n",
				"vars.hcl": "variable \"scope\" {}\nvariable \"prefix\" {}\n",
			})
			cfg, diags := Load(dir, Options{LookupEnv: noEnv, Vars: map[string]string{"scope": "s", "prefix": "p"}})
			if diags.HasErrors() && !strings.Contains(tt.name, "unknown") {
				t.Fatalf("Load: %v", diags)
			}
			c := cfg.Connections["test.main"]
			got, diags := DecodeConnection(c, testConnSchema, map[string]any{"scope": "crm.schemas.read", "prefix": "pre"}, env)
			if diff := cmp.Diff(tt.wantDiags, summaries(diags)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%v", diff, diags)
			}
			for _, d := range diags {
				if d.Subject == nil || d.Subject.Filename != filepath.Join(dir, "conn.hcl") {
					t.Errorf("%s: subject %v; want a range in conn.hcl", d.Summary, d.Subject)
				}
				checkDiagnosticStyle(t, d)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeConnectionFile(t *testing.T) {
	dir := project(t, map[string]string{
		"conn.hcl":  "connection \"test\" \"main\" {\n  token = file(\"token.txt\")\n  extra = file(\"nope.txt\")\n}\n",
		"token.txt": "from-file",
	})
	cfg, diags := Load(dir, Options{LookupEnv: noEnv})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	got, diags := DecodeConnection(cfg.Connections["test.main"], testConnSchema, nil, noEnv)
	if got["token"] != "from-file" {
		t.Errorf("token = %v; want the file's contents", got["token"])
	}
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, "nope.txt") {
		t.Errorf("diagnostics = %v; want one naming nope.txt", diags)
	}
	if _, err := os.Stat(filepath.Join(dir, "token.txt")); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeConnectionDefaultsEnv(t *testing.T) {
	t.Setenv("KOPLA_DSL_TEST_TOKEN", "from-os")
	dir := project(t, map[string]string{"conn.hcl": "connection \"test\" \"main\" {\n  token = env(\"KOPLA_DSL_TEST_TOKEN\")\n}\n"})
	cfg, _ := Load(dir, Options{LookupEnv: noEnv})
	got, diags := DecodeConnection(cfg.Connections["test.main"], testConnSchema, nil, nil)
	if len(diags) > 0 || got["token"] != "from-os" {
		t.Errorf("DecodeConnection with nil lookupEnv = %v, %v; want the OS environment", got, diags)
	}
}
