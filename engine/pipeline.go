package engine

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/engine/plan"
)

// PlanSink is shown a pipelined run's plan as it is made: the changes one
// batch of source records gave a flow (creates, updates, skips and errors;
// no-ops are counted in the flow plan only), before any of them is
// written. It is called from one goroutine, batch after batch; the changes
// are the plan's and must not be changed.
type PlanSink func(fp *plan.FlowPlan, changes []*plan.Change)

// PlanAndApply plans and applies in one pipelined run, as kopla apply
// -auto-approve and kopla serve do: each batch of source records is read,
// planned, handed to sink and written while the next batch is read and
// planned, with the dependency order of Apply (a record waits for the
// records it requires). What sink is shown is exactly what is written:
// the same planner makes the same changes, and the same applier writes
// them. A record that cannot be planned is an error change and stops no
// other; a flow that fails in the plan (its source cannot be read) writes
// what it planned before and keeps its cursor. Targets that are not safe
// for concurrent use (concurrentWriter) are written once the plan is
// whole, as by Apply. The plan is returned complete, for the summary; it
// is nil when the run stopped before planning (a locked state).
func (p *Project) PlanAndApply(ctx context.Context, popts PlanOptions, aopts ApplyOptions, sink PlanSink) (*plan.Plan, *Result, hcl.Diagnostics) {
	popts.ForApply = true
	pl, out, diags := p.startPlan(popts)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	pipe := &pipeline{sink: sink, queues: map[string]*changeQueue{}, done: make(chan struct{})}
	pl.pipe = pipe
	for name, run := range pl.runs {
		// A target that is not safe for concurrent writes is read while
		// planned: its writes wait for the whole plan and take it from
		// the plan (spilled to disk), not from memory.
		run.stream = writesConcurrently(ctx, run.f)
		pipe.queues[name] = &changeQueue{ready: make(chan struct{}, 1), whole: !run.stream}
	}
	pipe.plan = func(ctx context.Context) {
		defer close(pipe.done)
		_, pdiags := pl.run(ctx, out, nil)
		pipe.diags = pdiags
		for name, q := range pipe.queues {
			q.close(pl.failed[name])
		}
	}
	res, adiags := p.apply(ctx, out, aopts, pipe)
	if !pipe.started {
		return nil, res, append(diags, adiags...)
	}
	return out, res, append(append(diags, pipe.diags...), adiags...)
}

// pipeline carries the changes of a plan being made to the apply writing
// it, flow by flow.
type pipeline struct {
	sink   PlanSink
	queues map[string]*changeQueue
	// plan makes the plan; start runs it once the apply is ready to
	// write, done is closed when it ended, and diags are its diagnostics.
	plan    func(ctx context.Context)
	started bool
	done    chan struct{}
	diags   hcl.Diagnostics
}

func (pp *pipeline) start(ctx context.Context) {
	pp.started = true
	go pp.plan(ctx)
}

// writesConcurrently says whether the flow's target may be written while
// it is read (concurrentWriter); false when it cannot be opened, which its
// apply reports.
func writesConcurrently(ctx context.Context, f *flow) bool {
	conn, err := f.target.conn.open(ctx)
	if err != nil {
		return false
	}
	obj, err := conn.Object(f.target.name)
	if err != nil {
		return false
	}
	cw, ok := obj.(concurrentWriter)
	return ok && cw.ConcurrentWrites()
}

// emit hands the changes planned since the last call to the sink and to
// the flows' writes, in dependency order.
func (pl *planner) emit() {
	if pl.pipe == nil {
		return
	}
	for _, f := range pl.p.order {
		if run := pl.runs[f.name]; run != nil {
			pl.emitRun(run)
		}
	}
}

// emitRun hands one flow's changes planned since the last call on.
func (pl *planner) emitRun(run *flowRun) {
	pipe := pl.pipe
	if pipe == nil || len(run.fresh) == 0 {
		return
	}
	if pipe.sink != nil {
		pipe.sink(run.fp, run.fresh)
	}
	pipe.queues[run.f.name].push(run.fresh)
	clear(run.fresh)
	run.fresh = run.fresh[:0]
}

// planFailedError ends the writes of a flow that failed in the plan: what
// it planned before is written, and the plan's diagnostic says why.
type planFailedError struct{ err error }

func (e *planFailedError) Error() string { return fmt.Sprintf("the plan failed: %s", e.err) }
func (e *planFailedError) Unwrap() error { return e.err }

// changeQueue holds the creates and updates of one flow planned and not
// yet taken by its writes.
type changeQueue struct {
	mu      sync.Mutex
	items   []*plan.Change
	closed  bool
	err     error
	planned int // creates and updates pushed so far
	ready   chan struct{}
	// whole says the flow is written from its plan once it is complete:
	// nothing is queued.
	whole bool
}

func (q *changeQueue) push(chs []*plan.Change) {
	if q.whole {
		return
	}
	q.mu.Lock()
	for _, ch := range chs {
		if ch.Action == plan.Create || ch.Action == plan.Update {
			q.items = append(q.items, ch)
			q.planned++
		}
	}
	q.mu.Unlock()
	q.signal()
}

// close says the plan is over; err is set when the flow failed in it.
func (q *changeQueue) close(err error) {
	q.mu.Lock()
	q.closed = true
	if err != nil {
		q.err = &planFailedError{err}
	}
	q.mu.Unlock()
	q.signal()
}

func (q *changeQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// wait waits until the plan is over.
func (q *changeQueue) wait(ctx context.Context) error {
	for {
		q.mu.Lock()
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil
		}
		select {
		case <-q.ready:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// changes yields the queued changes as they come, and nil each time it has
// handed out all there are for now, so that the writes send what they hold
// rather than wait for a full batch.
func (q *changeQueue) changes(ctx context.Context) iter.Seq[*plan.Change] {
	return func(yield func(*plan.Change) bool) {
		for {
			q.mu.Lock()
			closed := q.closed
			items := q.items
			q.items = nil
			q.mu.Unlock()
			for _, ch := range items {
				if !yield(ch) {
					return
				}
			}
			if closed {
				return
			}
			if len(items) > 0 && !yield(nil) {
				return
			}
			select {
			case <-q.ready:
			case <-ctx.Done():
				return
			}
		}
	}
}

func (q *changeQueue) state() (planned int, err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.planned, q.err
}

// changeSource is where a flow's writes take its changes from: the whole
// plan, or a pipeline's queue.
type changeSource struct {
	changes iter.Seq[*plan.Change]
	err     func() error
	// total is how many creates and updates there are (so far).
	total func() int
}

func (a *applier) changesOf(ctx context.Context, fp *plan.FlowPlan, total int) changeSource {
	if a.feed == nil {
		return changeSource{changes: fp.Changes(), err: fp.Err, total: func() int { return total }}
	}
	q := a.feed.queues[fp.Flow]
	if q.whole {
		// Once the plan is complete, read from it as Apply reads it.
		return changeSource{
			changes: func(yield func(*plan.Change) bool) {
				if q.wait(ctx) != nil {
					return
				}
				total = fp.Counts().Create + fp.Counts().Update
				for ch := range fp.Changes() {
					if !yield(ch) {
						return
					}
				}
			},
			err: func() error {
				if _, err := q.state(); err != nil {
					return err
				}
				return fp.Err()
			},
			total: func() int { return total },
		}
	}
	return changeSource{
		changes: q.changes(ctx),
		err:     func() error { _, err := q.state(); return err },
		total:   func() int { n, _ := q.state(); return n },
	}
}
