package scenario

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

// TestFlowUnitTests runs the flow unit tests of the library (flows/*.test.hcl)
// as `kopla test` does, in the example project: each test block is a
// subtest. The HubSpot custom properties are discovered first, as kopla
// init does, since the flows write some of them.
func TestFlowUnitTests(t *testing.T) {
	w := newWorld(t)
	cfg, diags := dsl.Load(w.dir, dsl.Options{LookupEnv: w.sb.LookupEnv})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diagText(diags))
	}
	tests, diags := dsl.LoadTests(cfg)
	if diags.HasErrors() {
		t.Fatalf("load tests: %s", diagText(diags))
	}
	perFile := map[string]int{}
	for _, ft := range tests {
		perFile[ft.DeclRange.Filename]++
	}
	for _, name := range []string{"customers", "customers_from_eaccounting", "deals", "invoices", "orders", "products", "stock", "writeback"} {
		if !hasSuffixKey(perFile, "/flows/"+name+dsl.TestFileSuffix) {
			t.Errorf("flows/%s.hcl has no tests", name)
		}
	}
	projects := map[string]*engine.Project{}
	compile := func(vars map[string]any) *engine.Project {
		b, err := json.Marshal(vars)
		if err != nil {
			t.Fatal(err)
		}
		key := string(b)
		if p := projects[key]; p != nil {
			return p
		}
		with := *cfg
		with.Vars = maps.Clone(cfg.Vars)
		maps.Copy(with.Vars, vars)
		eng := engine.New(engine.Options{Registry: w.reg, ConnectionConfig: w.connectionConfig, LookupEnv: w.sb.LookupEnv})
		p, diags := eng.Compile(&with)
		if diags.HasErrors() {
			t.Fatalf("compile with %v: %s", vars, diagText(diags))
		}
		t.Cleanup(func() { _ = p.Close() })
		projects[key] = p
		return p
	}
	for _, ft := range tests {
		t.Run(ft.Name, func(t *testing.T) {
			c := engine.Case{Flow: ft.Flow, Source: ft.Source, Target: ft.Target, Ensured: ft.Ensured}
			if c.Source == nil {
				c.Source = map[string]any{}
			}
			for _, f := range ft.Finds {
				c.Finds = append(c.Finds, engine.FindStub{Object: f.Object.String(), Field: f.Field, Value: f.Value, AnyValue: f.AnyValue, Record: f.Record})
			}
			res, err := compile(ft.Vars).RunCase(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			want := engine.Expectation{Action: plan.Action(ft.Expect.Action), Fields: ft.Expect.Fields, Field: ft.Expect.Field, Error: ft.Expect.Error}
			for _, p := range res.Problems(want) {
				t.Errorf("%s:%d: %s", ft.DeclRange.Filename, ft.DeclRange.Start.Line, p)
			}
		})
	}
}

func hasSuffixKey(m map[string]int, suffix string) bool {
	for k, n := range m {
		if strings.HasSuffix(k, suffix) && n > 0 {
			return true
		}
	}
	return false
}
