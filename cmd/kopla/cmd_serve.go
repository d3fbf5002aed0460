package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kopla-dev/kopla/dashboard"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/notify"
	"github.com/kopla-dev/kopla/serve"
)

const serveUsage = `Usage: kopla [global options] serve [options]

  Run the project continuously until SIGTERM or SIGINT: each flow runs on
  its schedule (schedule = "every 5m" or a cron expression, in the flow or
  the kopla block), on the changes HubSpot's webhooks report at
  POST /hooks/hubspot (for those records only), on what polling finds in
  sources that do not push changes (eAccounting), and once a night in
  full. Records that failed for a passing cause (429, 5xx, a timeout, a
  parent that failed) are retried with backoff.

  Runs are recorded as kopla apply records them (kopla runs, kopla log),
  each under the state lock: a kopla apply meanwhile waits for it
  (-lock-timeout) or fails at once, saying who holds it.

  HTTP: /hooks/hubspot, /healthz, /readyz, /metrics (Prometheus), and
  POST /api/retry (a retry of a run's failed records, as kopla retry). The
  webhook needs the HubSpot app's client secret in
  KOPLA_HUBSPOT_CLIENT_SECRET; without it HubSpot sources are polled.

  The project's notify blocks send their notifications (one message when
  a rule begins to fail for a flow, one when it recovers); serve does not
  start when one of them cannot be read.

  On SIGTERM the run in progress goes on for -grace, then stops after its
  batch in flight, which is saved; what it did not do is done after the
  restart. docs/serve.md explains how to run it as a service.
`

type serveArgs struct {
	globalArgs
	listen       string
	publicURL    string
	sandbox      bool
	logFormat    string
	lockTimeout  time.Duration
	grace        time.Duration
	pollInterval time.Duration
	noReconcile  bool
	flows        []string
	queue        string
	workerTO     time.Duration
}

func parseServe(args []string) (*serveArgs, *flagSet, error) {
	a := &serveArgs{}
	f := newFlagSet("serve")
	f.fs.StringVar(&a.listen, "listen", serve.DefaultListen, "Listen for HTTP on `ADDR` (host:port); the default is loopback only.")
	f.fs.StringVar(&a.publicURL, "public-url", "", "The base `URL` HubSpot calls (https://kopla.example.com) when a proxy is in front: its signatures cover that URL.")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, "Run against local HubSpot and eAccounting fakes started in this process (printed with their credentials), with a state of its own.")
	f.fs.StringVar(&a.logFormat, "log-format", "text", "Log as `FORMAT`: text or json (one JSON object a line, for log collectors).")
	f.fs.DurationVar(&a.lockTimeout, "lock-timeout", time.Minute, "Wait up to `DURATION` for the state lock a kopla apply holds before a run is retried later.")
	f.fs.DurationVar(&a.grace, "grace", 30*time.Second, "On SIGTERM, let the run in progress go on for `DURATION` before it stops after its batch in flight.")
	f.fs.DurationVar(&a.pollInterval, "poll-interval", time.Minute, "Poll the sources that do not push changes every `DURATION` when idle (every 10s for 10 minutes after changes; never above 2% of an endpoint's quota).")
	f.fs.StringArrayVar(&a.flows, "flow", nil, "Run only the flow `NAME` (and the flows it ensures); repeatable.")
	f.fs.StringVar(&a.queue, "queue", "", "Keep the job queue in the Postgres database `URL` (postgres://...?schema=NAME) instead of serve.db beside the state: several kopla serve processes on it share the work, the API rate budgets and the OAuth tokens (KOPLA_QUEUE).")
	f.fs.DurationVar(&a.workerTO, "worker-timeout", 30*time.Second, "With -queue: take a worker whose heartbeat is older than `DURATION` for dead and run what it left running on another.")
	f.fs.BoolVar(&a.noReconcile, "no-reconcile", false, "Leave out the nightly full run of each flow (03:00 UTC).")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	if err != nil {
		return a, f, err
	}
	switch {
	case a.logFormat != "text" && a.logFormat != "json":
		return a, f, usagef(f.cmd, "-log-format must be text or json, not %q", a.logFormat)
	case a.lockTimeout < 0 || a.grace < 0 || a.workerTO < 0:
		return a, f, usagef(f.cmd, "-lock-timeout, -grace and -worker-timeout must not be negative")
	case a.pollInterval < 5*time.Second:
		return a, f, usagef(f.cmd, "-poll-interval must be at least 5s (2%% of eAccounting's 600 requests a minute per endpoint)")
	}
	return a, f, nil
}

// serveLogger logs at the level of KOPLA_LOG (info by default: serve runs
// unattended and its log is its record), as text or JSON.
func serveLogger(w io.Writer, format string, lookupEnv func(string) (string, bool)) *slog.Logger {
	level := slog.LevelInfo
	if v, ok := lookupEnv("KOPLA_LOG"); ok {
		var l slog.Level
		if err := l.UnmarshalText([]byte(strings.TrimSpace(v))); err == nil {
			level = l
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (c *cli) serve(ctx context.Context, args []string) int {
	a, f, err := parseServe(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	c.log = serveLogger(c.stderr, a.logFormat, c.lookupEnv)
	secret, _ := c.lookupEnv("KOPLA_HUBSPOT_CLIENT_SECRET")
	if a.sandbox {
		stop, ok := c.startSandbox(ctx)
		if !ok {
			return exitError
		}
		defer stop()
		if secret == "" {
			b := make([]byte, 16)
			rand.Read(b)
			secret = "sandbox-" + hex.EncodeToString(b)
		}
		c.printServeSandbox(secret)
	}
	if !a.sandbox {
		a.queue = c.sharedURL(a.queue)
	}
	if a.queue != "" && !isPostgresURL(a.queue) {
		fmt.Fprintln(c.stderr, "Error: -queue (or KOPLA_QUEUE) must be a Postgres URL such as postgres://kopla@db.example.com/kopla?schema=shop; without it the queue is serve.db beside the state.")
		return exitError
	}
	if a.queue != "" {
		closeShared, err := c.useShared(ctx, a.queue)
		if err != nil {
			fmt.Fprintf(c.stderr, "Error: %s\n", engine.Sentence(err.Error()))
			return exitError
		}
		defer closeShared()
	}
	// The connectors' requests are counted per rate budget for /metrics.
	metrics := prometheus.NewRegistry()
	if c.httpClient == nil {
		c.httpClient = serve.NewAPIMetrics(metrics).Client()
	}
	hv := &humanPlan{w: c.stdout, style: style{c.color()}}
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		hv.Diagnostics(diags, cfg.Files)
		return exitError
	}
	defer p.Close()
	st, sdiags := c.openState(ctx, cfg, false)
	if sdiags.HasErrors() {
		hv.Diagnostics(append(diags, sdiags...), cfg.Files)
		return exitError
	}
	defer st.Close()
	if len(diags) > 0 {
		hv.Diagnostics(diags, cfg.Files) // warnings
	}
	notifier, ok := c.serveNotifier(cfg, p, st, secret, hv)
	if !ok {
		return exitError
	}
	queue := filepath.Join(filepath.Dir(statePath(cfg)), "serve.db")
	poll := serve.PollOptions{Interval: a.pollInterval}
	if c.sb != nil {
		queue = filepath.Join(c.sandboxDir, "serve.db")
		// The HubSpot fake sends no webhooks: it is polled, often, so that
		// an order created in it shows up in eAccounting within seconds.
		if !f.fs.Changed("poll-interval") {
			poll.Interval = 10 * time.Second
		}
	}
	endpoints := "webhook: POST /hooks/hubspot; /healthz, /readyz, /metrics"
	srv, err := serve.New(ctx, serve.Options{
		Project: p, State: st, Flows: a.flows, QueuePath: queue, QueueURL: a.queue, WorkerTimeout: a.workerTO, Listen: a.listen, PublicURL: a.publicURL,
		Logger: c.log, Metrics: metrics, HubSpotSecret: secret, LockTimeout: a.lockTimeout, Grace: a.grace,
		Poll: poll, PollHubSpot: c.sb != nil, NoReconcile: a.noReconcile, Now: c.now,
		Notifier: notifier, NotifyEvery: notifyEvery(c.lookupEnv),
		Listening: func(addr string) {
			fmt.Fprintf(c.stdout, "kopla serve is running on http://%s (%s)\n", addr, endpoints)
		},
	})
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: %s\n", engine.Sentence(err.Error()))
		return exitError
	}
	defer srv.Close()
	mounted, ok := c.mountDashboard(srv, p, cfg, st, a.listen)
	if !ok {
		return exitError
	}
	if mounted {
		endpoints = "dashboard: /; " + endpoints
	}
	if err := srv.Run(ctx); err != nil {
		fmt.Fprintf(c.stderr, "Error: %s\n", engine.Sentence(err.Error()))
		return exitError
	}
	fmt.Fprintln(c.stdout, "kopla serve stopped.")
	return exitOK
}

// serveNotifier builds the notifier of the project's notify blocks (nil
// when it has none). A block that cannot be decoded (an unset environment
// variable) stops serve from starting: it would fail silently otherwise.
func (c *cli) serveNotifier(cfg *dsl.Config, p *engine.Project, st *state.Store, hubspotSecret string, hv *humanPlan) (serve.Notifier, bool) {
	blocks, diags := notify.Blocks(cfg, c.projectEnv)
	if diags.HasErrors() {
		hv.Diagnostics(diags, cfg.Files)
		return nil, false
	}
	if len(blocks) == 0 {
		return nil, true
	}
	// Messages are read elsewhere: their commands name the project.
	command := "kopla"
	if abs, err := filepath.Abs(cfg.Dir); err == nil {
		command = "kopla -chdir " + abs
	}
	secrets := p.SecretValues()
	if hubspotSecret != "" {
		secrets = append(secrets, hubspotSecret)
	}
	n, err := notify.New(blocks, notify.Options{
		Project: filepath.Base(cfg.Dir), Flows: p.FlowNames(), Store: st, Logger: c.log.With("component", "notify"),
		Secrets: secrets, Command: command, Now: c.now,
	})
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: %s\n", engine.Sentence(err.Error()))
		return nil, false
	}
	return n, true
}

// notifyEvery is how often serve checks the notifications: a minute, or
// KOPLA_NOTIFY_EVERY (tests check faster).
func notifyEvery(lookupEnv func(string) (string, bool)) time.Duration {
	if v, ok := lookupEnv("KOPLA_NOTIFY_EVERY"); ok {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return time.Minute
}

// printServeSandbox prints where the fakes of serve -sandbox listen and
// their credentials, with the webhook secret to sign test events with.
func (c *cli) printServeSandbox(secret string) {
	sb := c.sb
	fmt.Fprintf(c.stdout, "Sandbox: HubSpot %s, eAccounting %s (identity server %s)\n", sb.HubSpotURL(), sb.EAccountingURL(), sb.IdentityURL())
	for _, cr := range sb.Credentials() {
		fmt.Fprintf(c.stdout, "  %s %s = %q\n", cr.Kind, cr.Setting, cr.Value)
	}
	fmt.Fprintf(c.stdout, "  webhook client secret (KOPLA_HUBSPOT_CLIENT_SECRET) = %q\n", secret)
	fmt.Fprintln(c.stdout, "These are the fakes' own test credentials, not secrets of any real account.")
}

// mountDashboard serves the dashboard under / on serve's listener, its
// retries queued by serve. Beyond loopback it needs a credential (ui_token
// or ui_password_hash); without one serve still takes webhooks there, and
// says that it leaves the dashboard out.
func (c *cli) mountDashboard(srv *serve.Server, p *engine.Project, cfg *dsl.Config, st *state.Store, listen string) (mounted, ok bool) {
	auth := dashboard.Auth{Token: string(cfg.Settings.UIToken), PasswordHash: cfg.Settings.UIPasswordHash}
	if err := checkListen(listen, auth.Configured()); err != nil {
		fmt.Fprintf(c.stderr, "Warning: the dashboard is not served: %s\n", engine.Sentence(err.Error()))
		return false, true
	}
	h, err := dashboard.New(dashboard.Options{
		Store:     st,
		Project:   dashboardProject(cfg),
		Retrier:   srv,
		Auth:      auth,
		Logger:    c.log,
		Now:       c.now,
		RecordURL: p.RecordURL,
	})
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: cannot start the dashboard: %s\n", engine.Sentence(err.Error()))
		return false, false
	}
	srv.Mount(h)
	return true, true
}
