package eaccountingtest

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "update golden files")

// TestDemoCompanyGolden pins the demo company's reference data, as the API
// serves it, in testdata/demo/*.json (regenerate with -update). With a fixed
// clock and stable IDs the answers are the same in every run.
func TestDemoCompanyGolden(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	_, a := setup(t, Options{Clock: clock.now})
	for _, path := range []string{
		"/v2/companysettings", "/v2/vatcodes", "/v2/termsofpayments", "/v2/units", "/v2/articleaccountcodings",
		"/v2/fiscalyears", "/v2/accounts/" + demoID("fiscalyears", "2026"), "/v2/deliverymethods", "/v2/deliveryterms",
		"/v2/costcenters", "/v2/projects", "/v2/customerlabels", "/v2/articlelabels", "/v2/countries", "/v2/currencies",
		"/v2/bankaccounts",
	} {
		name := strings.TrimPrefix(path, "/v2/")
		name, _, _ = strings.Cut(name, "/")
		t.Run(name, func(t *testing.T) {
			status, raw := a.on(t).doRaw("GET", path+"?$pagesize=1000", nil)
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d %s", path, status, raw)
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(v, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			file := filepath.Join("testdata", "demo", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("GET %s differs from %s (-want +got):\n%s", path, file, cmp.Diff(string(want), string(got)))
			}
		})
	}
}
