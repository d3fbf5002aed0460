package main

import (
	"context"
	"fmt"

	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

const showUsage = `Usage: kopla [global options] show [options] PLAN_FILE

  Show a plan saved with kopla plan -out, as kopla plan showed it: the
  summary per flow and the records, or with -json the JSON lines of
  kopla plan -json. It reads the plan file only: no project, connection
  or state is needed. A plan file holds the records' data, personal data
  included: keep it private and delete it once applied.
`

type showArgs struct {
	globalArgs
	planFile      string
	json          bool
	list          listing
	showSensitive bool
}

func parseShow(args []string) (*showArgs, *flagSet, error) {
	a := &showArgs{}
	f := newFlagSet("show")
	f.fs.BoolVar(&a.json, "json", false, "Print JSON lines, as kopla plan -json does.")
	only := listFlags(f, &a.list)
	sensitiveFlag(f, &a.showSensitive)
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	if err != nil {
		return a, f, err
	}
	switch len(rest) {
	case 0:
		return a, f, usagef("show", "a plan file is required: kopla show PLAN_FILE (saved with kopla plan -out PLAN_FILE)")
	case 1:
		a.planFile = rest[0]
	default:
		return a, f, usagef("show", "unexpected argument %q", rest[1])
	}
	a.list.only, err = f.parseOnly(*only)
	return a, f, err
}

func (c *cli) show(_ context.Context, args []string) int {
	a, f, err := parseShow(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	var view planView
	if a.json {
		js := &jsonStream{w: c.stdout, now: c.now}
		js.version(c.version)
		view = &jsonPlan{j: js, list: a.list, reveal: a.showSensitive}
	} else {
		view = &humanPlan{w: c.stdout, style: style{c.color()}, list: a.list, reveal: c.reveal(a.showSensitive)}
	}
	pl, err := plan.ReadFile(c.path(a.planFile))
	if err != nil {
		view.Diagnostics(engine.ErrorDiagnostic("Cannot read the plan", err), nil)
		return exitError
	}
	defer pl.Close()
	if !a.json {
		st := style{c.color()}
		fmt.Fprintf(c.stdout, "%s %s, planned %s.\n  %s\n\n", st.bold("Saved plan:"), a.planFile, pl.CreatedAt.UTC().Format("2006-01-02 15:04:05 MST"), plan.PersonalDataNote)
	}
	view.Plan(pl, pl.FieldSensitive)
	return exitOK
}
