package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

// applyView renders kopla apply: the plan first (fresh plans), then
// progress, then what happened.
type applyView interface {
	planView
	Progress(flow string, done, total int)
	// Stream returns what is handed each record as it is written
	// (engine.ApplyOptions.Stream): the results of a large apply are not
	// kept until the end.
	// Stream shows each record written as its batch is stored; keyFields
	// are the flows' key fields (keyFields).
	Stream(keyFields map[string]string, sens sensitivity) func(flow string, rr *engine.RecordResult)
	Result(pl *plan.Plan, res *engine.Result, sens sensitivity)
}

var (
	_ applyView = (*humanApply)(nil)
	_ applyView = (*jsonApply)(nil)
)

// failure is a record that was not written: planned as an error, failed
// when written, or blocked by a failed dependency.
type failure struct {
	flow, keyField   string
	sourceKey        string
	key              any
	targetID         string
	action           plan.Action // error or blocked
	planned          plan.Action
	field, message   string
	failedInPlanning bool
	// verification is set for a created document whose stored totals
	// differ from the expected ones.
	verification *engine.Verification
}

// outcome sums up an apply: what was written, and every failure in order
// (flows in plan order, planning errors before write failures).
type outcome struct {
	counts   plan.Counts // Create, Update, Error (failed), Blocked
	failures []failure
	// interrupted says the apply was cancelled (Ctrl-C), leaving
	// notWritten planned changes unwritten.
	interrupted bool
	notWritten  int
}

func summarize(pl *plan.Plan, res *engine.Result) outcome {
	var o outcome
	results := map[string]*engine.FlowResult{}
	if res != nil {
		o.interrupted, o.notWritten = res.Interrupted, res.NotWritten
		for _, fr := range res.Flows {
			results[fr.Flow] = fr
		}
	}
	for _, fp := range pl.Flows {
		for ch := range fp.Changes() {
			if ch.Action == plan.Error {
				o.counts.Error++
				o.failures = append(o.failures, failure{
					flow: fp.Flow, keyField: fp.KeyField, sourceKey: ch.SourceKey, key: ch.Key, targetID: ch.TargetID,
					action: plan.Error, planned: plan.Error, field: ch.Field, message: ch.Reason, failedInPlanning: true,
				})
			}
		}
		fr := results[fp.Flow]
		if fr == nil {
			continue
		}
		o.counts.Create += fr.Streamed.Create
		o.counts.Update += fr.Streamed.Update
		for _, r := range fr.Records {
			if r.Interrupted {
				continue // in notWritten
			}
			o.counts.Add(r.Action)
			if r.Verification.Failed() {
				o.counts.Unverified++
			}
			if r.Action == plan.Error || r.Action == plan.Blocked || r.Verification.Failed() {
				o.failures = append(o.failures, failure{
					flow: fp.Flow, keyField: fp.KeyField, sourceKey: r.SourceKey, key: r.Key, targetID: r.TargetID,
					action: r.Action, planned: r.Planned, field: r.Field, message: r.Error, verification: r.Verification,
				})
			}
		}
	}
	return o
}

func applySummary(o outcome, st style) string {
	c := o.counts
	head := st.bold(st.green("Apply complete!"))
	if o.interrupted {
		head = st.bold(st.red("Apply interrupted!"))
	}
	s := fmt.Sprintf("%s %d created, %d updated, %d failed, %d blocked", head, c.Create, c.Update, c.Error, c.Blocked)
	if c.Unverified > 0 {
		s += fmt.Sprintf(", %d verification failed", c.Unverified)
	}
	if c.Waiting > 0 {
		s += fmt.Sprintf(", %d waiting for an earlier create (checked again on the next run)", c.Waiting)
	}
	if o.interrupted {
		// What was written is saved: the next apply plans only the rest.
		s += fmt.Sprintf(", %d not written. Every write that was answered is saved: run kopla apply again to write the rest", o.notWritten)
	}
	return s + "."
}

type humanApply struct {
	humanPlan
	// progress says whether progress is shown (a terminal), and drawn
	// whether a progress line is on screen.
	progress bool
	drawn    bool
}

func (v *humanApply) Progress(flow string, done, total int) {
	if !v.progress {
		return
	}
	fmt.Fprintf(v.w, "\r\x1b[KApplying %s: %d/%d", flow, done, total)
	v.drawn = true
}

// clearProgress removes the progress line before anything else is printed.
func (v *humanApply) clearProgress() {
	if v.drawn {
		fmt.Fprint(v.w, "\r\x1b[K")
		v.drawn = false
	}
}

func (v *humanApply) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	v.clearProgress()
	v.humanPlan.Diagnostics(diags, files)
}

// Stream: the human view shows counts and failures only, which the
// result keeps.
func (v *humanApply) Stream(map[string]string, sensitivity) func(string, *engine.RecordResult) {
	return func(string, *engine.RecordResult) {}
}

func (v *humanApply) Result(pl *plan.Plan, res *engine.Result, sens sensitivity) {
	v.clearProgress()
	o := summarize(pl, res)
	w, st := v.w, v.style
	var failed, unverified []failure
	for _, f := range o.failures {
		if f.verification.Failed() {
			unverified = append(unverified, f)
		} else {
			failed = append(failed, f)
		}
	}
	for _, group := range []struct {
		title string
		list  []failure
	}{
		{"kopla could not write these records:", failed},
		{"These documents were created, but the totals the target stored differ from the expected ones (check them there):", unverified},
	} {
		if len(group.list) == 0 {
			continue
		}
		v.gap()
		fmt.Fprintln(w, group.title)
		fmt.Fprintln(w)
		for _, f := range group.list {
			writeFailure(w, st, f, sens)
		}
	}
	v.gap()
	v.wrote = true
	fmt.Fprintln(w, applySummary(o, st))
}

func writeFailure(w io.Writer, st style, f failure, sens sensitivity) {
	label := recordLabel(f.keyField, f.key, sens.is(f.flow, f.keyField), f.sourceKey, f.targetID)
	what := "failed"
	switch {
	case f.verification.Failed():
		what = "created, but"
		f.field = ""
	case f.action == plan.Blocked:
		what = "blocked"
	case f.failedInPlanning:
		what = "failed in planning"
	}
	fmt.Fprintf(w, "  %s %s %s %s: %s\n", st.red("!"), f.flow, label, what, withField(f.field, f.message))
}

type jsonApply struct {
	jsonPlan
	// streamed says the records were emitted as they were written
	// (Stream), so Result does not emit them again.
	streamed bool
}

func (v *jsonApply) Progress(flow string, done, total int) {
	v.j.emit("info", "apply_progress", fmt.Sprintf("Applying %s: %d/%d", flow, done, total),
		map[string]any{"flow": flow, "done": done, "total": total})
}

// jsonRecord is one applied record in the JSON UI.
type jsonRecord struct {
	Flow         string      `json:"flow"`
	SourceKey    string      `json:"source_key"`
	KeyField     string      `json:"key_field,omitempty"`
	Key          any         `json:"key"`
	KeySensitive bool        `json:"key_sensitive,omitempty"`
	Action       plan.Action `json:"action"`
	Planned      plan.Action `json:"planned"`
	TargetID     string      `json:"target_id,omitempty"`
	Field        string      `json:"field,omitempty"`
	Error        string      `json:"error,omitempty"`
	// Verification compares a created document's totals with the stored ones.
	Verification *engine.Verification `json:"verification,omitempty"`
}

// jsonRecordOf is one record of the JSON UI, its key hidden when
// sensitive.
func jsonRecordOf(sens sensitivity, flow, keyField string, key any, r jsonRecord) jsonRecord {
	r.Flow, r.KeyField, r.Key = flow, keyField, key
	if sens.is(flow, keyField) && key != nil {
		r.Key, r.KeySensitive = nil, true
	}
	return r
}

// emitRecord emits the message of one applied record.
func (v *jsonApply) emitRecord(sens sensitivity, flow, keyField string, rr *engine.RecordResult) {
	r := jsonRecordOf(sens, flow, keyField, rr.Key, jsonRecord{SourceKey: rr.SourceKey, Action: rr.Action, Planned: rr.Planned, TargetID: rr.TargetID, Field: rr.Field, Error: rr.Error, Verification: rr.Verification})
	switch {
	case rr.Interrupted:
		v.j.emit("warn", "apply_interrupted", fmt.Sprintf("%s %s: Not written: %s", flow, rr.SourceKey, rr.Error), map[string]any{"record": r})
	case rr.Verification.Failed():
		v.j.emit("error", "apply_verification_failed", fmt.Sprintf("%s %s: %s complete, target %s, but %s", flow, rr.SourceKey, actionTitle(rr.Action), rr.TargetID, rr.Error), map[string]any{"record": r})
	case rr.Action == plan.Error || rr.Action == plan.Blocked:
		v.j.emit("error", "apply_errored", fmt.Sprintf("%s %s: %s: %s", flow, rr.SourceKey, actionTitle(rr.Action), rr.Error), map[string]any{"record": r})
	default:
		v.j.emit("info", "apply_complete", fmt.Sprintf("%s %s: %s complete, target %s", flow, rr.SourceKey, actionTitle(rr.Action), rr.TargetID), map[string]any{"record": r})
	}
}

// Stream emits each record as it is written.
func (v *jsonApply) Stream(keyFields map[string]string, sens sensitivity) func(string, *engine.RecordResult) {
	v.streamed = true
	return func(flow string, rr *engine.RecordResult) {
		v.emitRecord(sens, flow, keyFields[flow], rr)
	}
}

func (v *jsonApply) Result(pl *plan.Plan, res *engine.Result, sens sensitivity) {
	record := func(flow, keyField string, key any, r jsonRecord) jsonRecord {
		return jsonRecordOf(sens, flow, keyField, key, r)
	}
	results := map[string]*engine.FlowResult{}
	if res != nil {
		for _, fr := range res.Flows {
			results[fr.Flow] = fr
		}
	}
	for _, fp := range pl.Flows {
		for ch := range fp.Changes() {
			if ch.Action == plan.Error {
				r := record(fp.Flow, fp.KeyField, ch.Key, jsonRecord{SourceKey: ch.SourceKey, Action: plan.Error, Planned: plan.Error, TargetID: ch.TargetID, Field: ch.Field, Error: ch.Reason})
				v.j.emit("error", "apply_errored", fmt.Sprintf("%s %s: Not written, planning failed: %s", fp.Flow, ch.SourceKey, ch.Reason), map[string]any{"record": r})
			}
		}
		fr := results[fp.Flow]
		if fr == nil || v.streamed {
			continue
		}
		for _, rr := range fr.Records {
			v.emitRecord(sens, fp.Flow, fp.KeyField, rr)
		}
	}
	o := summarize(pl, res)
	summary := map[string]any{
		"operation": "apply",
		"changes":   changeCounts(o.counts),
	}
	level := "info"
	if o.interrupted {
		level = "error"
		summary["interrupted"] = true
		summary["not_written"] = o.notWritten
	}
	v.j.emit(level, "summary", applySummary(o, style{}), summary)
}

// actionTitle is an action as the first word of a message: "Create".
func actionTitle(a plan.Action) string {
	s := string(a)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// changeCounts are the counts of the JSON summary; verification_failed
// only when a document failed it.
func changeCounts(c plan.Counts) map[string]int {
	m := map[string]int{"create": c.Create, "update": c.Update, "error": c.Error, "blocked": c.Blocked}
	if c.Unverified > 0 {
		m["verification_failed"] = c.Unverified
	}
	if c.Waiting > 0 {
		m["waiting"] = c.Waiting
	}
	return m
}
