package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sync/semaphore"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// ApplyOptions configure an apply.
type ApplyOptions struct {
	// State is required: apply records links, intents, runs and activity.
	State *state.Store
	// Saved says the plan was read from a file: apply checks that it is not
	// stale before doing anything.
	Saved bool
	// Holder describes this process in the state lock ("kopla apply").
	Holder string
	// Lock is the state lock the caller took (LockState) before it made or
	// read the plan, and releases after Apply returns. Without it, Apply
	// takes the lock itself, failing at once if another apply holds it.
	Lock *StateLock
	// RecheckCreates looks the records to create up by key again, batch by
	// batch, just before they are written, and writes none that exists by
	// then: for a fresh plan that waited (at the approval prompt) while a
	// process other than kopla could create the same records. It costs one
	// lookup per batch of creates. A saved plan is checked whole instead.
	RecheckCreates bool
	// Progress, when set, is called after each batch of writes. Batches
	// of several flows are written at once, but Progress is called for
	// one at a time.
	Progress func(flow string, done, total int)
	// Parallelism caps the batches written at the same time, across all
	// flows (-parallelism); 0 means DefaultParallelism.
	Parallelism int
	// Stream, when set, is handed each record's result once its batch is
	// stored; FlowResult.Records then keeps only the records that were not
	// written (failed, blocked, interrupted, unverified), and counts the
	// others in FlowResult.Streamed.
	Stream func(flow string, rr *RecordResult)
}

// DefaultParallelism is how many batches an apply writes at the same time
// unless told otherwise, as Terraform's -parallelism.
const DefaultParallelism = 10

// Result is what an apply did.
type Result struct {
	RunID int64
	Flows []*FlowResult
	// Interrupted says the apply was cancelled (Ctrl-C) before it wrote
	// everything: what was written and answered is saved. NotWritten
	// counts the planned changes that were not written, or whose write
	// was cut off before its answer (RecordResult.Interrupted).
	Interrupted bool
	NotWritten  int
	// PlanFailed names the flows that failed in the plan of a pipelined
	// run (PlanAndApply): what they planned before is written, their
	// cursors stay where they were, and the plan's diagnostics say why.
	PlanFailed []string
}

// FlowResult is what an apply did in one flow.
type FlowResult struct {
	Flow    string
	Target  string
	Records []*RecordResult
	// Streamed counts the records written and handed to
	// ApplyOptions.Stream, which Records does not keep.
	Streamed plan.Counts
}

// RecordResult is what happened to one planned change.
type RecordResult struct {
	SourceKey string
	Key       any
	// Action is create or update when the write succeeded, error when it
	// failed, blocked when a record it depends on failed.
	Action   plan.Action
	Planned  plan.Action
	TargetID string
	Field    string
	Error    string
	// Err is the error behind Error when a write or its fields failed
	// (nil when blocked or written), for callers that tell a retryable
	// cause (429, 5xx, timeout) from a refusal.
	Err error
	// Verification compares the totals of a created document with what the
	// target stored (targets that implement connectors.Verifier); a failed
	// one leaves the record created and linked, its Error set, and fails
	// the run.
	Verification *Verification
	// Interrupted says the apply was cancelled before this write was
	// answered: it was not sent, or its answer never came. Its Action is
	// error; it counts as not written, not as failed.
	Interrupted bool
}

// Counts counts the results by action.
func (r *Result) Counts() plan.Counts {
	var c plan.Counts
	for _, f := range r.Flows {
		c.Create += f.Streamed.Create
		c.Update += f.Streamed.Update
		for _, rec := range f.Records {
			if rec.Interrupted {
				continue // counted in NotWritten
			}
			c.Add(rec.Action)
			if rec.Verification.Failed() {
				c.Unverified++
			}
		}
	}
	return c
}

// ref identifies an applied record.
type ref struct{ flow, sourceKey string }

// applier carries one apply. Its flows are written at the same time (see
// schedule.go); mu guards what their batches share: the evaluator, the
// find() cache, applied and the activity encoder. The writes themselves
// and the saving of their answers run outside it.
type applier struct {
	p     *Project
	st    *state.Store
	opts  ApplyOptions
	lock  *StateLock
	runID int64
	sched *scheduler
	// feed hands out the changes of a plan made while it is written
	// (PlanAndApply); nil when the plan is whole.
	feed *pipeline

	mu      sync.Mutex
	ev      evaluator
	finds   *findCache
	applied map[ref]*appliedRecord
	// sentKeys encodes what a flow sends, the same fields record after
	// record.
	sentKeys jsonenc.KeyOrder

	// reconciled maps records a crashed earlier run may have created to the
	// target record found by key. It is filled before any write, and only
	// read after.
	reconciled map[ref]string
	// readAt is when the plan read the target records it updates (for a
	// saved plan: when apply checked them); changedSincePlan are the
	// records a saved plan's check found changed in fields the plan does
	// not write, and written the records of whole-record targets this
	// apply wrote: for those, the plan's read does not stand for the
	// current record (see current).
	readAt           time.Time
	changedSincePlan map[targetKey]bool
	written          map[targetKey]bool
	// lost are the creates of earlier runs whose answers were lost and
	// that are not settled yet (intents.go).
	lost lostCreates
	// scratch holds the slices of applyBatch, used again batch after
	// batch (a *batchScratch).
	scratch sync.Pool
}

// batchScratch holds the slices of one applyBatch.
type batchScratch struct {
	writes  []connectors.Write
	changes []*plan.Change
	results []*RecordResult
	intents []state.Intent
	acts    []state.Activity
	links   []state.Link
	docs    []byte
}

type appliedRecord struct {
	failed bool
	view   map[string]any
}

// Apply carries out a plan. Its flows are written at the same time, each
// record once the records it requires are (schedule.go), at most
// opts.Parallelism batches at once. Each record's failure is its own: the
// others go on, and records that depend on a failed one are reported as
// blocked.
// Diagnostics are for what stops the whole apply (a stale plan, a locked
// state).
func (p *Project) Apply(ctx context.Context, pl *plan.Plan, opts ApplyOptions) (_ *Result, diags hcl.Diagnostics) {
	return p.apply(ctx, pl, opts, nil)
}

// apply carries out pl; with feed, pl is planned while it is written
// (PlanAndApply), each flow's changes written as the feed hands them out.
func (p *Project) apply(ctx context.Context, pl *plan.Plan, opts ApplyOptions, feed *pipeline) (_ *Result, diags hcl.Diagnostics) {
	st := opts.State
	if st == nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No state", Detail: "Apply needs a state store."}}
	}
	if opts.Holder == "" {
		opts.Holder = "kopla apply"
	}
	lock := opts.Lock
	if lock == nil {
		var ldiags hcl.Diagnostics
		lock, ldiags = LockState(ctx, st, LockOptions{Holder: opts.Holder})
		if ldiags.HasErrors() {
			return nil, ldiags
		}
		defer func() { diags = append(diags, lock.Unlock()...) }()
	}

	var err error
	a := &applier{p: p, st: st, opts: opts, lock: lock, feed: feed, sched: newScheduler(opts.Parallelism), finds: newFindCache(p), applied: map[ref]*appliedRecord{}, reconciled: map[ref]string{},
		readAt: pl.CreatedAt, changedSincePlan: map[targetKey]bool{}, written: map[targetKey]bool{}}

	if opts.Saved {
		a.readAt = p.engine.opts.Now()
		if diags := a.checkStale(ctx, pl); diags.HasErrors() {
			return nil, diags
		}
	}
	if a.runID, err = st.StartRun(ctx, "apply", p.Digest); err != nil {
		return nil, ErrorDiagnostic("Cannot record the run", err)
	}
	if err := a.reconcileIntents(ctx); err != nil {
		_ = st.FinishRun(ctx, a.runID, "failed", nil)
		return nil, ErrorDiagnostic("Cannot reconcile interrupted writes", err)
	}

	res := &Result{RunID: a.runID}
	if feed != nil {
		feed.start(ctx)
	}
	applied := a.applyFlows(ctx, pl)
	if feed != nil {
		// The flows' results below read their plans: the planning must
		// be over (it is, unless the apply was interrupted).
		<-feed.done
	}
	for _, fa := range applied {
		f, fp, fr, err := fa.f, fa.fp, fa.fr, fa.err
		if ctx.Err() != nil {
			res.Interrupted = true
			if fr == nil || fr.handled() == 0 && errors.Is(err, context.Canceled) {
				// Interrupted before the flow wrote anything: it is not
				// written at all.
				res.NotWritten += fp.Counts().Create + fp.Counts().Update
				continue
			}
			res.Flows = append(res.Flows, fr)
			res.NotWritten += max(0, fp.Counts().Create+fp.Counts().Update-fr.handled())
			for _, rr := range fr.Records {
				if rr.Interrupted {
					res.NotWritten++
				}
			}
			if err != nil && !errors.Is(err, context.Canceled) {
				// Not the interrupt itself: what stopped the saving of
				// the answers (a state error, saveTimeout).
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Flow failed", Detail: Sentence(fmt.Sprintf("Flow %q: %s", f.name, err)), Subject: f.decl.DeclRange.Ptr()})
			}
			continue
		}
		res.Flows = append(res.Flows, fr)
		var pf *planFailedError
		if errors.As(err, &pf) {
			res.PlanFailed = append(res.PlanFailed, f.name)
			continue // the plan's diagnostics say why; the cursor stays
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Flow failed", Detail: Sentence(fmt.Sprintf("Flow %q: %s", f.name, err)), Subject: f.decl.DeclRange.Ptr()})
			continue
		}
		if err := a.logPlanErrors(ctx, f, fp); err != nil {
			diags = append(diags, ErrorDiagnostic("Cannot log the records the plan could not plan", err)...)
		}
		// The cursor moves only once the flow is applied; a record that
		// failed, in the plan or here, is read again (incremental.go).
		if err := a.storeRead(ctx, f, fp, fr, pl.CreatedAt); err != nil {
			diags = append(diags, ErrorDiagnostic("Cannot store the cursor", err)...)
		}
	}
	// The run's counts: what was written, and what the plan left alone or
	// could not plan.
	counts := res.Counts()
	planned := pl.Counts()
	counts.NoOp, counts.Skip = planned.NoOp, planned.Skip
	counts.Waiting += planned.Waiting
	counts.Error += planned.Error
	status := "succeeded"
	switch {
	case ctx.Err() != nil:
		status = "interrupted"
	case counts.Error+counts.Blocked+counts.Unverified > 0 || diags.HasErrors():
		status = "failed"
	}
	// The run's bookkeeping must be written even when ctx was cancelled.
	bg := context.WithoutCancel(ctx)
	if err := st.FinishRun(bg, a.runID, status, countsMap(counts)); err != nil {
		diags = append(diags, ErrorDiagnostic("Cannot record the run", err)...)
	}
	if err := a.recordAPICalls(bg); err != nil {
		diags = append(diags, ErrorDiagnostic("Cannot record the run's API calls", err)...)
	}
	if days := p.cfg.Settings.LogRetentionDays; days > 0 {
		if _, err := st.Purge(bg, p.engine.opts.Now().AddDate(0, 0, -days)); err != nil {
			diags = append(diags, ErrorDiagnostic("Cannot purge the activity log", err)...)
		}
	}
	return res, diags
}

func countsMap(c plan.Counts) map[string]int {
	m := map[string]int{"create": c.Create, "update": c.Update, "no_op": c.NoOp, "skip": c.Skip, "error": c.Error, "blocked": c.Blocked}
	if c.Unverified > 0 {
		m["verification_failed"] = c.Unverified
	}
	return m
}

// applyFlow writes one flow's creates and updates, batch by batch, as it
// reads them from the plan. Each batch waits for the records of other flows
// it depends on (plan.Change.Requires), then is written as soon as one of
// the apply's write slots is free: the batches of a target that writes
// concurrently (concurrentWriter) are written at the same time, those of
// any other target one after another, in the order of the plan.
func (a *applier) applyFlow(ctx context.Context, f *flow, fp *plan.FlowPlan) (_ *FlowResult, err error) {
	fr := &FlowResult{Flow: f.name, Target: fp.Target}
	total := 0
	if a.feed == nil {
		// (A pipelined plan is still being made: its queue counts.)
		counts := fp.Counts()
		if total = counts.Create + counts.Update; total == 0 {
			return fr, nil
		}
	}
	conn, err := f.target.conn.open(ctx)
	if err != nil {
		return fr, err
	}
	target, err := conn.Object(f.target.name)
	if err != nil {
		return fr, err
	}
	writer, ok := target.(connectors.Writer)
	if !ok {
		return fr, fmt.Errorf("target %s cannot be written", f.target.ref)
	}
	defer func() {
		if ferr := flushTarget(ctx, f, target); ferr != nil && err == nil {
			err = ferr
		}
	}()
	size := a.p.engine.opts.BatchSize
	if bs, ok := target.(connectors.WriteBatchSizer); ok && bs.WriteBatchSize() > 0 {
		size = bs.WriteBatchSize()
	}
	cw, ok := target.(concurrentWriter)
	concurrent := ok && cw.ConcurrentWrites()
	whole := replacesWholeRecords(target)
	// A flow has few batches in flight: more would only share its
	// endpoint's rate limit, and each would be answered later, keeping
	// what depends on its records waiting longer.
	inFlight := semaphore.NewWeighted(batchesInFlight)
	var serial *sync.Mutex
	if !concurrent {
		serial = a.sched.serial(f.target.conn)
	}
	src := a.changesOf(ctx, fp, total)

	var (
		wg sync.WaitGroup
		mu sync.Mutex // guards parts, firstErr and done
		// parts are the batches' results, and their changes' places in
		// the plan.
		parts    []batchResult
		firstErr error
		done     int
	)
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return firstErr
	}
	// dispatch hands a batch whose requirements are met to a write slot.
	dispatch := func(b []*plan.Change, seqs []int) error {
		a.sched.register(f.name, b)
		if err := inFlight.Acquire(ctx, 1); err != nil {
			a.sched.release(f.name, b)
			return err
		}
		mu.Lock()
		i := len(parts)
		parts = append(parts, batchResult{seqs: seqs})
		mu.Unlock()
		wg.Add(1)
		a.sched.writes.Go(func() error {
			defer wg.Done()
			defer inFlight.Release(1)
			// Its records are done whatever happens, so that what
			// depends on them is not kept waiting.
			defer a.sched.release(f.name, b)
			if serial != nil {
				serial.Lock()
				defer serial.Unlock()
			}
			var recs []*RecordResult
			err := ctx.Err()
			if err == nil && a.lock.Lost() {
				// Another apply may hold the lock now: writing on could
				// write the same records twice.
				err = errors.New("the state lock was lost while this apply held it (broken with kopla state unlock, " +
					"or taken over after this process stalled past the lock's expiry); stopped before writing more. Run kopla plan to see what is left")
			}
			if err == nil && whole {
				ids := targetIDs(b)
				if err = a.sched.lockRecords(ctx, f.target.ref, ids); err == nil {
					defer a.sched.unlockRecords(f.target.ref, ids)
				}
			}
			if err == nil {
				recs, err = a.applyBatch(ctx, f, writer, b)
			}
			mu.Lock()
			parts[i].recs, parts[i].seqs = a.streamBatch(fr, recs, seqs)
			if err != nil && firstErr == nil {
				firstErr = err
			}
			done += len(b)
			if err == nil && a.opts.Progress != nil {
				// Under mu: a flow's counts are reported in order.
				a.sched.progress(func() { a.opts.Progress(f.name, done, src.total()) })
			}
			mu.Unlock()
			return nil
		})
		if !concurrent {
			// In the order of the plan: the next batch is sent once this
			// one is answered.
			wg.Wait()
			return failed()
		}
		return nil
	}
	batch := make([]*plan.Change, 0, min(size, total))
	var seqs []int
	// flush writes the batch read from the plan. For a concurrent target,
	// the changes whose requirements are met go first, the others as
	// theirs are: each waits for exactly what it needs. Any other target
	// gets the batch whole once all of it may go, in the order of the plan.
	flush := func() error {
		b, bs := batch, seqs
		batch, seqs = make([]*plan.Change, 0, min(size, total)), nil
		for len(b) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := failed(); err != nil {
				return err
			}
			if !concurrent {
				if err := a.sched.waitRequirements(ctx, f.name, b); err != nil {
					return err
				}
				return dispatch(b, bs)
			}
			ready, readySeqs, rest, restSeqs, wait := a.sched.split(f.name, b, bs)
			if len(ready) > 0 {
				if err := dispatch(ready, readySeqs); err != nil {
					return err
				}
			}
			if len(rest) > 0 && len(ready) == 0 {
				if err := wait(ctx); err != nil {
					return err
				}
			}
			b, bs = rest, restSeqs
		}
		return nil
	}
	seq := 0
	err = func() error {
		for ch := range src.changes {
			if ch == nil {
				// The plan has handed out all it has so far: what is
				// held is written, not kept waiting for more.
				if len(batch) > 0 {
					if err := flush(); err != nil {
						return err
					}
				}
				continue
			}
			if ch.Action != plan.Create && ch.Action != plan.Update {
				continue
			}
			batch, seqs = append(batch, ch), append(seqs, seq)
			seq++
			if len(batch) == size {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := src.err(); err != nil {
			return err
		}
		if len(batch) > 0 {
			return flush()
		}
		return nil
	}()
	wg.Wait()
	fr.Records = inPlanOrder(parts)
	if ferr := failed(); ferr != nil {
		// What stopped a batch comes first: the loop only saw it after.
		err = ferr
	}
	return fr, err
}

// batchesInFlight is how many batches of one flow are written at the same
// time, at most.
const batchesInFlight = 2

// saveTimeout bounds the saving of a batch's answers after the apply was
// interrupted: long enough for a busy state file, short enough that a
// second Ctrl-C is not needed.
const saveTimeout = 30 * time.Second

// applyBatch writes one batch: intents first, then the writes, then links,
// activity and the resolution of the intents. It returns the batch's
// results, in its order. Batches run at the same time: what they share is
// used under a.mu, which is not held while the target or the state is
// written.
func (a *applier) applyBatch(ctx context.Context, f *flow, writer connectors.Writer, batch []*plan.Change) ([]*RecordResult, error) {
	// The batch's slices are used again batch after batch: nothing keeps
	// them once the batch is stored. The records are kept in the result.
	sc, _ := a.scratch.Get().(*batchScratch)
	if sc == nil {
		sc = &batchScratch{}
	}
	var (
		writes  = sc.writes[:0]
		changes = sc.changes[:0]
		// results are the RecordResults of changes.
		results = sc.results[:0]
		intents = sc.intents[:0]
		acts    = sc.acts[:0]
		links   = sc.links[:0]
		// docs holds the JSON documents of acts, one allocation for many.
		docs    = sc.docs[:0]
		records = make([]RecordResult, len(batch))
		out     = make([]*RecordResult, len(batch))
	)
	defer func() {
		// Cleared, so that they keep none of this batch's records alive
		// while the next batch is read.
		clear(writes)
		clear(changes)
		clear(results)
		clear(intents)
		clear(acts)
		clear(links)
		sc.writes, sc.changes, sc.results, sc.intents = writes[:0], changes[:0], results[:0], intents[:0]
		sc.acts, sc.links, sc.docs = acts[:0], links[:0], docs[:0]
		a.scratch.Put(sc)
	}()
	existing, err := a.createdSincePlan(ctx, f, writer, batch)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	for i, ch := range batch {
		rr := &records[i]
		// The result outlives the batch: its strings are copied out of
		// the change's, which keep a whole decoded change in memory.
		key := ch.Key
		if s, ok := key.(string); ok {
			key = strings.Clone(s)
		}
		*rr = RecordResult{SourceKey: strings.Clone(ch.SourceKey), Key: key, Planned: ch.Action, TargetID: strings.Clone(ch.TargetID)}
		out[i] = rr
		if failed := a.failedRequirement(ch); failed != nil {
			rr.Action = plan.Blocked
			rr.Error = fmt.Sprintf("not written: record %s of flow %s, which it depends on, failed", failed.SourceKey, failed.Flow)
			a.applied[ref{f.name, rr.SourceKey}] = &appliedRecord{failed: true}
			acts = append(acts, a.activity(&docs, f, ch, nil, rr, nil))
			continue
		}
		fields, err := a.writeFields(ctx, f, ch)
		if err != nil {
			rr.Action = plan.Error
			rr.Error, rr.Err = err.Error(), err
			var re *recordError
			if errors.As(err, &re) {
				rr.Field = re.field
			}
			a.applied[ref{f.name, rr.SourceKey}] = &appliedRecord{failed: true}
			acts = append(acts, a.activity(&docs, f, ch, nil, rr, nil))
			continue
		}
		if id, ok := a.reconciled[ref{f.name, ch.SourceKey}]; ok && ch.Action == plan.Create {
			// An interrupted run created this record; it was found by key.
			rr.Action = plan.Create
			rr.TargetID = id
			if f.ensured {
				view := map[string]any{"id": id}
				for k, v := range fields {
					view[k] = v
				}
				a.applied[ref{f.name, rr.SourceKey}] = &appliedRecord{view: view}
			}
			links = append(links, a.link(f, ch, id, fields))
			acts = append(acts, a.activity(&docs, f, ch, fields, rr, nil))
			continue
		}
		if a.waitingCreate(f, ch, rr) {
			acts = append(acts, a.activity(&docs, f, ch, nil, rr, nil))
			continue
		}
		if ch.Action == plan.Create && existing[stringOf(ch.Key)] {
			rr.Action = plan.Error
			rr.Field = f.keyField
			rr.Error = fmt.Sprintf("not created: a record with %s was created in %s after the plan was made, by another process; run kopla plan again", keyText(f, ch.Key), f.target.ref)
			a.applied[ref{f.name, rr.SourceKey}] = &appliedRecord{failed: true}
			acts = append(acts, a.activity(&docs, f, ch, nil, rr, nil))
			continue
		}
		w := connectors.Write{Action: connectors.Create, ID: ch.TargetID, Fields: fields, KeyField: f.keyField}
		if ch.Action == plan.Update {
			w.Action = connectors.Update
			w.Current = a.current(f, writer, ch)
		}
		writes = append(writes, w)
		changes = append(changes, ch)
		results = append(results, rr)
		// Only a create can be duplicated by a crash: updates need no
		// journal (sent again, they write the same values).
		if ch.Action == plan.Create {
			intents = append(intents, state.Intent{
				RunID: a.runID, Flow: f.name, SourceKey: ch.SourceKey, Object: f.target.ref,
				Action: string(ch.Action), KeyField: f.keyField, KeyValue: stringOf(ch.Key),
			})
		}
	}
	a.mu.Unlock()
	// pending are the source keys of the writes whose outcome is unknown:
	// one that failed without an answer from the system (a lost
	// connection, a timeout) may have happened, so its intent stays in the
	// journal and the next apply reconciles it by key.
	var (
		journal int64
		pending []string
		// committing are those of pending the target may still be
		// carrying out (intents.go).
		committing []string
	)
	// What the target answered is recorded even when the apply is
	// interrupted (Ctrl-C) during or after the writes: a record written
	// but not linked would be created again, and have no history. The
	// recording outlives ctx's cancellation, for saveTimeout at most.
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if len(writes) > 0 {
		var err error
		if journal, err = a.st.BeginIntents(ctx, intents); err != nil {
			return out, err
		}
		answers := writer.Write(ctx, writes)
		if len(answers) != len(writes) {
			return out, fmt.Errorf("connector returned %d results for %d writes", len(answers), len(writes))
		}
		a.linkConflicts(saveCtx, f, writer, changes, writes, answers)
		// The documents created are verified before a.mu is taken: it
		// reads them from the target.
		verified := verifyCreated(saveCtx, writer, writes, answers)
		a.mu.Lock()
		for i, res := range answers {
			ch, rr := changes[i], results[i]
			key := ref{f.name, rr.SourceKey}
			if res.Err != nil {
				rr.Action = plan.Error
				rr.Error, rr.Err = res.Err.Error(), res.Err
				if errors.Is(res.Err, context.Canceled) && ctx.Err() != nil {
					rr.Interrupted = true
					rr.Error = "interrupted (Ctrl-C) before an answer came; the next apply writes it again, and a create only if it is not found by key"
				}
				var apiErr *connectors.APIError
				if errors.As(res.Err, &apiErr) {
					// The system answered: the write did not happen.
					if len(apiErr.Fields) > 0 {
						rr.Field = apiErr.Fields[0].Field
					}
				} else if ch.Action == plan.Create {
					pending = append(pending, ch.SourceKey)
					if errors.Is(res.Err, connectors.ErrMayStillCommit) {
						committing = append(committing, ch.SourceKey)
					}
				}
				a.applied[key] = &appliedRecord{failed: true}
				acts = append(acts, a.activity(&docs, f, ch, writes[i].Fields, rr, &res))
				continue
			}
			rr.Action = ch.Action
			if res.Record.ID != "" {
				rr.TargetID = strings.Clone(res.Record.ID) // as above
			}
			if f.ensured {
				a.applied[key] = &appliedRecord{view: appliedView(res.Record, rr.TargetID, writes[i].Fields)}
			}
			a.markWritten(f, writer, rr.TargetID)
			// A created document exists either way: it is linked, so that
			// it is never created twice, and its failed verification is
			// reported for the record and the run.
			if v := verified[i]; v != nil {
				rr.Verification = v
				if v.Failed() {
					rr.Error = v.Message()
				}
			}
			links = append(links, a.link(f, ch, rr.TargetID, writes[i].Fields))
			acts = append(acts, a.activity(&docs, f, ch, writes[i].Fields, rr, &res))
		}
		a.mu.Unlock()
	}
	// Links, activity and the resolution of the intents are stored in one
	// transaction: an intent is never resolved without its link.
	return out, a.st.Save(saveCtx, state.Batch{Links: links, Activities: acts, Intents: journal, Pending: pending, Committing: committing})
}

// appliedView is an ensured record as the target stored it: the answer's
// fields, completed with what was sent.
func appliedView(rec connectors.Record, id string, sent map[string]any) map[string]any {
	view := make(map[string]any, len(rec.Fields)+len(sent)+1)
	for k, v := range sent {
		view[k] = v
	}
	for k, v := range rec.Fields {
		view[k] = v
	}
	if _, ok := view["id"]; !ok {
		view["id"] = id
	}
	return view
}

// failedRequirement returns the first record this change depends on that
// failed in this apply.
func (a *applier) failedRequirement(ch *plan.Change) *plan.Ref {
	for i, r := range ch.Requires {
		if ap := a.applied[ref{r.Flow, r.SourceKey}]; ap != nil && ap.failed {
			return &ch.Requires[i]
		}
	}
	return nil
}

// writeFields returns the values to write, evaluating again the fields
// that were known only after apply.
func (a *applier) writeFields(ctx context.Context, f *flow, ch *plan.Change) (map[string]any, error) {
	fields := make(map[string]any, len(ch.Fields))
	unknown := false
	for _, fc := range ch.Fields {
		fields[fc.Name] = fc.After
		unknown = unknown || fc.Unknown
	}
	if !unknown {
		return fields, nil
	}
	ensured := map[string]any{}
	for k, v := range ch.Ensured {
		ensured[k] = v
	}
	for _, r := range ch.Requires {
		ap := a.applied[ref{r.Flow, r.SourceKey}]
		if ap == nil || ap.view == nil {
			continue
		}
		if r.Index < 0 || ensured[r.Ensure] == nil {
			ensured[r.Ensure] = ap.view
			continue
		}
		if list, ok := ensured[r.Ensure].([]any); ok && r.Index < len(list) {
			list = append([]any(nil), list...)
			list[r.Index] = ap.view
			ensured[r.Ensure] = list
		}
	}
	env := make(map[string]any, len(a.p.funcs.base)+4)
	for k, v := range a.p.funcs.base {
		env[k] = v
	}
	env[envFinds] = a.finds
	var source map[string]any
	if err := json.Unmarshal(ch.Source, &source); err != nil {
		return nil, fmt.Errorf("the plan's copy of the source record cannot be read: %w", err)
	}
	env[envSource] = source
	env[envTarget] = nil
	if len(ch.Target) > 0 {
		var target map[string]any
		if err := json.Unmarshal(ch.Target, &target); err != nil {
			return nil, fmt.Errorf("the plan's copy of the target record cannot be read: %w", err)
		}
		env[envTarget] = target
	}
	env[envEnsured] = ensured
	for _, fc := range ch.Fields {
		if !fc.Unknown {
			continue
		}
		m := f.mapping(fc.Name)
		if m == nil {
			return nil, fmt.Errorf("field %s is not in the flow any more: plan again", fc.Name)
		}
		var v any
		var err error
		for round := 0; ; round++ {
			v, err = a.ev.run(m.prog, env)
			if !errors.Is(err, errNeedFetch) || round == maxFindRounds {
				break
			}
			if err := a.finds.fetch(ctx); err != nil {
				return nil, err
			}
		}
		if err != nil {
			return nil, &recordError{field: fc.Name, err: err}
		}
		if hasUnknown(v) {
			return nil, &recordError{field: fc.Name, err: errors.New("still unknown after its dependencies were applied")}
		}
		fields[fc.Name] = v
	}
	if ch.Action == plan.Create {
		f.defaults.fill(fields)
	}
	return fields, nil
}

func (f *flow) mapping(name string) *mapping {
	for _, m := range f.fields {
		if m.name == name {
			return m
		}
	}
	return nil
}

func (a *applier) link(f *flow, ch *plan.Change, targetID string, fields map[string]any) state.Link {
	return state.Link{Flow: f.name, SourceKey: ch.SourceKey, TargetID: targetID, KeyValue: stringOf(ch.Key), Values: fields}
}

// activity is the activity-log entry of one record: what was read, what was
// sent and the answer, with personal data redacted. Its documents are
// appended to docs.
func (a *applier) activity(docs *[]byte, f *flow, ch *plan.Change, sent map[string]any, rr *RecordResult, res *connectors.WriteResult) state.Activity {
	act := state.Activity{RunID: a.runID, Flow: f.name, SourceKey: ch.SourceKey, TargetID: rr.TargetID, Action: string(rr.Action), Error: rr.Error}
	act.Keys = activityKeys(f, ch, sent, res)
	if ch.Source != nil {
		act.Read = f.sourceRedactor.json(ch.Source)
	}
	// doc returns what was appended to docs since start, capped so that
	// later appends never write into it.
	doc := func(start int) json.RawMessage {
		b := *docs
		return b[start:len(b):len(b)]
	}
	if sent != nil {
		start := len(*docs)
		*docs = a.sentKeys.Append(*docs, f.targetRedactor.record(sent), true)
		act.Sent = doc(start)
	}
	if res == nil {
		return act
	}
	start := len(*docs)
	if res.Err != nil {
		answer := map[string]any{"error": res.Err.Error()}
		var apiErr *connectors.APIError
		if errors.As(res.Err, &apiErr) {
			answer["status"] = apiErr.Status
			answer["code"] = apiErr.Code
			answer["correlation_id"] = apiErr.CorrelationID
		}
		*docs = jsonenc.Append(*docs, answer, true)
	} else {
		// {"id":…,"stored":…}: the keys in the order encoding/json sorts
		// them. What the system stored beyond what was sent: values it set
		// or changed (ids, numbers, normalised text).
		*docs = jsonenc.AppendString(append(*docs, `{"id":`...), res.Record.ID, true)
		if extra := changedFields(res.Record.Fields, sent); len(extra) > 0 {
			*docs = jsonenc.Append(append(*docs, `,"stored":`...), f.targetRedactor.record(extra), true)
		}
		*docs = append(*docs, '}')
	}
	act.Answer = doc(start)
	return act
}

// changedFields returns the fields of stored that differ from sent.
func changedFields(stored, sent map[string]any) map[string]any {
	if len(stored) > 0 && reflect.ValueOf(stored).UnsafePointer() == reflect.ValueOf(sent).UnsafePointer() {
		return nil // the connector answered with what was sent
	}
	var out map[string]any
	for k, v := range stored {
		if s, ok := sent[k]; ok && valuesEqual(s, v) {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	return out
}

func mustJSON(v any) json.RawMessage { return jsonenc.Append(nil, v, true) }

// keyText names a record by its key in a message: `Email = "a@b.se"`, or
// "this Email" when the key field is sensitive, as the plan shows it.
func keyText(f *flow, key any) string {
	if fl, ok := f.target.schema.Field(f.keyField); ok && fl.Sensitive {
		return "this " + f.keyField
	}
	return fmt.Sprintf("%s = %q", f.keyField, stringOf(key))
}

// checkStale refuses a saved plan made from another configuration, or whose
// target records changed since it was made.
func (a *applier) checkStale(ctx context.Context, pl *plan.Plan) hcl.Diagnostics {
	if pl.ConfigDigest != a.p.Digest {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Saved plan is stale",
			Detail:   "The flow files or variable values changed since this plan was made, so it may no longer do what it says. Run kopla plan again.",
		}}
	}
	var problems []string
	for _, fp := range pl.Flows {
		f := a.p.flows[fp.Flow]
		if f == nil || fp.Disabled {
			continue
		}
		found, err := a.staleRecords(ctx, f, fp)
		if err != nil {
			return ErrorDiagnostic("Cannot check the saved plan", err)
		}
		problems = append(problems, found...)
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	const shown = 5
	detail := fmt.Sprintf("%d target record(s) changed since the plan was made:\n  - %s", len(problems), strings.Join(problems[:min(shown, len(problems))], "\n  - "))
	if len(problems) > shown {
		detail += fmt.Sprintf("\n  ... and %d more", len(problems)-shown)
	}
	detail += "\nRun kopla plan again to see what would change now."
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Saved plan is stale", Detail: detail}}
}

// staleRecords compares the plan's view of a flow's targets with what they
// hold now: updated records must still hold the planned "before" values,
// and records to create must still be missing. It reads the plan in
// batches.
func (a *applier) staleRecords(ctx context.Context, f *flow, fp *plan.FlowPlan) ([]string, error) {
	target, err := (&flowRun{f: f}).targetObject(ctx)
	if err != nil {
		return nil, err
	}
	var problems []string
	var updates []*plan.Change
	var createKeys []any
	check := func() error {
		found, err := staleBatch(ctx, f, fp.Flow, target, updates, createKeys, func(id string) {
			a.changedSincePlan[targetKey{f.target.ref, id}] = true
		})
		problems = append(problems, found...)
		updates, createKeys = updates[:0], createKeys[:0]
		return err
	}
	for ch := range fp.Changes() {
		switch ch.Action {
		case plan.Update:
			updates = append(updates, ch)
		case plan.Create:
			if ch.Key != nil {
				createKeys = append(createKeys, ch.Key)
			}
		}
		if len(updates)+len(createKeys) >= a.p.engine.opts.BatchSize {
			if err := check(); err != nil {
				return nil, err
			}
		}
	}
	if err := fp.Err(); err != nil {
		return nil, err
	}
	if err := check(); err != nil {
		return nil, err
	}
	return problems, nil
}

// staleBatch checks one batch of a saved plan. changed is called for the
// updates of a whole-record target whose record changed in a field the
// plan does not write: not stale, but the plan's read of it is old.
func staleBatch(ctx context.Context, f *flow, flowName string, target connectors.Object, updates []*plan.Change, createKeys []any, changed func(id string)) ([]string, error) {
	var problems []string
	if getter, ok := target.(connectors.Getter); ok && len(updates) > 0 {
		ids := make([]string, len(updates))
		for i, ch := range updates {
			ids[i] = ch.TargetID
		}
		recs, err := getter.Get(ctx, ids)
		if err != nil {
			return nil, err
		}
		byID := map[string]connectors.Record{}
		for _, r := range recs {
			byID[r.ID] = r
		}
		for _, ch := range updates {
			cur, ok := byID[ch.TargetID]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: record %s (%v) no longer exists", flowName, ch.TargetID, ch.Key))
				continue
			}
			stale := false
			for _, fc := range ch.Fields {
				if !valuesEqual(fc.Before, cur.Fields[fc.Name]) {
					problems = append(problems, fmt.Sprintf("%s: field %s of record %v changed", flowName, fc.Name, ch.Key))
					stale = true
					break
				}
			}
			if !stale && len(ch.Target) > 0 && replacesWholeRecords(target) && !sameRecord(ch.Target, cur.Fields) {
				changed(ch.TargetID)
			}
		}
	}
	if finder, ok := target.(connectors.Finder); ok && len(createKeys) > 0 {
		recs, err := finder.Find(ctx, f.keyField, createKeys)
		if err != nil {
			return nil, err
		}
		for key, m := range matchByValue(recs, f.keyField, createKeys) {
			if len(m) > 0 {
				problems = append(problems, fmt.Sprintf("%s: a record with %s = %q now exists", flowName, f.keyField, key))
			}
		}
	}
	return problems, nil
}

// targetIDs are the records a batch updates.
func targetIDs(batch []*plan.Change) []string {
	var ids []string
	for _, ch := range batch {
		if ch.Action == plan.Update && ch.TargetID != "" {
			ids = append(ids, ch.TargetID)
		}
	}
	return ids
}

// batchResult is what one batch of a flow wrote, and the places of its
// changes in the plan.
type batchResult struct {
	seqs []int
	recs []*RecordResult
}

// inPlanOrder returns the records of the batches in the order of the plan:
// a concurrent flow writes a change whose requirements are met before
// earlier ones still waiting for theirs.
func inPlanOrder(parts []batchResult) []*RecordResult {
	type placed struct {
		seq int
		rr  *RecordResult
	}
	var all []placed
	sorted := true
	for _, p := range parts {
		for i, rr := range p.recs {
			if n := len(all); n > 0 && all[n-1].seq > p.seqs[i] {
				sorted = false
			}
			all = append(all, placed{p.seqs[i], rr})
		}
	}
	if !sorted {
		slices.SortFunc(all, func(a, b placed) int { return a.seq - b.seq })
	}
	out := make([]*RecordResult, len(all))
	for i, p := range all {
		out[i] = p.rr
	}
	return out
}
