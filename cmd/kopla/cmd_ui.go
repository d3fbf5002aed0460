package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/kopla-dev/kopla/dashboard"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
)

const uiUsage = `Usage: kopla [global options] ui [options]

  Serve the dashboard of a project that is not served (kopla serve serves
  it on its own listener): its flows, runs, records and failures, in a
  browser. The state is read as it is; retry, ignore and forget take the
  state lock for their writes, and are refused while an apply holds it.

  The dashboard listens on loopback by default. Any other address needs a
  credential in the kopla block: ui_token (read it with env()) or
  ui_password_hash (bcrypt).
`

const defaultUIListen = "127.0.0.1:7420"

type uiArgs struct {
	globalArgs
	listen             string
	sandbox, badRecord bool
}

func parseUI(args []string) (*uiArgs, *flagSet, error) {
	a := &uiArgs{}
	f := newFlagSet("ui")
	f.fs.StringVar(&a.listen, "listen", defaultUIListen, "Listen on `host:port`; beyond loopback only with a credential in the project (ui_token or ui_password_hash).")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, "Start a sandbox, apply the project to it and serve the dashboard over its state: to try the dashboard on demo data.")
	f.fs.BoolVar(&a.badRecord, "sandbox-bad-record", false, "Like -sandbox, with the demo's deliberately bad record, to see a failure and retry it.")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

// ui serves the dashboard until ctx ends.
func (c *cli) ui(ctx context.Context, args []string) int {
	a, f, err := parseUI(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	sess, code := c.startUI(ctx, a)
	if sess == nil {
		return code
	}
	defer sess.close()
	ln, err := net.Listen("tcp", a.listen)
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: cannot listen on %s: %s\n", a.listen, err)
		return exitError
	}
	srv := &http.Server{Handler: sess.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Fprintf(c.stdout, "The kopla dashboard is at http://%s/ (Ctrl-C stops it)\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(c.stderr, "Error: %s\n", err)
		return exitError
	}
	return exitOK
}

// uiSession is what a running dashboard holds.
type uiSession struct {
	handler http.Handler
	project *engine.Project
	store   *state.Store
	close   func()
}

// startUI compiles the project, opens its state and builds the dashboard;
// with -sandbox it applies the project to a sandbox first. On failure it
// has reported why and returns the exit code.
func (c *cli) startUI(ctx context.Context, a *uiArgs) (*uiSession, int) {
	var stops []func()
	closeAll := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	fail := func(diags hcl.Diagnostics, cfg *dsl.Config) (*uiSession, int) {
		var files map[string]*hcl.File
		if cfg != nil {
			files = cfg.Files
		}
		(&humanPlan{w: c.stderr, style: style{c.color()}}).Diagnostics(diags, files)
		closeAll()
		return nil, exitError
	}
	if a.sandbox || a.badRecord {
		stop, ok := c.startDemoSandbox(ctx, a.badRecord)
		if !ok {
			return nil, exitError
		}
		stops = append(stops, stop)
	}
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		return fail(diags, cfg)
	}
	stops = append(stops, func() { p.Close() })
	auth := dashboard.Auth{Token: string(cfg.Settings.UIToken), PasswordHash: cfg.Settings.UIPasswordHash}
	if err := checkListen(a.listen, auth.Configured()); err != nil {
		return fail(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Dashboard not protected", Detail: err.Error(), Subject: settingsRange(cfg)}}, cfg)
	}
	st, sdiags := c.openState(ctx, cfg, false)
	if sdiags.HasErrors() {
		return fail(sdiags, cfg)
	}
	stops = append(stops, func() { st.Close() })
	rt := &uiRetrier{c: c, p: p, st: st}
	if a.sandbox || a.badRecord {
		if _, err := rt.apply(ctx, engine.PlanOptions{}); err != nil {
			return fail(engine.ErrorDiagnostic("Cannot apply the project to the sandbox", err), cfg)
		}
	}
	h, err := dashboard.New(dashboard.Options{
		Store:   st,
		Project: dashboardProject(cfg),
		Retrier: rt,
		Lock: func(ctx context.Context) (func() error, error) {
			lock, diags := engine.LockState(ctx, st, engine.LockOptions{Holder: "kopla ui"})
			if diags.HasErrors() {
				return nil, errors.New(diagText(diags))
			}
			return func() error {
				if d := lock.Unlock(); d.HasErrors() {
					return errors.New(diagText(d))
				}
				return nil
			}, nil
		},
		Auth:      auth,
		Logger:    c.log,
		Now:       c.now,
		RecordURL: p.RecordURL,
	})
	if err != nil {
		return fail(engine.ErrorDiagnostic("Cannot start the dashboard", err), cfg)
	}
	return &uiSession{handler: h, project: p, store: st, close: closeAll}, exitOK
}

// checkListen refuses an address beyond loopback without a credential:
// the dashboard shows what the integration read and sent.
func checkListen(addr string, credential bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q is not host:port: %w", addr, err)
	}
	if credential || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-listen %s is reachable beyond this machine, and the project sets no credential for the dashboard: add ui_token = env(\"KOPLA_UI_TOKEN\") or ui_password_hash to the kopla block, or listen on 127.0.0.1", addr)
}

func diagText(diags hcl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			parts = append(parts, strings.TrimSuffix(d.Summary+": "+d.Detail, "."))
		}
	}
	return strings.Join(parts, "; ")
}

// dashboardProject is what the dashboard shows of the configuration: no
// connection settings, no sensitive variable's value.
func dashboardProject(cfg *dsl.Config) dashboard.Project {
	var out dashboard.Project
	for _, name := range slices.Sorted(mapKeys(cfg.Flows)) {
		f := cfg.Flows[name]
		out.Flows = append(out.Flows, dashboard.Flow{
			Name:   name,
			Source: f.Source.ConnectionKey() + "." + f.Source.Object, Target: f.Target.ConnectionKey() + "." + f.Target.Object,
			Disabled: !f.Enabled, DisabledReason: f.DisabledReason,
		})
	}
	out.Connections = slices.Sorted(mapKeys(cfg.Connections))
	for _, name := range slices.Sorted(mapKeys(cfg.Variables)) {
		v := dashboard.Variable{Name: name, Sensitive: cfg.Variables[name].Sensitive}
		if !v.Sensitive {
			v.Value = displayValue(cfg.Vars[name])
		}
		out.Variables = append(out.Variables, v)
	}
	for _, name := range slices.Sorted(mapKeys(cfg.Notifies)) {
		n := cfg.Notifies[name]
		nt := dashboard.Notification{Name: name, Flows: n.Flows}
		for _, r := range n.Rules {
			nt.Rules = append(nt.Rules, r.Kind)
		}
		out.Notifications = append(out.Notifications, nt)
	}
	out.LogRetentionDays = cfg.Settings.LogRetentionDays
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func displayValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "(not set)"
	case string:
		return v
	case cty.Value:
		return v.GoString()
	}
	return fmt.Sprint(v)
}

// uiRetrier retries failed records: a plan of their flow restricted to
// their source ids (engine.PlanOptions.SourceIDs), applied under the state
// lock, one retry at a time.
type uiRetrier struct {
	c  *cli
	p  *engine.Project
	st *state.Store
	mu sync.Mutex
}

func (r *uiRetrier) RetryRecords(ctx context.Context, flow string, keys []string) (string, error) {
	if !slices.Contains(r.p.FlowNames(), flow) {
		return "", fmt.Errorf("the project has no flow %q", flow)
	}
	id, err := r.apply(ctx, engine.PlanOptions{Flows: []string{flow}, SourceIDs: map[string][]string{flow: keys}})
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(id, 10), nil
}

// apply plans and applies under the state lock and returns the run.
func (r *uiRetrier) apply(ctx context.Context, opts engine.PlanOptions) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	lock, diags := engine.LockState(ctx, r.st, engine.LockOptions{Holder: "kopla ui"})
	if diags.HasErrors() {
		return 0, errors.New(diagText(diags))
	}
	defer lock.Unlock()
	opts.State, opts.ForApply = r.st, true
	pl, diags := r.p.Plan(ctx, opts)
	if pl != nil {
		defer pl.Close()
	}
	if diags.HasErrors() || pl == nil {
		return 0, errors.New(diagText(diags))
	}
	res, diags := r.p.Apply(ctx, pl, engine.ApplyOptions{State: r.st, Holder: "kopla ui", Lock: lock})
	diags = append(diags, lock.Unlock()...)
	if res == nil {
		return 0, errors.New(diagText(diags))
	}
	r.c.log.Info("dashboard apply finished", "run", res.RunID)
	return res.RunID, nil
}
