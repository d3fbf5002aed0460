package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/serve"
)

const retryUsage = `Usage: kopla [global options] retry [options]

  Apply again only the records that failed (or were blocked by a record
  that failed) in a run: the last run by default, or -run ID (kopla runs
  lists them). Each is read again from its source by id and planned anew,
  so a record fixed in the source since goes through as it is now, and a
  record written meanwhile is not written twice.

  Like apply, it takes the state lock (a kopla serve holds it only while
  it runs a flow) and records a run of its own.
`

type retryArgs struct {
	globalArgs
	run         int64
	flows       []string
	lockTimeout time.Duration
}

func parseRetry(args []string) (*retryArgs, *flagSet, error) {
	a := &retryArgs{}
	f := newFlagSet("retry")
	f.fs.Int64Var(&a.run, "run", 0, "Retry the failed records of run `ID` (default: the last run).")
	f.fs.StringArrayVar(&a.flows, "flow", nil, "Retry only the failed records of flow `NAME` (repeatable).")
	f.fs.DurationVar(&a.lockTimeout, "lock-timeout", 0, "Wait up to `DURATION` (30s, 10m) for the state lock; the default, 0s, fails at once.")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	if err == nil && (a.run < 0 || a.lockTimeout < 0) {
		err = usagef(f.cmd, "-run and -lock-timeout must not be negative")
	}
	return a, f, err
}

func (c *cli) retry(ctx context.Context, args []string) int {
	a, f, err := parseRetry(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	view := &humanApply{humanPlan: humanPlan{w: c.stdout, style: style{c.color()}, reveal: c.reveal(false)}, progress: c.isTerminal(c.stdout)}
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		view.Diagnostics(diags, cfg.Files)
		return exitError
	}
	defer p.Close()
	st, sdiags := c.openState(ctx, cfg, true)
	if sdiags.HasErrors() {
		view.Diagnostics(append(diags, sdiags...), cfg.Files)
		return exitError
	}
	if st == nil {
		fmt.Fprintln(c.stderr, "Error: there is no state yet: nothing has been applied, so nothing failed.")
		return exitError
	}
	defer st.Close()
	lock, ldiags := engine.LockState(ctx, st, engine.LockOptions{
		Holder: "kopla retry", Timeout: a.lockTimeout,
		Waiting: func(holder string, since time.Time) {
			fmt.Fprintf(c.stderr, "The state is locked by %s since %s: waiting up to %s for it (-lock-timeout).\n", holder, since.UTC().Format(time.RFC3339), a.lockTimeout)
		},
	})
	if ldiags.HasErrors() {
		view.Diagnostics(append(diags, ldiags...), cfg.Files)
		return exitError
	}
	defer lock.Unlock()
	run, ids, err := serve.FailedRecords(ctx, st, a.run, a.flows)
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: %s\n", engine.Sentence(err.Error()))
		return exitError
	}
	if len(ids) == 0 {
		fmt.Fprintf(c.stdout, "Run %d has no failed records to retry.\n", run)
		return exitOK
	}
	var flows []string
	n := 0
	for fl, keys := range ids {
		flows = append(flows, fl)
		n += len(keys)
	}
	slices.Sort(flows)
	fmt.Fprintf(c.stdout, "Retrying %d failed records of run %d (flows %v).\n\n", n, run, flows)
	pl, pdiags := p.Plan(ctx, engine.PlanOptions{Flows: flows, State: st, ForApply: true, SourceIDs: ids})
	diags = append(diags, pdiags...)
	if pl != nil {
		defer pl.Close()
	}
	view.Diagnostics(diags, cfg.Files)
	if pl == nil || pdiags.HasErrors() {
		return exitError
	}
	view.Plan(pl, p.TargetFieldSensitive)
	res, adiags := p.Apply(ctx, pl, engine.ApplyOptions{State: st, Holder: "kopla retry", Lock: lock, Progress: view.Progress})
	adiags = append(adiags, lock.Unlock()...)
	return applyExit(view, cfg, p, pl, res, adiags)
}
