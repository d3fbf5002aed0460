package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

// Argument parsing is pure: each command's parse function turns its
// arguments into a struct or a usageError, touching nothing else, so that it
// can be tested as a table.

// usageError is a bad command line: the message names what is wrong, and
// the command's usage follows it.
type usageError struct {
	cmd string // the command whose usage applies ("" for kopla itself)
	msg string
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) *usageError {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// errHelp asks for a command's usage (-help).
var errHelp = errors.New("help requested")

// globalArgs are the flags every project command takes, before or after
// the command name.
type globalArgs struct {
	chdir    string
	vars     []string // name=value, in order
	varFiles []string
	noColor  bool
}

// merge adds the flags given after the command to those given before it.
func (g *globalArgs) merge(o *globalArgs) {
	if o.chdir != "" {
		g.chdir = o.chdir
	}
	g.vars = append(g.vars, o.vars...)
	g.varFiles = append(g.varFiles, o.varFiles...)
	g.noColor = g.noColor || o.noColor
}

// varMap turns -var flags into the map dsl.Load takes; later flags win.
func (g *globalArgs) varMap() (map[string]string, error) {
	out := map[string]string{}
	for _, v := range g.vars {
		name, value, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("invalid -var %q: give it as -var name=value", v)
		}
		out[name] = value
	}
	return out, nil
}

// flagSet is one command's flags.
type flagSet struct {
	cmd  string
	fs   *pflag.FlagSet
	help bool
}

func newFlagSet(cmd string) *flagSet {
	fs := pflag.NewFlagSet(cmd, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	f := &flagSet{cmd: cmd, fs: fs}
	fs.BoolVar(&f.help, "help", false, "Show this help.")
	return f
}

// globals adds the global flags to a command's flags.
func (f *flagSet) globals(g *globalArgs) {
	f.fs.StringVar(&g.chdir, "chdir", "", "Use the project in `DIR` instead of the current directory.")
	f.fs.StringArrayVar(&g.vars, "var", nil, "Set a variable: `name=value` (repeatable).")
	f.fs.StringArrayVar(&g.varFiles, "var-file", nil, "Read variable values from `FILE` (repeatable).")
	f.fs.BoolVar(&g.noColor, "no-color", false, "Print without colour.")
}

// parse parses args, Terraform style: flags are written with one dash
// (-out FILE, -out=FILE, -auto-approve); two dashes are accepted too. pflag
// reads one dash as shorthands, so long flags are rewritten to two dashes
// first, with the value of a flag that takes one passed through untouched
// (-var x=-1). It returns the positional arguments.
func (f *flagSet) parse(args []string) ([]string, error) {
	norm := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			norm = append(norm, args[i:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			norm = append(norm, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if name == "h" {
			name = "help"
		}
		fl := f.fs.Lookup(name)
		if fl == nil {
			return nil, usagef(f.cmd, "unknown flag -%s", name)
		}
		switch {
		case hasValue:
			norm = append(norm, "--"+name+"="+value)
		case fl.NoOptDefVal != "": // a boolean: no value follows
			norm = append(norm, "--"+name)
		case i+1 < len(args):
			i++
			norm = append(norm, "--"+name+"="+args[i])
		default:
			return nil, usagef(f.cmd, "flag -%s needs a value", name)
		}
	}
	if err := f.fs.Parse(norm); err != nil {
		// pflag names flags with two dashes; kopla writes them with one.
		return nil, usagef(f.cmd, "%s", strings.ReplaceAll(err.Error(), `"--`, `"-`))
	}
	if f.help {
		return nil, errHelp
	}
	return f.fs.Args(), nil
}

// parseFlags parses a command that takes options only: any other argument
// is a usage error.
func (f *flagSet) parseFlags(args []string) error {
	rest, err := f.parse(args)
	if err == nil && len(rest) > 0 {
		err = usagef(f.cmd, "unexpected argument %q", rest[0])
	}
	return err
}

// usage lists the flags, one per line.
func (f *flagSet) usage(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	f.fs.VisitAll(func(fl *pflag.Flag) {
		name, usage := pflag.UnquoteUsage(fl)
		if fl.Value.Type() == "bool" {
			name = ""
		}
		arg := "-" + fl.Name
		if name != "" {
			arg += " " + name
		}
		fmt.Fprintf(tw, "  %s\t%s\n", arg, usage)
	})
	tw.Flush()
}

// Per-command arguments.

type validateArgs struct {
	globalArgs
	json bool
}

func parseValidate(args []string) (*validateArgs, *flagSet, error) {
	a := &validateArgs{}
	f := newFlagSet("validate")
	f.fs.BoolVar(&a.json, "json", false, "Print one JSON document (machine-readable).")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

type planArgs struct {
	globalArgs
	out              string
	json             bool
	detailedExitCode bool
	flows            []string
	incremental      bool // deprecated, ignored
	full             bool
	sandbox          bool
	badRecord        bool
	list             listing
	showSensitive    bool
}

func parsePlan(args []string) (*planArgs, *flagSet, error) {
	a := &planArgs{}
	f := newFlagSet("plan")
	f.fs.StringVar(&a.out, "out", "", "Save the plan to `FILE`, for kopla apply FILE.")
	f.fs.BoolVar(&a.json, "json", false, "Print JSON lines (machine-readable).")
	f.fs.BoolVar(&a.detailedExitCode, "detailed-exitcode", false, "Exit 0 when nothing changes, 1 on errors, 2 when there are changes.")
	f.fs.StringArrayVar(&a.flows, "flow", nil, "Plan only the flow `NAME` and the flows it ensures (repeatable).")
	f.fs.BoolVar(&a.full, "full", false, "Read every source in full, not from the cursors of the last apply (reads are incremental by default).")
	f.fs.BoolVar(&a.incremental, "incremental", false, "Deprecated and ignored: reads are incremental by default (see -full).")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, sandboxFlagUsage)
	f.fs.BoolVar(&a.badRecord, "sandbox-bad-record", false, sandboxBadRecordUsage)
	only := listFlags(f, &a.list)
	sensitiveFlag(f, &a.showSensitive)
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	if err == nil {
		a.list.only, err = f.parseOnly(*only)
	}
	return a, f, err
}

// listFlags adds -only and -show-skipped, which choose the records a plan
// lists; -only is parsed after the flags.
func listFlags(f *flagSet, l *listing) *string {
	only := f.fs.String("only", "", "List only the records of these `ACTIONS` (comma-separated: create, update, skip, error); the summaries count every record.")
	f.fs.BoolVar(&l.showSkipped, "show-skipped", false, "List the skipped records with their reasons (where false, exists, skip blocks).")
	return only
}

// sensitiveFlag adds -show-sensitive.
func sensitiveFlag(f *flagSet, show *bool) {
	f.fs.BoolVar(show, "show-sensitive", false, "Show the values of sensitive fields (personal data) also when the output is not a terminal, -json included.")
}

// parseOnly reads -only, with its errors as usage errors.
func (f *flagSet) parseOnly(s string) (map[plan.Action]bool, error) {
	only, err := parseOnly(s)
	if err != nil {
		return nil, usagef(f.cmd, "%s", err)
	}
	return only, nil
}

type applyArgs struct {
	globalArgs
	planFile      string
	autoApprove   bool
	json          bool
	flows         []string
	incremental   bool // deprecated, ignored
	full          bool
	sandbox       bool
	badRecord     bool
	lockTimeout   time.Duration
	showSensitive bool
	parallelism   int
}

func parseApply(args []string) (*applyArgs, *flagSet, error) {
	a := &applyArgs{}
	f := newFlagSet("apply")
	f.fs.BoolVar(&a.autoApprove, "auto-approve", false, "Apply without asking for approval.")
	f.fs.BoolVar(&a.json, "json", false, "Print JSON lines (machine-readable); needs -auto-approve or a plan file.")
	f.fs.StringArrayVar(&a.flows, "flow", nil, "Apply only the flow `NAME` and the flows it ensures (repeatable).")
	f.fs.BoolVar(&a.full, "full", false, "Read every source in full, not from the cursors of the last apply (reads are incremental by default).")
	f.fs.BoolVar(&a.incremental, "incremental", false, "Deprecated and ignored: reads are incremental by default (see -full).")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, sandboxFlagUsage)
	f.fs.BoolVar(&a.badRecord, "sandbox-bad-record", false, sandboxBadRecordUsage)
	sensitiveFlag(f, &a.showSensitive)
	f.fs.DurationVar(&a.lockTimeout, "lock-timeout", 0, "Wait up to `DURATION` (30s, 10m) for the state lock another apply holds; the default, 0s, fails at once.")
	f.fs.IntVar(&a.parallelism, "parallelism", engine.DefaultParallelism, "Write at most `N` batches at the same time, across all flows.")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	if err != nil {
		return a, f, err
	}
	switch {
	case a.parallelism < 1:
		return a, f, usagef(f.cmd, "-parallelism must be at least 1 (1 writes one batch at a time)")
	case a.lockTimeout < 0:
		return a, f, usagef(f.cmd, "-lock-timeout must not be negative (0s fails at once when the state is locked)")
	case len(rest) > 1:
		return a, f, usagef(f.cmd, "unexpected argument %q: apply takes at most one plan file", rest[1])
	case len(rest) == 1:
		a.planFile = rest[0]
		if len(a.flows) > 0 || a.incremental || a.full || a.sandbox {
			return a, f, usagef(f.cmd, "-flow, -full, -incremental and -sandbox cannot be used with a saved plan: the plan already says what to apply")
		}
	case a.json && !a.autoApprove:
		return a, f, usagef(f.cmd, "-json needs -auto-approve or a plan file: a JSON run cannot ask for approval")
	}
	return a, f, nil
}

type fmtArgs struct {
	globalArgs
	check bool
	diff  bool
	list  bool
}

func parseFmt(args []string) (*fmtArgs, *flagSet, error) {
	a := &fmtArgs{}
	f := newFlagSet("fmt")
	f.fs.BoolVar(&a.check, "check", false, "Write nothing; exit 3 when a file needs formatting.")
	f.fs.BoolVar(&a.diff, "diff", false, "Print the changes as a diff.")
	f.fs.BoolVar(&a.list, "list", true, "List the files that need formatting (-list=false to turn off).")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	if err == nil && len(rest) > 0 {
		err = usagef(f.cmd, "unexpected argument %q: fmt formats the project directory (use -chdir for another one)", rest[0])
	}
	return a, f, err
}

type stateListArgs struct {
	globalArgs
	flow string
}

func parseStateList(args []string) (*stateListArgs, *flagSet, error) {
	a := &stateListArgs{}
	f := newFlagSet("state list")
	f.fs.StringVar(&a.flow, "flow", "", "List only the links of flow `NAME`.")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

type stateShowArgs struct {
	globalArgs
	// flow is "" when the record is named by a key alone (key).
	flow, sourceKey string
	key             string
}

func parseStateShow(args []string) (*stateShowArgs, *flagSet, error) {
	a := &stateShowArgs{}
	f := newFlagSet("state show")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	switch {
	case err != nil:
	case len(rest) == 1 && strings.TrimSpace(rest[0]) != "":
		a.key = rest[0]
	case len(rest) == 2:
		a.flow, a.sourceKey = rest[0], rest[1]
	default:
		err = usagef(f.cmd, "state show takes a KEY (any id, number, e-mail or reference the record is known by), or FLOW and SOURCE_KEY")
	}
	return a, f, err
}

type stateUnlockArgs struct{ globalArgs }

func parseStateUnlock(args []string) (*stateUnlockArgs, *flagSet, error) {
	a := &stateUnlockArgs{}
	f := newFlagSet("state unlock")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

type logArgs struct {
	globalArgs
	flow  string
	runID int64
	n     int
	json  bool
	logFilterArgs
}

func parseLog(args []string) (*logArgs, *flagSet, error) {
	a := &logArgs{}
	f := newFlagSet("log")
	f.fs.StringVar(&a.flow, "flow", "", "Show only the entries of flow `NAME`.")
	f.fs.Int64Var(&a.runID, "run", 0, "Show only the entries of run `ID` (see kopla runs).")
	f.fs.IntVar(&a.n, "n", 20, "Show the last `N` entries (0 for all).")
	f.fs.BoolVar(&a.json, "json", false, "Print JSON lines with what was read, sent and answered.")
	a.logFilterArgs.flags(f)
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	switch {
	case err != nil:
	case a.n < 0:
		err = usagef(f.cmd, "-n must be 0 or more")
	default:
		err = a.logFilterArgs.check(f)
	}
	return a, f, err
}

type runsArgs struct {
	globalArgs
	n int
}

func parseRuns(args []string) (*runsArgs, *flagSet, error) {
	a := &runsArgs{}
	f := newFlagSet("runs")
	f.fs.IntVar(&a.n, "n", 10, "Show the last `N` runs (0 for all).")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	switch {
	case err != nil:
	case a.n < 0:
		err = usagef(f.cmd, "-n must be 0 or more")
	}
	return a, f, err
}

type initArgs struct {
	globalArgs
	check, create, autoApprove bool
}

func parseInit(args []string) (*initArgs, *flagSet, error) {
	a := &initArgs{}
	f := newFlagSet("init")
	f.fs.BoolVar(&a.check, "check", false, "Report what the live accounts lack of what the flow libraries need (exit code 1 when something lacks); change nothing.")
	f.fs.BoolVar(&a.create, "create", false, "Create the missing HubSpot properties the flow libraries need, after showing them and asking for approval.")
	f.fs.BoolVar(&a.autoApprove, "auto-approve", false, "With -create: create without asking for approval.")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	switch {
	case err != nil:
	case a.check && a.create:
		err = usagef(f.cmd, "-check and -create exclude each other: -create checks first anyway")
	case a.autoApprove && !a.create:
		err = usagef(f.cmd, "-auto-approve goes with -create")
	}
	return a, f, err
}

type loginArgs struct {
	globalArgs
	connection string
	listen     string
}

func parseLogin(args []string) (*loginArgs, *flagSet, error) {
	a := &loginArgs{}
	f := newFlagSet("login")
	f.fs.StringVar(&a.listen, "listen", "", "Listen for the login redirect on `ADDR` (default: 127.0.0.1 on a free port).")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	if err == nil && len(rest) != 1 {
		err = usagef(f.cmd, "login takes one argument, the connection (kind.name, such as hubspot.shop)")
	}
	if err == nil {
		a.connection = rest[0]
	}
	return a, f, err
}

// parseGlobal splits kopla's own flags from the command and its arguments:
// kopla [global flags] COMMAND [args].
func parseGlobal(args []string) (g *globalArgs, cmd string, rest []string, help, version bool, err error) {
	g = &globalArgs{}
	f := newFlagSet("")
	f.globals(g)
	var showVersion bool
	f.fs.BoolVar(&showVersion, "version", false, "Print the version.")
	// The command is the first argument that is neither a flag nor the value
	// of one.
	i := 0
	for i < len(args) {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			break
		}
		i++
		if a == "--" {
			break
		}
		if strings.Contains(a, "=") {
			continue
		}
		name := strings.TrimLeft(a, "-")
		if fl := f.fs.Lookup(name); fl != nil && fl.NoOptDefVal == "" && i < len(args) {
			i++
		}
	}
	if _, err := f.parse(args[:i]); err != nil {
		if errors.Is(err, errHelp) {
			return g, "", nil, true, false, nil
		}
		return g, "", nil, false, false, err
	}
	if showVersion {
		return g, "", nil, false, true, nil
	}
	if i == len(args) {
		return g, "", nil, false, false, usagef("", "no command given")
	}
	return g, args[i], args[i+1:], false, false, nil
}
