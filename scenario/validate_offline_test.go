package scenario

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// markerRE matches "# ERROR: Summary" at the end of a line.
var markerRE = regexp.MustCompile(`#\s*ERROR:\s*(.+)$`)

// TestValidateOffline validates each project of testdata/validate offline,
// as kopla validate does (every environment variable reads as a
// placeholder), against the real connectors: each "# ERROR: Summary"
// marker is a diagnostic on its line, and the whole text of the
// diagnostics is the file's golden.
func TestValidateOffline(t *testing.T) {
	files, _ := filepath.Glob("testdata/validate/*.hcl")
	if len(files) == 0 {
		t.Fatal("no test files")
	}
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{hubspot.New(), eaccounting.New(), file.New()} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	offline := func(name string) (string, bool) { return "offline-placeholder-" + name, true }
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i, line := range strings.Split(string(src), "\n") {
				for _, part := range strings.SplitAfter(line, "# ERROR")[1:] {
					if m := markerRE.FindStringSubmatch("# ERROR" + part); m != nil {
						summary, _, _ := strings.Cut(m[1], "#")
						want = append(want, strconv.Itoa(i+1)+": "+strings.TrimSpace(summary))
					}
				}
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := dsl.Load(dir, dsl.Options{LookupEnv: offline})
			if cfg != nil {
				diags = append(diags, engine.New(engine.Options{Registry: reg, LookupEnv: offline, StateDir: t.TempDir()}).Validate(cfg)...)
			}
			var got []string
			var text strings.Builder
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without range: %s: %s", d.Summary, d.Detail)
					continue
				}
				got = append(got, fmt.Sprintf("%d: %s", d.Subject.Start.Line, d.Summary))
				fmt.Fprintf(&text, "main.hcl:%d,%d-%d: %s: %s\n", d.Subject.Start.Line, d.Subject.Start.Column, d.Subject.End.Column, d.Summary, d.Detail)
			}
			sort.Strings(want)
			sort.Strings(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\n%s", diff, text.String())
			}
			golden := strings.TrimSuffix(path, ".hcl") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(text.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			wantText, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(wantText), text.String()); diff != "" {
				t.Errorf("%s (-want +got):\n%s", golden, diff)
			}
		})
	}
}
