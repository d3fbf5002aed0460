package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/riverqueue/river"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

const (
	flowQueue  = "flows"
	timerQueue = "timers"
)

// flowArgs is the job that runs a flow: it only wakes the flow, which does
// what its pending work (events, sweep request, retries) says.
type flowArgs struct {
	Flow string `json:"flow"`
}

func (flowArgs) Kind() string { return "kopla_flow_run" }

// tickArgs is a schedule's tick (Full: the nightly reconcile).
type tickArgs struct {
	Flow string `json:"flow"`
	Full bool   `json:"full,omitempty"`
}

func (tickArgs) Kind() string { return "kopla_flow_tick" }

// retryArgs wakes a flow when a record's retry is due.
type retryArgs struct {
	Flow string `json:"flow"`
}

func (retryArgs) Kind() string { return "kopla_flow_retry" }

// forgetArgs erases a person's data (a HubSpot privacy deletion).
type forgetArgs struct {
	Key string `json:"key"`
}

func (forgetArgs) Kind() string { return "kopla_forget" }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

type tickWorker struct {
	river.WorkerDefaults[tickArgs]
	s *Server
}

func (w *tickWorker) Work(ctx context.Context, j *river.Job[tickArgs]) error {
	fi := w.s.flows[j.Args.Flow]
	if fi == nil {
		return nil // the flow is gone from the project
	}
	if !j.Args.Full && fi.overlap == "skip" && w.s.isRunning(fi.name) {
		w.s.log.Info("schedule tick skipped: the flow is running (overlap = skip)", "flow", fi.name)
		return nil
	}
	return w.s.request(ctx, fi.name, j.Args.Full)
}

type retryWorker struct {
	river.WorkerDefaults[retryArgs]
	s *Server
}

func (w *retryWorker) Work(ctx context.Context, j *river.Job[retryArgs]) error {
	if w.s.flows[j.Args.Flow] == nil {
		return nil
	}
	return w.s.kickIfPending(ctx, j.Args.Flow)
}

type forgetWorker struct {
	river.WorkerDefaults[forgetArgs]
	s *Server
}

func (w *forgetWorker) Work(ctx context.Context, j *river.Job[forgetArgs]) error {
	st := w.s.opts.State
	lock, diags := engine.LockState(ctx, st, engine.LockOptions{Holder: "kopla serve (forget)", Timeout: w.s.opts.LockTimeout})
	if diags.HasErrors() {
		return diagError(diags)
	}
	defer lock.Unlock()
	er, err := st.Forget(ctx, j.Args.Key)
	if err != nil {
		return err
	}
	// The id alone is no personal data; the log says only how much went.
	w.s.log.Info("privacy deletion: erased the person's data from the state", "records", len(er.Records), "entries", er.Entries, "links", er.Links, "pending_intents", len(er.PendingIntents))
	if len(er.PendingIntents) > 0 {
		// Writes in flight name the person: forget again once a run has
		// reconciled them.
		return fmt.Errorf("%d writes in flight still name the record; retrying after the next run", len(er.PendingIntents))
	}
	return diagError(lock.Unlock())
}

type flowWorker struct {
	river.WorkerDefaults[flowArgs]
	s *Server
}

func (w *flowWorker) Work(ctx context.Context, j *river.Job[flowArgs]) error {
	s := w.s
	fi := s.flows[j.Args.Flow]
	if fi == nil {
		return nil
	}
	wk, err := s.q.pending(ctx, fi.name)
	if err != nil {
		return err
	}
	if wk.empty() {
		return nil
	}
	s.setRunning(fi.name, true)
	defer s.setRunning(fi.name, false)
	rep, err := s.runFlow(ctx, fi, wk)
	if !wk.oldest.IsZero() {
		rep.PickupLag, rep.HasPickupLag = rep.Ended.Sub(wk.oldest), true
	}
	s.recordRunStats(ctx, rep)
	s.metrics.observe(rep, wk, s.opts.Now())
	if s.opts.Observer != nil && (rep.RunID != 0 || rep.Err != nil) {
		s.opts.Observer.RunFinished(context.WithoutCancel(ctx), rep)
	}
	return err
}

func (s *Server) isRunning(flow string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[flow]
}

func (s *Server) setRunning(flow string, v bool) {
	s.mu.Lock()
	s.running[flow] = v
	s.mu.Unlock()
}

// runFlow plans and applies one run of a flow under the state lock, as
// kopla apply does (the run and its activity are recorded the same way),
// then records what the run did with its work. An error asks River to
// retry the job (the work stays pending).
func (s *Server) runFlow(ctx context.Context, fi *flowInfo, wk *work) (rep RunReport, err error) {
	rep = RunReport{Flow: fi.name, Started: s.opts.Now(), Trigger: wk.trigger()}
	defer func() { rep.Ended = s.opts.Now() }()
	st, p := s.opts.State, s.opts.Project
	lock, diags := engine.LockState(ctx, st, engine.LockOptions{Holder: "kopla serve", Timeout: s.opts.LockTimeout})
	if diags.HasErrors() {
		rep.Err = diagError(diags)
		return rep, rep.Err
	}
	defer lock.Unlock()
	opts := engine.PlanOptions{Flows: []string{fi.name}, State: st, ForApply: true}
	if wk.sweep {
		sweepOptions(&opts, wk.full)
	} else {
		opts.SourceIDs = map[string][]string{fi.name: wk.ids}
	}
	s.log.Info("run started", "flow", fi.name, "trigger", rep.Trigger, "records", len(wk.ids))
	// Planned and written in one pipelined run, as apply -auto-approve:
	// a batch is written while the next is read and planned.
	pl, res, adiags := p.PlanAndApply(ctx, opts, engine.ApplyOptions{State: st, Holder: "kopla serve", Lock: lock}, nil)
	if pl != nil {
		defer pl.Close()
	}
	adiags = append(adiags, lock.Unlock()...)
	if pl == nil {
		rep.Err = diagError(adiags)
		return rep, rep.Err
	}
	if res != nil {
		rep.RunID = res.RunID
		rep.Counts = countsOf(pl, res)
	}
	if res != nil && len(res.PlanFailed) > 0 {
		// A source that could not be read: the work stays pending and
		// River tries it again, as when nothing was planned; what was
		// written meanwhile plans as unchanged then.
		rep.Err = diagError(adiags)
		return rep, rep.Err
	}
	if res == nil || res.Interrupted {
		// Nothing is marked done: the next run (after a restart) plans the
		// same records again, and the intents journal keeps it from
		// writing twice.
		rep.Err = errors.Join(diagError(adiags), ctx.Err())
		if rep.Err == nil {
			rep.Err = errors.New("the run was interrupted")
		}
		return rep, rep.Err
	}
	cleared, failed := []string{}, map[string]string{}
	byKey := map[string]*plan.Change{}
	// A key that is a sensitive value (an e-mail address) stays out of the
	// report, as it stays out of the CLI's output.
	hideKey := false
	for _, fp := range pl.Flows {
		if fp.Flow != fi.name {
			continue
		}
		hideKey = p.TargetFieldSensitive(fi.name, fp.KeyField)
		for ch := range fp.Changes() {
			byKey[ch.SourceKey] = ch
		}
	}
	// A write whose outcome is unknown (its answer was lost, even after the
	// connector's own attempts) left its intent pending: retrying it is
	// safe, as the next run reconciles the intent by key before it writes.
	intents, err := st.PendingIntents(context.WithoutCancel(ctx), fi.name)
	if err != nil {
		rep.Err = err
		return rep, err
	}
	unknown := map[string]bool{}
	for _, in := range intents {
		unknown[in.SourceKey] = true
	}
	for _, fr := range res.Flows {
		if fr.Flow != fi.name {
			continue
		}
		for _, rr := range fr.Records {
			if rr.Action != plan.Error && rr.Action != plan.Blocked {
				cleared = append(cleared, rr.SourceKey)
				continue
			}
			f := failedRecord(rr, byKey[rr.SourceKey])
			f.Retryable = f.Retryable || unknown[rr.SourceKey]
			if hideKey {
				f.Key = ""
			}
			if f.Retryable {
				failed[rr.SourceKey] = f.Message
			} else {
				cleared = append(cleared, rr.SourceKey)
			}
			rep.Failed = append(rep.Failed, f)
		}
	}
	// Records planned with an error (bad data) are failures too; they are
	// not retryable: the next change of the record plans it again.
	for _, fp := range pl.Flows {
		if fp.Flow != fi.name {
			continue
		}
		for ch := range fp.Changes() {
			if ch.Action == plan.Error {
				f := FailedRecord{SourceKey: ch.SourceKey, Label: label(ch), Key: keyString(ch.Key), Field: ch.Field, Message: ch.Reason}
				if hideKey {
					f.Key = ""
				}
				rep.Failed = append(rep.Failed, f)
			}
		}
	}
	var givenUp []string
	givenUp, _, err = s.q.retryOutcome(ctx, fi.name, cleared, failed, s.opts.Retry)
	if err != nil {
		rep.Err = err
		return rep, err
	}
	for i := range rep.Failed {
		for _, g := range givenUp {
			if rep.Failed[i].SourceKey == g {
				rep.Failed[i].GivenUp = true
			}
		}
	}
	if err := s.q.done(ctx, fi.name, wk); err != nil {
		rep.Err = err
		return rep, err
	}
	ok := !adiags.HasErrors() && len(rep.Failed) == 0
	if err := s.q.flowRan(ctx, fi.name, rep.Started, ok); err != nil {
		s.log.Error("cannot record the run", "flow", fi.name, "error", err)
	}
	if adiags.HasErrors() {
		rep.Err = diagError(adiags)
	}
	if rep.Counts["create"]+rep.Counts["update"] > 0 {
		// Polls of this source speed up for a while.
		s.activity.Store(fi.sourceConn+"."+fi.object, s.opts.Now())
	}
	s.log.Info("run finished", "flow", fi.name, "run", rep.RunID, "trigger", rep.Trigger,
		"create", rep.Counts["create"], "update", rep.Counts["update"], "failed", len(rep.Failed))
	return rep, nil
}

// trigger names what the work came from.
func (w *work) trigger() string {
	switch {
	case w.full:
		return "reconcile"
	case w.sweep:
		return "sweep"
	case w.lastEvent > 0:
		return "webhook"
	}
	return "retry"
}

func countsOf(pl *plan.Plan, res *engine.Result) map[string]int {
	c := res.Counts()
	out := map[string]int{"create": c.Create, "update": c.Update, "error": c.Error, "blocked": c.Blocked}
	for _, fp := range pl.Flows {
		n := fp.Counts()
		out["no_op"] += n.NoOp
		out["skip"] += n.Skip
		out["error"] += n.Error
	}
	return out
}

// failedRecord describes a failed write and tells whether its cause may
// pass: a 429, a 5xx, a timeout, or a parent record that failed.
func failedRecord(rr *engine.RecordResult, ch *plan.Change) FailedRecord {
	f := FailedRecord{SourceKey: rr.SourceKey, Key: keyString(rr.Key), Field: rr.Field, Message: rr.Error, Err: rr.Err}
	if ch != nil {
		f.Label = label(ch)
	}
	if rr.Action == plan.Blocked {
		f.Retryable = true
		return f
	}
	var api *connectors.APIError
	var rl *connectors.RateLimitError
	var ne net.Error
	switch {
	case errors.As(rr.Err, &api):
		f.Code, f.Status = api.Code, api.Status
		f.Retryable = api.Status == 429 || api.Status >= 500
	case errors.As(rr.Err, &rl):
		f.Status, f.Retryable = 429, true
	case errors.As(rr.Err, &ne) && ne.Timeout(), errors.Is(rr.Err, context.DeadlineExceeded):
		f.Retryable = true
	}
	return f
}

// label is the record's label for reports, left out when it shows the
// value of a sensitive field: reports leave the process (notifications).
func label(ch *plan.Change) string {
	if ch.LabelSensitive {
		return ""
	}
	return ch.Label
}

func keyString(k any) string {
	if k == nil {
		return ""
	}
	return fmt.Sprint(k)
}

// diagError turns error diagnostics into one error.
func diagError(diags interface{ Errs() []error }) error {
	var msgs []string
	for _, e := range diags.Errs() {
		msgs = append(msgs, e.Error())
	}
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}
