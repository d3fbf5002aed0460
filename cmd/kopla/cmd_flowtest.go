package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"regexp"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

const testUsage = `Usage: kopla [global options] test [options]

  Run the flow unit tests: the test blocks of the *.test.hcl files of the
  project directory and of the directories it includes. Each test gives a
  source record (and the target record, ensured records and find() answers
  it needs) and what the flow must make of it. Tests evaluate the flows'
  expressions only: they touch no system and need no credentials.

  With -sandbox, find() calls a test does not answer with a find block are
  answered by a sandbox's demo data instead of failing the test.

  Exit status: 0 when every test passes, 1 otherwise.
`

type testArgs struct {
	globalArgs
	json    bool
	run     string
	sandbox bool
}

func parseTest(args []string) (*testArgs, *flagSet, error) {
	a := &testArgs{}
	f := newFlagSet("test")
	f.fs.BoolVar(&a.json, "json", false, "Print one JSON line per test and a summary line.")
	f.fs.StringVar(&a.run, "run", "", "Run only the tests whose name matches the regular expression `REGEXP`.")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, "Answer the find() calls that tests do not stub from a sandbox started for this run (local HubSpot and eAccounting fakes with demo data).")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

// testOutcome is the result of one flow unit test.
type testOutcome struct {
	Name     string   `json:"name"`
	File     string   `json:"file"`
	Line     int      `json:"line"`
	Flow     string   `json:"flow"`
	Passed   bool     `json:"passed"`
	Problems []string `json:"problems,omitempty"`
}

func (c *cli) test(ctx context.Context, args []string) int {
	a, f, err := parseTest(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	var filter *regexp.Regexp
	if a.run != "" {
		if filter, err = regexp.Compile(a.run); err != nil {
			return c.usageFailed(usagef("test", "-run: %s", err), f)
		}
	}
	c.offline = true
	if a.sandbox {
		stop, ok := c.startSandbox(ctx)
		if !ok {
			return exitError
		}
		defer stop()
	}
	p, cfg, diags := c.compile()
	var tests []*dsl.Test
	if !diags.HasErrors() {
		var tdiags hcl.Diagnostics
		tests, tdiags = dsl.LoadTests(cfg)
		diags = append(diags, tdiags...)
	}
	if diags.HasErrors() {
		if p != nil {
			p.Close()
		}
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return exitError
	}
	defer p.Close()

	// Tests that set variables run on a project compiled with them.
	projects := map[string]*engine.Project{"": p}
	var outcomes []testOutcome
	for _, t := range tests {
		if filter != nil && !filter.MatchString(t.Name) {
			continue
		}
		o := testOutcome{Name: t.Name, File: relPath(cfg.Dir, t.DeclRange.Filename), Line: t.DeclRange.Start.Line, Flow: t.Flow}
		proj, perr := c.projectWithVars(cfg, t.Vars, projects)
		if perr != nil {
			o.Problems = []string{perr.Error()}
			outcomes = append(outcomes, o)
			continue
		}
		tc := caseOf(t)
		tc.LiveFinds = a.sandbox
		res, err := proj.RunCase(ctx, tc)
		if err != nil {
			o.Problems = []string{err.Error()}
		} else {
			o.Problems = res.Problems(expectationOf(t.Expect))
		}
		o.Passed = len(o.Problems) == 0
		outcomes = append(outcomes, o)
	}
	for key, proj := range projects {
		if key != "" {
			proj.Close()
		}
	}
	if a.json {
		return c.testJSON(outcomes)
	}
	return c.testHuman(outcomes)
}

// projectWithVars compiles the project with a test's variable values.
func (c *cli) projectWithVars(cfg *dsl.Config, vars map[string]any, cache map[string]*engine.Project) (*engine.Project, error) {
	if len(vars) == 0 {
		return cache[""], nil
	}
	key, _ := json.Marshal(vars)
	if p, ok := cache[string(key)]; ok {
		return p, nil
	}
	with := *cfg
	with.Vars = maps.Clone(cfg.Vars)
	maps.Copy(with.Vars, vars)
	reg, err := c.registry()
	if err != nil {
		return nil, err
	}
	p, diags := engine.New(engine.Options{Registry: reg, Logger: c.log, Now: c.now, LookupEnv: c.projectEnv}).Compile(&with)
	if diags.HasErrors() {
		return nil, fmt.Errorf("the project does not compile with these vars: %s", diags.Error())
	}
	cache[string(key)] = p
	return p, nil
}

func caseOf(t *dsl.Test) engine.Case {
	c := engine.Case{Flow: t.Flow, Source: t.Source, Target: t.Target, Ensured: t.Ensured}
	if c.Source == nil {
		c.Source = map[string]any{}
	}
	for _, f := range t.Finds {
		c.Finds = append(c.Finds, engine.FindStub{Object: f.Object.String(), Field: f.Field, Value: f.Value, AnyValue: f.AnyValue, Record: f.Record})
	}
	return c
}

func expectationOf(e *dsl.TestExpect) engine.Expectation {
	return engine.Expectation{Action: plan.Action(e.Action), Fields: e.Fields, Field: e.Field, Error: e.Error}
}

func (c *cli) testHuman(outcomes []testOutcome) int {
	st := style{c.color()}
	passed, file := 0, ""
	for _, o := range outcomes {
		if o.File != file {
			file = o.File
			fmt.Fprintln(c.stdout, file)
		}
		if o.Passed {
			passed++
			fmt.Fprintf(c.stdout, "  %s %s\n", st.green("pass"), o.Name)
			continue
		}
		fmt.Fprintf(c.stdout, "  %s %s (line %d, flow %s)\n", st.red("FAIL"), o.Name, o.Line, o.Flow)
		for _, p := range o.Problems {
			fmt.Fprintf(c.stdout, "      %s\n", p)
		}
	}
	if len(outcomes) == 0 {
		fmt.Fprintln(c.stdout, "No tests found: add test blocks in *.test.hcl files next to the flows.")
		return exitOK
	}
	failed := len(outcomes) - passed
	fmt.Fprintf(c.stdout, "\nTests: %d passed, %d failed.\n", passed, failed)
	if failed > 0 {
		return exitError
	}
	return exitOK
}

func (c *cli) testJSON(outcomes []testOutcome) int {
	enc := json.NewEncoder(c.stdout)
	failed := 0
	for _, o := range outcomes {
		if !o.Passed {
			failed++
		}
		enc.Encode(struct {
			Type string `json:"type"`
			testOutcome
		}{"test", o})
	}
	enc.Encode(map[string]any{"type": "summary", "passed": len(outcomes) - failed, "failed": failed})
	if failed > 0 {
		return exitError
	}
	return exitOK
}

// relPath shows a file relative to the project directory when it can.
func relPath(dir, name string) string {
	if r, err := filepath.Rel(dir, name); err == nil {
		return r
	}
	return name
}
