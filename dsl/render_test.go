package dsl

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func TestWriteDiagnosticsColor(t *testing.T) {
	dir := project(t, map[string]string{"a.hcl": "flow \"x\" {\n  mode = \"upsret\"\n}\n"})
	cfg, diags := Load(dir, Options{LookupEnv: noEnv})
	var mode hcl.Diagnostics
	for _, d := range diags {
		if d.Summary == "Invalid mode" {
			mode = append(mode, d)
		}
	}
	if len(mode) != 1 {
		t.Fatalf("diagnostics = %v; want one Invalid mode", diags)
	}
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, mode, cfg.Files, true); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		ansiRed + "Error: " + ansiReset + ansiBold + "Invalid mode" + ansiReset,
		"   2:   mode = " + ansiUnderline + `"upsret"` + ansiReset + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("colour output lacks %q:\n%q", want, out)
		}
	}
}

func TestWriteDiagnosticsWithoutSource(t *testing.T) {
	diags := hcl.Diagnostics{
		{Severity: hcl.DiagError, Summary: "No configuration files", Detail: "The directory x contains no *.hcl files."},
		{Severity: hcl.DiagWarning, Summary: "Somewhere else", Detail: "A file that is not loaded.", Subject: &hcl.Range{Filename: "other.hcl", Start: hcl.Pos{Line: 4, Column: 1}, End: hcl.Pos{Line: 4, Column: 2, Byte: 1}}},
	}
	var buf bytes.Buffer
	if err := WriteDiagnostics(&buf, diags, nil, false); err != nil {
		t.Fatal(err)
	}
	want := "Error: No configuration files\n\nThe directory x contains no *.hcl files.\n\nWarning: Somewhere else\n\n  on other.hcl line 4:\n\nA file that is not loaded.\n"
	if got := buf.String(); got != want {
		t.Errorf("WriteDiagnostics = %q; want %q", got, want)
	}
	doc := JSONDiagnostics(diags)
	if doc.Valid || doc.ErrorCount != 1 || doc.WarningCount != 1 || doc.Diagnostics[0].Range != nil || doc.Diagnostics[1].Snippet != nil {
		t.Errorf("JSONDiagnostics = %+v", doc)
	}
	if empty := JSONDiagnostics(nil); !empty.Valid || empty.Diagnostics == nil || empty.FormatVersion != "1.0" {
		t.Errorf("JSONDiagnostics(nil) = %+v; want valid, with an empty array", empty)
	}
}
