package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/engine/plan"
)

func TestParsePlan(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want planArgs
		err  string // part of the usage error; "" for none
	}{
		{name: "none", args: nil, want: planArgs{}},
		{name: "single dash", args: []string{"-out", "p.plan", "-json", "-detailed-exitcode", "-incremental"},
			want: planArgs{out: "p.plan", json: true, detailedExitCode: true, incremental: true}},
		{name: "equals", args: []string{"-out=p.plan", "-detailed-exitcode=true"}, want: planArgs{out: "p.plan", detailedExitCode: true}},
		{name: "double dash", args: []string{"--out", "p.plan", "--json"}, want: planArgs{out: "p.plan", json: true}},
		{name: "repeated flow", args: []string{"-flow", "a", "-flow=b"}, want: planArgs{flows: []string{"a", "b"}}},
		{name: "globals after the command", args: []string{"-var", "x=-1", "-var", "y=a=b", "-var-file", "f.vars", "-no-color", "-chdir", "proj"},
			want: planArgs{globalArgs: globalArgs{chdir: "proj", vars: []string{"x=-1", "y=a=b"}, varFiles: []string{"f.vars"}, noColor: true}}},
		{name: "value starting with a dash", args: []string{"-out", "-weird.plan"}, want: planArgs{out: "-weird.plan"}},
		{name: "unknown flag", args: []string{"-auto-approve"}, err: "unknown flag -auto-approve"},
		{name: "unknown double-dash flag", args: []string{"--nope=1"}, err: "unknown flag -nope"},
		{name: "missing value", args: []string{"-out"}, err: "flag -out needs a value"},
		{name: "bad bool", args: []string{"-json=maybe"}, err: `invalid argument "maybe" for "-json"`},
		{name: "positional", args: []string{"extra"}, err: `unexpected argument "extra"`},
		{name: "only and show-skipped", args: []string{"-only", "create, error", "-show-skipped"},
			want: planArgs{list: listing{only: map[plan.Action]bool{plan.Create: true, plan.Error: true}, showSkipped: true}}},
		{name: "bad only", args: []string{"-only=create,delete"}, err: `invalid value "delete" for -only: want a comma-separated list of create, update, skip, error`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := parsePlan(tt.args)
			checkUsageError(t, err, tt.err)
			if tt.err != "" {
				return
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(planArgs{}, globalArgs{}, listing{})); diff != "" {
				t.Errorf("parsePlan(%q) mismatch (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestParseApply(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want applyArgs
		err  string
	}{
		{name: "fresh", args: []string{"-auto-approve"}, want: applyArgs{parallelism: 10, autoApprove: true}},
		{name: "plan file", args: []string{"p.plan"}, want: applyArgs{parallelism: 10, planFile: "p.plan"}},
		{name: "plan file then flags", args: []string{"p.plan", "-json", "-no-color"}, want: applyArgs{parallelism: 10, planFile: "p.plan", json: true, globalArgs: globalArgs{noColor: true}}},
		{name: "json needs approval", args: []string{"-json"}, err: "-json needs -auto-approve or a plan file"},
		{name: "json with auto-approve", args: []string{"-json", "-auto-approve", "-flow", "x"}, want: applyArgs{parallelism: 10, json: true, autoApprove: true, flows: []string{"x"}}},
		{name: "two plan files", args: []string{"a.plan", "b.plan"}, err: `unexpected argument "b.plan"`},
		{name: "flow with plan file", args: []string{"a.plan", "-flow", "x"}, err: "cannot be used with a saved plan"},
		{name: "unknown flag", args: []string{"-out", "x"}, err: "unknown flag -out"},
		{name: "lock timeout", args: []string{"-lock-timeout=90s", "-auto-approve"}, want: applyArgs{parallelism: 10, autoApprove: true, lockTimeout: 90 * time.Second}},
		{name: "lock timeout with plan file", args: []string{"p.plan", "-lock-timeout", "10m"}, want: applyArgs{parallelism: 10, planFile: "p.plan", lockTimeout: 10 * time.Minute}},
		{name: "lock timeout not a duration", args: []string{"-lock-timeout=10"}, err: "-lock-timeout"},
		{name: "parallelism", args: []string{"p.plan", "-parallelism", "4"}, want: applyArgs{planFile: "p.plan", parallelism: 4}},
		{name: "parallelism one", args: []string{"-parallelism=1", "-auto-approve"}, want: applyArgs{autoApprove: true, parallelism: 1}},
		{name: "parallelism zero", args: []string{"-parallelism=0"}, err: "-parallelism must be at least 1"},
		{name: "negative lock timeout", args: []string{"-lock-timeout=-1s"}, err: "-lock-timeout must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := parseApply(tt.args)
			checkUsageError(t, err, tt.err)
			if tt.err != "" {
				return
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(applyArgs{}, globalArgs{})); diff != "" {
				t.Errorf("parseApply(%q) mismatch (-want +got):\n%s", tt.args, diff)
			}
		})
	}
}

func TestParseOthers(t *testing.T) {
	tests := []struct {
		name  string
		parse func() error
		err   string
	}{
		{"validate json", func() error { _, _, err := parseValidate([]string{"-json"}); return err }, ""},
		{"serve defaults", func() error {
			a, _, err := parseServe(nil)
			if err == nil && (a.listen != "127.0.0.1:8484" || a.logFormat != "text" || a.pollInterval != time.Minute) {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"serve json flows", func() error {
			a, _, err := parseServe([]string{"-log-format", "json", "-flow", "stock", "-listen", ":9000"})
			if err == nil && (a.logFormat != "json" || len(a.flows) != 1 || a.listen != ":9000") {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"serve bad log format", func() error { _, _, err := parseServe([]string{"-log-format", "xml"}); return err }, "text or json"},
		{"serve poll too often", func() error { _, _, err := parseServe([]string{"-poll-interval", "1s"}); return err }, "at least 5s"},
		{"retry run flow", func() error {
			a, _, err := parseRetry([]string{"-run", "7", "-flow", "orders"})
			if err == nil && (a.run != 7 || len(a.flows) != 1) {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"retry negative run", func() error { _, _, err := parseRetry([]string{"-run", "-1"}); return err }, "must not be negative"},
		{"validate positional", func() error { _, _, err := parseValidate([]string{"dir"}); return err }, `unexpected argument "dir"`},
		{"fmt list off", func() error {
			a, _, err := parseFmt([]string{"-list=false", "-check", "-diff"})
			if err == nil && (a.list || !a.check || !a.diff) {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"fmt positional", func() error { _, _, err := parseFmt([]string{"x.hcl"}); return err }, "use -chdir"},
		{"state show three args", func() error { _, _, err := parseStateShow([]string{"people", "a", "b"}); return err }, "FLOW and SOURCE_KEY"},
		{"state show key", func() error {
			a, _, err := parseStateShow([]string{"anna@example.com"})
			if err == nil && (a.key != "anna@example.com" || a.flow != "") {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"log filters", func() error {
			a, _, err := parseLog([]string{"-key", "HS-4002", "-action", "error", "-since", "7d"})
			if err == nil && (a.key != "HS-4002" || a.action != "error" || a.since != "7d") {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"log empty key", func() error { _, _, err := parseLog([]string{"-key", " "}); return err }, "-key needs a value"},
		{"log bad action", func() error { _, _, err := parseLog([]string{"-action", "created"}); return err }, `did you mean "create"`},
		{"log bad since", func() error { _, _, err := parseLog([]string{"-since", "last week"}); return err }, "neither a duration"},
		{"trace", func() error {
			a, _, err := parseTrace([]string{"-n", "5", "order-4002"})
			if err == nil && (a.key != "order-4002" || a.n != 5) {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"trace no value", func() error { _, _, err := parseTrace(nil); return err }, "trace takes one argument"},
		{"forget", func() error {
			a, _, err := parseForget([]string{"-auto-approve", "anna@example.com"})
			if err == nil && (a.key != "anna@example.com" || !a.autoApprove) {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"forget two values", func() error { _, _, err := parseForget([]string{"a", "b"}); return err }, "forget takes one argument"},
		{"state show", func() error {
			a, _, err := parseStateShow([]string{"people", "line:2"})
			if err == nil && (a.flow != "people" || a.sourceKey != "line:2") {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"log negative n", func() error { _, _, err := parseLog([]string{"-n", "-1"}); return err }, "-n must be 0 or more"},
		{"log bad run", func() error { _, _, err := parseLog([]string{"-run", "x"}); return err }, `invalid argument "x" for "-run"`},
		{"log", func() error {
			a, _, err := parseLog([]string{"-run", "3", "-n=5", "-json", "-flow", "people"})
			if err == nil && (a.runID != 3 || a.n != 5 || !a.json || a.flow != "people") {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"runs", func() error { _, _, err := parseRuns([]string{"-n", "2"}); return err }, ""},
		{"login needs connection", func() error { _, _, err := parseLogin(nil); return err }, "one argument, the connection"},
		{"login", func() error {
			a, _, err := parseLogin([]string{"hubspot.shop", "-listen", "127.0.0.1:8765"})
			if err == nil && (a.connection != "hubspot.shop" || a.listen != "127.0.0.1:8765") {
				return errors.New("wrong values")
			}
			return err
		}, ""},
		{"init positional", func() error { _, _, err := parseInit([]string{"x"}); return err }, `unexpected argument "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkUsageError(t, tt.parse(), tt.err)
		})
	}
}

func TestParseGlobal(t *testing.T) {
	g, cmd, rest, help, version, err := parseGlobal([]string{"-chdir", "proj", "-var=a=1", "-no-color", "plan", "-out", "p"})
	if err != nil || help || version || cmd != "plan" || g.chdir != "proj" || !g.noColor || len(g.vars) != 1 || !cmp.Equal(rest, []string{"-out", "p"}) {
		t.Errorf("parseGlobal = %+v %q %q %v %v %v", g, cmd, rest, help, version, err)
	}
	if _, cmd, rest, _, _, err := parseGlobal([]string{"-no-color", "--", "plan", "-json"}); err != nil || cmd != "plan" || !cmp.Equal(rest, []string{"-json"}) {
		t.Errorf("parseGlobal(-no-color -- plan -json) = %q %q %v", cmd, rest, err)
	}
	if _, _, _, help, _, _ := parseGlobal([]string{"-help"}); !help {
		t.Error("parseGlobal(-help) does not ask for help")
	}
	if _, _, _, help, _, _ := parseGlobal([]string{"-h"}); !help {
		t.Error("parseGlobal(-h) does not ask for help")
	}
	if _, _, _, _, version, _ := parseGlobal([]string{"-version"}); !version {
		t.Error("parseGlobal(-version) does not ask for the version")
	}
	if _, _, _, _, _, err := parseGlobal(nil); err == nil || !strings.Contains(err.Error(), "no command") {
		t.Errorf("parseGlobal(nil) error = %v; want no command", err)
	}
	if _, _, _, _, _, err := parseGlobal([]string{"-bogus", "plan"}); err == nil || !strings.Contains(err.Error(), "unknown flag -bogus") {
		t.Errorf("parseGlobal(-bogus plan) error = %v", err)
	}
}

func checkUsageError(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("error = %v; want none", err)
		}
		return
	}
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(ue.msg, want) {
		t.Fatalf("error = %v; want a usage error containing %q", err, want)
	}
}

// TestCommandLine runs kopla on command lines that never reach a project.
func TestCommandLine(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		code         int
		stdout       string // part of stdout
		stderr       string // part of stderr
		stdoutGolden string
	}{
		{name: "help", args: []string{"-help"}, code: exitOK, stdoutGolden: "usage"},
		{name: "help command", args: []string{"help"}, code: exitOK, stdout: "Usage: kopla [global options] <command>"},
		{name: "help plan", args: []string{"help", "plan"}, code: exitOK, stdoutGolden: "usage_plan"},
		{name: "plan -help", args: []string{"plan", "-help"}, code: exitOK, stdout: "-detailed-exitcode"},
		{name: "state help", args: []string{"state", "-help"}, code: exitOK, stdout: "show FLOW SOURCE_KEY"},
		{name: "version", args: []string{"version"}, code: exitOK, stdout: "kopla test\n"},
		{name: "-version", args: []string{"-version"}, code: exitOK, stdout: "kopla test\n"},
		{name: "no command", args: nil, code: exitError, stderr: "Error: no command given"},
		{name: "unknown command", args: []string{"plna"}, code: exitError, stderr: `Error: unknown command "plna"; did you mean "plan"?`},
		{name: "unknown flag", args: []string{"plan", "-bogus"}, code: exitError, stderr: "Error: unknown flag -bogus\n\nUsage: kopla [global options] plan"},
		{name: "unknown global flag", args: []string{"-bogus", "plan"}, code: exitError, stderr: "Error: unknown flag -bogus"},
		{name: "state without subcommand", args: []string{"state"}, code: exitError, stderr: "state needs a subcommand"},
		{name: "state unknown subcommand", args: []string{"state", "rm"}, code: exitError, stderr: `unknown state subcommand "rm"`},
		{name: "apply json without approval", args: []string{"apply", "-json"}, code: exitError, stderr: "-json needs -auto-approve"},
		{name: "version with argument", args: []string{"version", "x"}, code: exitError, stderr: `unexpected argument "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			// Without -chdir: these command lines must fail or finish
			// before looking at a project.
			r := e.runRaw(tt.args...)
			if r.code != tt.code {
				t.Errorf("kopla %q = exit %d; want %d\nstdout:\n%s\nstderr:\n%s", tt.args, r.code, tt.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("kopla %q stdout does not contain %q:\n%s", tt.args, tt.stdout, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("kopla %q stderr does not contain %q:\n%s", tt.args, tt.stderr, r.stderr)
			}
			if tt.stdoutGolden != "" {
				golden(t, tt.stdoutGolden, r.stdout)
			}
		})
	}
}
