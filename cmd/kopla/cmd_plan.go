package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

const validateUsage = `Usage: kopla [global options] validate [options]

  Check that the flow files are valid: syntax, connections, objects, fields
  and every expression, against the connectors' schemas. It reads no data.
`

func (c *cli) validate(_ context.Context, args []string) int {
	a, f, err := parseValidate(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	c.offline = true
	p, cfg, diags := c.compile()
	if p != nil {
		p.Close()
	}
	if a.json {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(dsl.JSONDiagnostics(diags, cfg.Files))
	} else {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		if !diags.HasErrors() {
			if len(diags) > 0 {
				fmt.Fprintln(c.stdout)
			}
			st := style{c.color()}
			fmt.Fprintln(c.stdout, st.bold(st.green("Success!"))+" The configuration is valid.")
		}
	}
	if diags.HasErrors() {
		return exitError
	}
	return exitOK
}

const planUsage = `Usage: kopla [global options] plan [options]

  Read the sources and show, record by record and field by field, what
  kopla apply would create and update in the targets. Plan writes nothing
  to the targets or the state, and takes no lock: it runs beside an apply,
  and what it shows is checked again under the lock before anything is
  written (apply plans again; a saved plan is refused if it went stale).

  Exit codes: 0 success, 1 error (including records that cannot be
  planned); with -detailed-exitcode: 0 no changes, 1 error, 2 changes.
`

func (c *cli) plan(ctx context.Context, args []string) int {
	a, f, err := parsePlan(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	if a.sandbox || a.badRecord {
		stop, ok := c.startDemoSandbox(ctx, a.badRecord)
		if !ok {
			return exitError
		}
		defer stop()
	}
	var view planView
	if a.json {
		js := &jsonStream{w: c.stdout, now: c.now}
		js.version(c.version)
		view = &jsonPlan{j: js, list: a.list, reveal: a.showSensitive}
	} else {
		view = &humanPlan{w: c.stdout, style: style{c.color()}, list: a.list, reveal: c.reveal(a.showSensitive)}
	}

	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		view.Diagnostics(diags, cfg.Files)
		return exitError
	}
	defer p.Close()
	// Plan reads the state (links, cursors) but never writes it: a project
	// without state is planned as if nothing had been applied.
	st, sdiags := c.openStateReadOnly(ctx, cfg)
	diags = append(diags, sdiags...)
	if sdiags.HasErrors() {
		view.Diagnostics(diags, cfg.Files)
		return exitError
	}
	if st != nil {
		defer st.Close()
	}
	// A plan to save is a plan to apply: a source that does not exist fails
	// it, as it would fail apply.
	pl, pdiags := p.Plan(ctx, engine.PlanOptions{Flows: a.flows, State: st, Full: a.full, ForApply: a.out != ""})
	diags = append(diags, pdiags...)
	diags = append(diags, incrementalDeprecated(a.incremental)...)
	if pl != nil {
		defer pl.Close()
		markSensitive(pl, p)
	}
	c.logPlan(pl)
	// A plan with a failed flow is incomplete: it is shown, never saved.
	out := ""
	if a.out != "" && pl != nil && !diags.HasErrors() {
		out = c.path(a.out)
		if err := plan.WriteFile(out, pl); err != nil {
			diags = append(diags, engine.ErrorDiagnostic("Cannot save the plan", err)...)
			out = ""
		}
	}
	view.Diagnostics(diags, cfg.Files)
	if pl == nil {
		return exitError
	}
	view.Plan(pl, p.TargetFieldSensitive)
	if out != "" && !a.json {
		cmd := "kopla apply " + a.out
		if c.global.chdir != "" {
			cmd = fmt.Sprintf("kopla -chdir=%s apply %s", c.global.chdir, a.out)
		}
		fmt.Fprintf(c.stdout, "\nSaved the plan to: %s\n  %s\n\nTo make exactly these changes, run:\n  %s\n", out, plan.PersonalDataNote, cmd)
	}
	counts := pl.Counts()
	switch {
	case diags.HasErrors() || counts.Error > 0:
		return exitError
	case a.detailedExitCode && counts.Changes():
		return exitChanges
	}
	return exitOK
}

// path resolves a file named on the command line: like the project's
// files, relative to the project directory (-chdir).
func (c *cli) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir(), p)
}

const applyUsage = `Usage: kopla [global options] apply [options] [PLAN_FILE]

  Make the changes of a plan. Without PLAN_FILE, apply plans first, shows
  the plan and asks for approval. With PLAN_FILE (from kopla plan -out), it
  makes exactly the changes saved in it, without asking, and refuses a plan
  that has gone stale (the flow files or the targets changed since).
  With -auto-approve and no PLAN_FILE, each batch is shown as it is
  planned and written while the next is read and planned.

  Apply takes the state lock before it plans or reads the plan file and
  holds it through the prompt and the writes: another apply on the same
  state fails at once, or, with -lock-timeout, waits for it.

  The flows are written at the same time, each record after the records of
  other flows it depends on; -parallelism caps the batches written at once.

  Each record's failure is its own: the others are written, and records
  that depend on a failed one are reported as blocked. Exit codes: 0 when
  every record was written, 1 otherwise.
`

func (c *cli) apply(ctx context.Context, args []string) int {
	a, f, err := parseApply(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	if a.sandbox || a.badRecord {
		stop, ok := c.startDemoSandbox(ctx, a.badRecord)
		if !ok {
			return exitError
		}
		defer stop()
	}
	var view applyView
	if a.json {
		js := &jsonStream{w: c.stdout, now: c.now}
		js.version(c.version)
		view = &jsonApply{jsonPlan: jsonPlan{j: js, reveal: a.showSensitive}}
	} else {
		view = &humanApply{humanPlan: humanPlan{w: c.stdout, style: style{c.color()}, reveal: c.reveal(a.showSensitive)}, progress: c.isTerminal(c.stdout)}
	}

	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		view.Diagnostics(diags, cfg.Files)
		return exitError
	}
	defer p.Close()
	st, sdiags := c.openState(ctx, cfg, false)
	diags = append(diags, sdiags...)
	if sdiags.HasErrors() {
		view.Diagnostics(diags, cfg.Files)
		return exitError
	}
	defer st.Close()

	// The lock is taken before the plan is made or read, and held through
	// the prompt and the writes: an apply that plans under it sees every
	// write of the apply before it, and no other apply writes while this
	// one waits for its answer.
	lock, ldiags := engine.LockState(ctx, st, engine.LockOptions{
		Holder:  "kopla apply",
		Timeout: a.lockTimeout,
		Waiting: func(holder string, since time.Time) {
			fmt.Fprintf(c.stderr, "The state is locked by %s since %s: waiting up to %s for it (-lock-timeout).\n",
				holder, since.UTC().Format(time.RFC3339), a.lockTimeout)
		},
		TakenOver: func(holder, reason string) {
			fmt.Fprintf(c.stderr, "Took over the stale state lock of %s: %s.\n", holder, reason)
		},
	})
	if ldiags.HasErrors() {
		view.Diagnostics(append(diags, ldiags...), cfg.Files)
		return exitError
	}
	// Released on every return; the returns after writes release it
	// first, to report a lock broken meanwhile.
	defer lock.Unlock()

	var pl *plan.Plan
	saved := a.planFile != ""
	if saved {
		if pl, err = plan.ReadFile(c.path(a.planFile)); err != nil {
			view.Diagnostics(append(diags, engine.ErrorDiagnostic("Cannot read the plan", err)...), cfg.Files)
			return exitError
		}
		defer pl.Close()
	} else if a.autoApprove {
		return c.applyPipelined(ctx, a, p, cfg, st, lock, view, diags)
	} else {
		var pdiags hcl.Diagnostics
		pl, pdiags = p.Plan(ctx, engine.PlanOptions{Flows: a.flows, State: st, Full: a.full, ForApply: true})
		diags = append(diags, pdiags...)
		diags = append(diags, incrementalDeprecated(a.incremental)...)
		c.logPlan(pl)
		if pl != nil {
			defer pl.Close()
		}
		view.Diagnostics(diags, cfg.Files)
		diags = nil
		if pl != nil {
			view.Plan(pl, p.TargetFieldSensitive)
		}
		if pl == nil || pdiags.HasErrors() {
			return exitError
		}
		if counts := pl.Counts(); !counts.Changes() {
			// Nothing to write, but the run still counts: it is recorded,
			// incremental cursors move on, old activity is purged.
			_, adiags := p.Apply(ctx, pl, engine.ApplyOptions{State: st, Holder: "kopla apply", Lock: lock})
			if adiags = append(adiags, lock.Unlock()...); adiags.HasErrors() {
				view.Diagnostics(adiags, cfg.Files)
				return exitError
			}
			if a.json {
				// JSON consumers get the apply's summary whatever happens.
				view.Result(pl, nil, p.TargetFieldSensitive)
			}
			if counts.Error > 0 {
				return exitError
			}
			return exitOK
		}
		if !a.autoApprove && !c.approve(ctx) {
			fmt.Fprintln(c.stdout, "Apply cancelled: nothing was written.")
			return exitError
		}
	}

	res, adiags := p.Apply(ctx, pl, engine.ApplyOptions{
		State: st, Saved: saved, Holder: "kopla apply", Lock: lock, Progress: view.Progress, Parallelism: a.parallelism,
		Stream: view.Stream(keyFields(p), p.TargetFieldSensitive),
		// The plan waited for an answer: someone other than kopla may
		// have created the same records meanwhile.
		RecheckCreates: !saved && !a.autoApprove,
	})
	diags = append(diags, adiags...)
	diags = append(diags, lock.Unlock()...)
	if res != nil {
		o := summarize(pl, res)
		c.log.Info("apply finished", "run", res.RunID, "created", o.counts.Create, "updated", o.counts.Update, "failed", o.counts.Error, "blocked", o.counts.Blocked, "interrupted", o.interrupted)
	}
	return applyExit(view, cfg, p, pl, res, diags)
}

// applyExit shows an apply's diagnostics and result, and is its exit code:
// an error for anything that failed, was blocked, unverified or interrupted.
func applyExit(view applyView, cfg *dsl.Config, p *engine.Project, pl *plan.Plan, res *engine.Result, diags hcl.Diagnostics) int {
	view.Diagnostics(diags, cfg.Files)
	if res == nil {
		return exitError
	}
	view.Result(pl, res, p.TargetFieldSensitive)
	o := summarize(pl, res)
	if diags.HasErrors() || o.interrupted || o.counts.Error+o.counts.Blocked+o.counts.Unverified > 0 {
		return exitError
	}
	return exitOK
}

// reveal says whether a human plan shows the values of sensitive fields:
// when the person reviewing it reads it on a terminal, or -show-sensitive
// asks. Output that is piped or redirected is kept, so it hides them.
func (c *cli) reveal(showSensitive bool) bool {
	return showSensitive || c.isTerminal(c.stdout)
}

// markSensitive records in the plan which target fields are sensitive, so
// that a saved plan is shown (kopla show) as kopla plan shows it.
func markSensitive(pl *plan.Plan, p *engine.Project) {
	for _, fp := range pl.Flows {
		fp.SensitiveFields = p.SensitiveFields(fp.Flow)
	}
}

func (c *cli) logPlan(pl *plan.Plan) {
	if pl == nil {
		return
	}
	for _, fp := range pl.Flows {
		n := fp.Counts()
		c.log.Info("flow planned", "flow", fp.Flow, "create", n.Create, "update", n.Update, "no_op", n.NoOp, "skip", n.Skip, "error", n.Error)
	}
}

// approve asks for approval on stdin; only "yes" approves.
func (c *cli) approve(ctx context.Context) bool {
	return c.confirm(ctx, "Do you want to perform these actions?\n  kopla will perform the actions described above.")
}

// confirm asks a question that only "yes" approves.
func (c *cli) confirm(ctx context.Context, question string) bool {
	fmt.Fprint(c.stdout, "\n"+question+"\n"+
		"  Only 'yes' will be accepted to approve.\n\n"+
		"  Enter a value: ")
	answer := make(chan string, 1)
	go func() {
		// The goroutine ends when stdin yields a line or EOF; if ctx ends
		// first, the process is about to exit anyway.
		line, _ := bufio.NewReader(c.stdin).ReadString('\n')
		answer <- strings.TrimSpace(line)
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(c.stdout)
		return false
	case s := <-answer:
		// A terminal echoed the answer and its newline; otherwise end the
		// prompt's line.
		if !c.isTerminal(c.stdin) {
			fmt.Fprintln(c.stdout)
		}
		return s == "yes"
	}
}
