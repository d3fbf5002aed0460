package engine

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/dsl"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// TestFunctionReadsGolden pins the whole text of the diagnostics about
// fields read through functions (testdata/errors/functions.hcl): each is at
// the field inside the function's expression, or inside the flow's, and
// names the call it was checked for.
func TestFunctionReadsGolden(t *testing.T) {
	src, err := os.ReadFile("testdata/errors/functions.hcl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := dsl.Load(dir, dsl.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	var text strings.Builder
	for _, d := range testEngine(t).Validate(cfg) {
		r := d.Subject
		fmt.Fprintf(&text, "%d,%d-%d,%d: %s: %s\n", r.Start.Line, r.Start.Column, r.End.Line, r.End.Column, d.Summary, strings.ReplaceAll(d.Detail, dir+string(filepath.Separator), ""))
	}
	golden := "testdata/functions.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(text.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), text.String()); diff != "" {
		t.Errorf("%s (-want +got):\n%s", golden, diff)
	}
}
