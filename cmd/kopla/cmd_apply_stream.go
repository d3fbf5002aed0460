package main

import (
	"context"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// applyPipelined is apply -auto-approve without a plan file: nobody
// reviews the plan before it is written, so each batch is written as soon
// as it is planned (engine.PlanAndApply), and shown before it is written.
// The lock is held throughout; diags are the ones so far.
func (c *cli) applyPipelined(ctx context.Context, a *applyArgs, p *engine.Project, cfg *dsl.Config, st *state.Store, lock *engine.StateLock, view applyView, diags hcl.Diagnostics) int {
	sv := streaming(view)
	sens := sensitivity(p.TargetFieldSensitive)
	view.Diagnostics(append(diags, incrementalDeprecated(a.incremental)...), cfg.Files)
	// The batches are shown by the planning, the progress by the writes:
	// one at a time.
	var mu sync.Mutex
	sink := func(fp *plan.FlowPlan, chs []*plan.Change) {
		mu.Lock()
		defer mu.Unlock()
		sv.PlanBatch(fp, chs, sens)
	}
	progress := func(flow string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		view.Progress(flow, done, total)
	}
	pl, res, adiags := p.PlanAndApply(ctx, engine.PlanOptions{Flows: a.flows, State: st, Full: a.full},
		engine.ApplyOptions{State: st, Holder: "kopla apply", Lock: lock, Progress: progress, Parallelism: a.parallelism}, sink)
	adiags = append(adiags, lock.Unlock()...)
	c.logPlan(pl)
	if pl != nil {
		defer pl.Close()
		sv.PlanSummary(pl, sens)
	}
	if res != nil {
		o := summarize(pl, res)
		c.log.Info("apply finished", "run", res.RunID, "created", o.counts.Create, "updated", o.counts.Update, "failed", o.counts.Error, "blocked", o.counts.Blocked, "interrupted", o.interrupted)
	}
	if pl == nil {
		view.Diagnostics(adiags, cfg.Files)
		return exitError
	}
	return applyExit(view, cfg, p, pl, res, adiags)
}
