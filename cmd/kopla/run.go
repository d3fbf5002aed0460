package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/pgshare"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/sandbox"
)

// deps is everything kopla takes from its surroundings, so that tests run
// it with their own connectors, clock and streams.
type deps struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// registry builds the connector registry (once per run).
	registry func() (*connectors.Registry, error)
	// now is the clock; nil means time.Now.
	now func() time.Time
	// lookupEnv reads the environment (KOPLA_LOG, NO_COLOR, KOPLA_VAR_*,
	// env() in connection blocks); nil means os.LookupEnv.
	lookupEnv func(string) (string, bool)
	// isTerminal tells whether a stream (stdin, stdout) is a terminal; nil
	// means never.
	isTerminal func(stream any) bool
	version    string
	// httpClient is handed to connectors; nil lets each build its own.
	httpClient *http.Client
}

// Exit codes.
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // plan -detailed-exitcode
	exitFormat  = 3 // fmt -check
)

// uiVersion is the version of the JSON lines UI (plan -json, apply -json).
const uiVersion = "1.0"

// cli is one invocation of kopla.
type cli struct {
	deps
	global *globalArgs
	log    *slog.Logger
	// offline commands (validate, test) touch no system, so they need no
	// credentials: environment variables they do not find (but kopla's own,
	// KOPLA_*) read as placeholders instead of failing the connection
	// blocks.
	offline bool
	// sb is the sandbox of a -sandbox run, and sandboxDir the temporary
	// directory of its state and connector files.
	sb         *sandbox.Sandbox
	sandboxDir string
	// shared holds the rate budgets and tokens of serve's workers on a
	// Postgres queue (nil: this process is alone).
	shared *pgshare.Store
}

// projectEnv is how the project's files read the environment (env()).
func (c *cli) projectEnv(name string) (string, bool) {
	if c.sb != nil {
		return c.sb.LookupEnv(name)
	}
	if v, ok := c.lookupEnv(name); ok || !c.offline || strings.HasPrefix(name, "KOPLA_") {
		return v, ok
	}
	return "offline-placeholder-" + name, true
}

type command struct {
	name    string
	summary string
	usage   string // synopsis and description, before the options
	run     func(c *cli, ctx context.Context, args []string) int
}

// commands in the order the usage lists them.
func commands() []command {
	return []command{
		{"validate", "Check that the flow files are valid", validateUsage, (*cli).validate},
		{"plan", "Show what would change in the target systems", planUsage, (*cli).plan},
		{"apply", "Make the changes of a plan", applyUsage, (*cli).apply},
		{"show", "Show a saved plan", showUsage, (*cli).show},
		{"verify", "Reconcile the documents booked with their expected totals", verifyUsage, (*cli).verify},
		{"fmt", "Rewrite the flow files in canonical layout", fmtUsage, (*cli).fmt},
		{"test", "Run the flow unit tests (*.test.hcl)", testUsage, (*cli).test},
		{"sandbox", "Run local HubSpot and eAccounting fakes with demo data", sandboxUsage, (*cli).sandbox},
		{"new", "Create a project from the flow library, guided", newUsage, (*cli).newProject},
		{"init", "Discover what the connections offer and cache it", initUsage, (*cli).init},
		{"schema", "Show the objects and fields of the connections", schemaUsage, (*cli).schema},
		{"console", "Evaluate expressions against the connections", consoleUsage, (*cli).console},
		{"login", "Sign in to a connection (OAuth)", loginUsage, (*cli).login},
		{"state", "Inspect the state: list, show, unlock", stateUsage, (*cli).state},
		{"log", "Show the activity log", logUsage, (*cli).activityLog},
		{"trace", "Show one record's story across every flow", traceUsage, (*cli).trace},
		{"forget", "Erase a person's data from the state (GDPR)", forgetUsage, (*cli).forget},
		{"runs", "Show recent runs", runsUsage, (*cli).runs},
		{"serve", "Run the project continuously: schedules, webhooks, polling", serveUsage, (*cli).serve},
		{"retry", "Retry the records that failed in a run", retryUsage, (*cli).retry},
		{"ui", "Serve the dashboard of a project", uiUsage, (*cli).ui},
		{"version", "Show the version", "Usage: kopla version\n\n  Print the version of kopla.\n", (*cli).printVersion},
	}
}

func runWith(ctx context.Context, d deps, args []string) int {
	if d.now == nil {
		d.now = time.Now
	}
	if d.lookupEnv == nil {
		d.lookupEnv = os.LookupEnv
	}
	if d.isTerminal == nil {
		d.isTerminal = func(any) bool { return false }
	}
	if d.version == "" {
		d.version = "dev"
	}
	if d.stdin == nil {
		d.stdin = strings.NewReader("")
	}
	c := &cli{deps: d, log: newLogger(d.stderr, d.lookupEnv)}

	g, name, rest, help, version, err := parseGlobal(args)
	c.global = g
	switch {
	case err != nil:
		return c.usageFailed(err, nil)
	case version:
		return c.printVersion(ctx, nil)
	case help:
		c.mainUsage(c.stdout)
		return exitOK
	}
	if name == "help" {
		if len(rest) == 0 {
			c.mainUsage(c.stdout)
			return exitOK
		}
		name, rest = rest[0], []string{"-help"}
	}
	for _, cmd := range commands() {
		if cmd.name == name {
			return cmd.run(c, ctx, rest)
		}
	}
	msg := fmt.Sprintf("unknown command %q", name)
	var names []string
	for _, cmd := range commands() {
		names = append(names, cmd.name)
	}
	if s := connectors.Suggest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return c.usageFailed(usagef("", "%s", msg), nil)
}

// newLogger logs to stderr at the level of KOPLA_LOG (debug, info, warn,
// error; warn by default).
func newLogger(w io.Writer, lookupEnv func(string) (string, bool)) *slog.Logger {
	if w == nil {
		return slog.New(slog.DiscardHandler)
	}
	level := slog.LevelWarn
	if v, ok := lookupEnv("KOPLA_LOG"); ok {
		var l slog.Level
		if err := l.UnmarshalText([]byte(strings.TrimSpace(v))); err == nil {
			level = l
		}
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func (c *cli) printVersion(_ context.Context, args []string) int {
	if len(args) > 0 {
		if args[0] == "-help" || args[0] == "--help" || args[0] == "-h" {
			fmt.Fprint(c.stdout, "Usage: kopla version\n\n  Print the version of kopla.\n")
			return exitOK
		}
		return c.usageFailed(usagef("version", "unexpected argument %q", args[0]), nil)
	}
	fmt.Fprintf(c.stdout, "kopla %s\n", c.version)
	return exitOK
}

const mainUsageHead = `Usage: kopla [global options] <command> [options]

kopla validates, plans and applies integrations written as HCL flow files.

Commands:
`

func (c *cli) mainUsage(w io.Writer) {
	fmt.Fprint(w, mainUsageHead)
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-9s  %s\n", cmd.name, cmd.summary)
	}
	fmt.Fprint(w, "\nGlobal options (before or after the command):\n")
	f := newFlagSet("")
	f.globals(&globalArgs{})
	f.fs.Bool("version", false, "Print the version.")
	f.usage(w)
	fmt.Fprint(w, "\nRun kopla <command> -help for the options of a command.\n")
}

// commandUsage prints the usage of a command with the options of f.
func (c *cli) commandUsage(w io.Writer, f *flagSet) {
	for _, cmd := range commands() {
		if cmd.name == f.cmd || strings.HasPrefix(f.cmd, cmd.name+" ") {
			fmt.Fprint(w, cmd.usage)
			break
		}
	}
	fmt.Fprint(w, "\nOptions:\n")
	f.usage(w)
}

// parsed handles what a parse function returned: on -help it prints the
// usage, on a bad command line the error and the usage. It returns false
// when the command must stop, with the exit code.
func (c *cli) parsed(f *flagSet, g *globalArgs, err error) (int, bool) {
	c.global.merge(g)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, errHelp):
		c.commandUsage(c.stdout, f)
		return exitOK, false
	}
	return c.usageFailed(err, f), false
}

// usageFailed reports a bad command line on stderr, with the usage.
func (c *cli) usageFailed(err error, f *flagSet) int {
	fmt.Fprintf(c.stderr, "Error: %s\n\n", err)
	if f != nil {
		c.commandUsage(c.stderr, f)
	} else {
		c.mainUsage(c.stderr)
	}
	return exitError
}

// color reports whether human output uses colour.
func (c *cli) color() bool {
	if c.global.noColor {
		return false
	}
	if _, ok := c.lookupEnv("NO_COLOR"); ok {
		return false
	}
	return c.isTerminal(c.stdout)
}

// dir is the project directory.
func (c *cli) dir() string {
	if c.global.chdir != "" {
		return c.global.chdir
	}
	return "."
}

// load reads the project files.
func (c *cli) load() (*dsl.Config, hcl.Diagnostics) {
	vars, err := c.global.varMap()
	if err != nil {
		return &dsl.Config{}, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid -var option", Detail: engine.Sentence(err.Error())}}
	}
	var files []string
	for _, f := range c.global.varFiles {
		// Like the project's files, -var-file paths are relative to the
		// project directory (-chdir).
		if !filepath.IsAbs(f) {
			f = filepath.Join(c.dir(), f)
		}
		files = append(files, f)
	}
	cfg, diags := dsl.Load(c.dir(), dsl.Options{Vars: vars, VarFiles: files, LookupEnv: c.projectEnv})
	// KOPLA_STATE names the state instead of the kopla block: a Postgres
	// URL with its password stays out of the project's files.
	if v, ok := c.lookupEnv("KOPLA_STATE"); ok && v != "" && cfg.Settings != nil {
		cfg.Settings.State = v
	}
	c.log.Debug("project loaded", "dir", c.dir(), "files", len(cfg.Files), "flows", len(cfg.Flows), "diagnostics", len(diags))
	return cfg, diags
}

// compile loads and compiles the project. The project is nil when the
// diagnostics hold errors; cfg is always set (for rendering diagnostics).
//
// A project with errors in its files is compiled too, so that one run
// reports every problem; what the compiler says about a line the loader
// already found wrong is left out, as it follows from that error.
func (c *cli) compile() (*engine.Project, *dsl.Config, hcl.Diagnostics) {
	cfg, diags := c.load()
	if cfg == nil || cfg.Settings == nil {
		return nil, cfg, diags
	}
	reg, err := c.registry()
	if err != nil {
		return nil, cfg, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot set up connectors", Detail: engine.Sentence(err.Error())})
	}
	opts := c.engineOptions(reg)
	if c.sb != nil {
		opts.ConnectionConfig = c.sb.ConnectionConfig
		opts.StateDir = c.sandboxDir
	}
	eng := engine.New(opts)
	p, cdiags := eng.Compile(cfg)
	if diags.HasErrors() {
		if p != nil {
			p.Close()
		}
		return nil, cfg, append(diags, besideErrors(cdiags, diags)...)
	}
	return p, cfg, append(diags, cdiags...)
}

// besideErrors keeps the diagnostics that are not on a line of an error
// in known.
func besideErrors(diags, known hcl.Diagnostics) hcl.Diagnostics {
	type line struct {
		file string
		n    int
	}
	taken := map[line]bool{}
	for _, d := range known {
		if d.Severity == hcl.DiagError && d.Subject != nil {
			taken[line{d.Subject.Filename, d.Subject.Start.Line}] = true
		}
	}
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Subject == nil || !taken[line{d.Subject.Filename, d.Subject.Start.Line}] {
			out = append(out, d)
		}
	}
	return out
}

// statePath is where the project's state lives: the kopla block's state
// setting (or KOPLA_STATE, see load), else the default file. A Postgres
// URL is used as it is.
func statePath(cfg *dsl.Config) string {
	p := cfg.Settings.State
	if p == "" {
		p = state.DefaultPath
	}
	if state.IsURL(p) {
		return p
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(cfg.Dir, p)
	}
	return p
}

// openState opens the project's state. With mustExist, a missing state file
// is not created: the store is nil (nothing has been applied yet).
func (c *cli) openState(ctx context.Context, cfg *dsl.Config, mustExist bool) (*state.Store, hcl.Diagnostics) {
	path := statePath(cfg)
	if c.sb != nil {
		path = filepath.Join(c.sandboxDir, "state.db")
	}
	if mustExist {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !state.IsURL(path) {
			return nil, nil
		}
		if state.IsURL(path) {
			// A schema without a state stays without one.
			probe, err := state.OpenReadOnly(ctx, path)
			if errors.Is(err, state.ErrNoState) {
				return nil, nil
			}
			if err == nil {
				probe.Close()
			}
		}
	}
	st, err := state.Open(ctx, path, state.WithClock(c.now))
	c.log.Debug("state opened", "path", state.Redact(path), "error", err)
	if err != nil {
		return nil, stateOpenFailed(cfg, path, err)
	}
	return st, nil
}

// openStateReadOnly opens the project's state for a command that only
// reads it (plan): it works in a read-only directory. A missing state file
// is a nil store; a state of an older schema is opened read-write, once,
// to migrate it.
func (c *cli) openStateReadOnly(ctx context.Context, cfg *dsl.Config) (*state.Store, hcl.Diagnostics) {
	path := statePath(cfg)
	if c.sb != nil {
		path = filepath.Join(c.sandboxDir, "state.db")
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && !state.IsURL(path) {
		return nil, nil
	}
	st, err := state.OpenReadOnly(ctx, path, state.WithClock(c.now))
	c.log.Debug("state opened read-only", "path", state.Redact(path), "error", err)
	if errors.Is(err, state.ErrNoState) {
		return nil, nil
	}
	if errors.Is(err, state.ErrSchemaOutdated) {
		return c.openState(ctx, cfg, true)
	}
	if err != nil {
		return nil, stateOpenFailed(cfg, path, err)
	}
	return st, nil
}

// stateOpenFailed is the diagnostic of a state that cannot be opened.
func stateOpenFailed(cfg *dsl.Config, path string, err error) hcl.Diagnostics {
	detail := fmt.Sprintf("The state %s cannot be opened: %s.", state.Redact(path), err)
	var oe *state.OpenError
	if errors.As(err, &oe) {
		// It says what is wrong and what to do, naming the file.
		detail = engine.Sentence(strings.TrimPrefix(err.Error(), "state: "))
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Cannot open state",
		Detail:   detail,
		Subject:  settingsRange(cfg),
	}}
}

func settingsRange(cfg *dsl.Config) *hcl.Range {
	if cfg.Settings != nil && cfg.Settings.DeclRange.Filename != "" {
		return cfg.Settings.DeclRange.Ptr()
	}
	return nil
}
