package scenario

import (
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/sandbox"
)

// world is the sandbox and the example project copied into a temporary
// directory, its HubSpot custom properties discovered as kopla init does.
type world struct {
	t   testing.TB
	sb  *sandbox.Sandbox
	dir string // the project directory (a copy of examples/webshop)
	st  *state.Store
	reg *connectors.Registry
	// vars are -var overrides of the library's settings.
	vars map[string]string
	// httpClient, when set, is the connectors' HTTP client.
	httpClient *http.Client
	// eaRate, when set, is the eAccounting client's rate limit (requests
	// per minute per endpoint), instead of one far above the fake's.
	eaRate int64
}

// fastLimits keeps the fakes' limits far above what a test sends, so that
// tests never wait for a rate-limit window.
var fastLimits = sandbox.Limits{
	HubSpot:                hubspottest.Limits{Burst: 100000, Search: 100000},
	EAccountingPerEndpoint: 100000,
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldOf(t, sandbox.Options{Limits: fastLimits})
}

// newWorldOf is newWorld on a sandbox started with opts.
func newWorldOf(t testing.TB, opts sandbox.Options) *world {
	t.Helper()
	sb := sandbox.NewTest(t, opts)
	root := t.TempDir()
	copyDir(t, filepath.Join("..", "flows"), filepath.Join(root, "flows"))
	dir := filepath.Join(root, "examples", "webshop")
	copyDir(t, filepath.Join("..", "examples", "webshop"), dir)

	w := &world{t: t, sb: sb, dir: dir, reg: newRegistry(t), vars: map[string]string{}}
	w.discover()
	st, err := state.Open(t.Context(), filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	w.st = st
	return w
}

// newRegistry registers the two connectors of the integration.
func newRegistry(t testing.TB) *connectors.Registry {
	t.Helper()
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{hubspot.New(), eaccounting.New()} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	return reg
}

// discover reads the HubSpot account's properties into the project's
// .kopla directory, as kopla init does.
func (w *world) discover() {
	w.t.Helper()
	decl := &dsl.Connection{Kind: "hubspot", Name: "shop"}
	cfg := w.sb.ConnectionConfig(decl, connectors.Config{})
	deps := connectors.Deps{Name: "shop", Dir: w.dir, StateDir: filepath.Join(w.dir, ".kopla")}
	conn, err := hubspot.New().New(w.t.Context(), cfg, deps)
	if err != nil {
		w.t.Fatal(err)
	}
	if err := conn.(connectors.Discoverer).Discover(w.t.Context()); err != nil {
		w.t.Fatal(err)
	}
	if c, ok := conn.(connectors.Closer); ok {
		_ = c.Close()
	}
}

// connectionConfig points connections at the sandbox, with the eAccounting
// client's own rate limit raised like the fake's.
func (w *world) connectionConfig(c *dsl.Connection, decoded connectors.Config) connectors.Config {
	cfg := w.sb.ConnectionConfig(c, decoded)
	if c.Kind == "eaccounting" {
		cfg["rate_limit"] = int64(1000000)
		if w.eaRate > 0 {
			cfg["rate_limit"] = w.eaRate
		}
	}
	return cfg
}

// project loads and compiles the example with the world's variables.
func (w *world) project() *engine.Project {
	w.t.Helper()
	cfg, diags := dsl.Load(w.dir, dsl.Options{Vars: w.vars, LookupEnv: w.sb.LookupEnv})
	if diags.HasErrors() {
		w.t.Fatalf("load: %s", diagText(diags))
	}
	eng := engine.New(engine.Options{Registry: w.reg, ConnectionConfig: w.connectionConfig, LookupEnv: w.sb.LookupEnv, HTTPClient: w.httpClient})
	p, diags := eng.Compile(cfg)
	if diags.HasErrors() {
		w.t.Fatalf("compile: %s", diagText(diags))
	}
	w.t.Cleanup(func() { _ = p.Close() })
	return p
}

// plan plans the project (only the named flows when given).
func (w *world) plan(flows ...string) (*engine.Project, *plan.Plan) {
	w.t.Helper()
	p := w.project()
	pl, diags := p.Plan(w.t.Context(), engine.PlanOptions{State: w.st, Flows: flows})
	if diags.HasErrors() {
		w.t.Fatalf("plan: %s", diagText(diags))
	}
	return p, pl
}

// apply plans and applies the project (only the named flows when given).
func (w *world) apply(flows ...string) (*plan.Plan, *engine.Result) {
	w.t.Helper()
	p, pl := w.plan(flows...)
	res, diags := p.Apply(w.t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test"})
	if diags.HasErrors() {
		w.t.Fatalf("apply: %s", diagText(diags))
	}
	return pl, res
}

// open opens a connector straight on a fake, to read what the flows did.
func (w *world) open(kind string) connectors.Connector {
	w.t.Helper()
	var f connectors.Factory
	switch kind {
	case "hubspot":
		f = hubspot.New()
	case "eaccounting":
		f = eaccounting.New()
	}
	// The project's connection name and state directory: the HubSpot
	// connector then knows the discovered custom properties.
	name := map[string]string{"hubspot": "shop", "eaccounting": "books"}[kind]
	decl := &dsl.Connection{Kind: kind, Name: name}
	cfg := w.connectionConfig(decl, connectors.Config{})
	deps := connectors.Deps{Name: name, Dir: w.dir, StateDir: filepath.Join(w.dir, ".kopla")}
	conn, err := f.New(w.t.Context(), cfg, deps)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		if c, ok := conn.(connectors.Closer); ok {
			_ = c.Close()
		}
	})
	return conn
}

// read returns every record of an object, by id.
func (w *world) read(kind, object string, include ...string) map[string]map[string]any {
	w.t.Helper()
	obj, err := w.open(kind).Object(object)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]map[string]any{}
	_, err = obj.(connectors.Reader).Read(w.t.Context(), connectors.ReadRequest{Include: include}, func(page []connectors.Record) error {
		for _, r := range page {
			out[r.ID] = r.Fields
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return out
}

// findBy returns the records of a read whose field equals value.
func findBy(recs map[string]map[string]any, field string, value any) []map[string]any {
	var out []map[string]any
	for _, id := range sortedKeys(recs) {
		if strings.EqualFold(str(recs[id][field]), str(value)) {
			out = append(out, recs[id])
		}
	}
	return out
}

// one returns the only record of a read whose field equals value.
func one(t *testing.T, recs map[string]map[string]any, field string, value any) map[string]any {
	t.Helper()
	m := findBy(recs, field, value)
	if len(m) != 1 {
		t.Fatalf("%d records have %s = %v; want 1", len(m), field, value)
	}
	return m[0]
}

// changes returns the planned changes of a flow by source key.
func changes(pl *plan.Plan, flow string) map[string]*plan.Change {
	out := map[string]*plan.Change{}
	if fp := pl.Flow(flow); fp != nil {
		for ch := range fp.Changes() {
			out[ch.SourceKey] = ch
		}
	}
	return out
}

// results returns the apply results of a flow by source key.
func results(res *engine.Result, flow string) map[string]*engine.RecordResult {
	out := map[string]*engine.RecordResult{}
	for _, fr := range res.Flows {
		if fr.Flow == flow {
			for _, r := range fr.Records {
				out[r.SourceKey] = r
			}
		}
	}
	return out
}

// after returns the planned value of a field of a change.
func after(ch *plan.Change, field string) any {
	if ch == nil {
		return nil
	}
	for _, f := range ch.Fields {
		if f.Name == field {
			return f.After
		}
	}
	return nil
}

// str formats a record value for comparisons: numbers without trailing
// zeros, nil as "".
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString("\n  ")
		if d.Subject != nil {
			b.WriteString(d.Subject.String() + ": ")
		}
		b.WriteString(d.Summary + ": " + d.Detail)
	}
	return b.String()
}

func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == ".kopla" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
