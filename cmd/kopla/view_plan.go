package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
)

// planView renders kopla plan, and the plan kopla apply shows first.
type planView interface {
	Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File)
	Plan(pl *plan.Plan, sens sensitivity)
}

var (
	_ planView = (*humanPlan)(nil)
	_ planView = (*jsonPlan)(nil)
)

// maxSkipsShown bounds the skipped records listed per flow, so that a flow
// in create mode whose records all exist does not bury the plan; -json
// lists them all.
const maxSkipsShown = 10

type humanPlan struct {
	w     io.Writer
	style style
	// list says which records are listed one by one (-only, -show-skipped).
	list listing
	// reveal shows the values of sensitive fields: the plan is read by the
	// person at the terminal, or -show-sensitive asked for them.
	reveal bool
	// wrote says whether anything was printed, for the blank lines between
	// sections.
	wrote bool
	// failed says an error was shown: a flow that failed planned nothing,
	// so the plan must not claim that nothing changes.
	failed bool
}

func (v *humanPlan) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	if len(diags) == 0 {
		return
	}
	v.gap()
	dsl.WriteDiagnostics(v.w, diags, files, v.style.on)
	v.wrote = true
	v.failed = v.failed || diags.HasErrors()
}

// gap separates sections with a blank line.
func (v *humanPlan) gap() {
	if v.wrote {
		fmt.Fprintln(v.w)
	}
}

// Plan prints the summary per flow, the records listed, the summary again
// and the plan's totals. Records that fail with the same message are
// listed once, with their count and the first keys.
func (v *humanPlan) Plan(pl *plan.Plan, sens sensitivity) {
	v.gap()
	v.wrote = true
	w, st := v.w, v.style
	for _, fp := range pl.Flows {
		if fp.Disabled {
			fmt.Fprintln(w, st.dim(disabledLine(fp)))
		}
	}
	if disabledFlows(pl) > 0 {
		fmt.Fprintln(w)
	}
	writeReads(w, st, pl)
	total := pl.Counts()
	if !total.Changes() && total.Error == 0 {
		if v.failed {
			fmt.Fprintln(w, st.bold(st.red("Plan incomplete."))+" Nothing is planned for the flows that failed (see the errors above), so this is not a plan of no changes: fix them and plan again.")
			return
		}
		fmt.Fprintln(w, st.bold(st.green("No changes."))+" The targets match the sources.")
		return
	}
	tallies := map[string]*flowTally{}
	for _, fp := range pl.Flows {
		tallies[fp.Flow] = tallyFlow(fp)
	}
	fmt.Fprintln(w, st.bold("Summary per flow:"))
	writeSummary(w, st, pl, tallies)
	hidden := plan.Counts{}
	actions := false // the line that opens the list is printed
	opened := func(heading string) {
		if !actions {
			actions = true
			fmt.Fprintln(w)
			fmt.Fprintln(w, "kopla will perform the following actions:")
		}
		fmt.Fprintf(w, "\n  %s\n", st.bold(heading))
	}
	for _, fp := range pl.Flows {
		if fp.Disabled {
			continue
		}
		t := tallies[fp.Flow]
		heading := fmt.Sprintf("# flow %q: %s -> %s", fp.Flow, fp.Source, fp.Target)
		if fp.Dependency {
			heading += " (the records other flows ensure)"
		}
		listed := 0
		shown := map[string]bool{}
		for ch := range fp.Changes() {
			if !v.list.lists(ch.Action) {
				hidden.Add(ch.Action)
				continue
			}
			if listed++; listed == 1 {
				opened(heading)
			}
			if ch.Action == plan.Error {
				if g := t.errors[withField(ch.Field, ch.Reason)]; g != nil && g.n > 1 {
					if !shown[g.message] {
						shown[g.message] = true
						fmt.Fprint(w, g.line(st))
					}
					continue
				}
			}
			writeChange(w, st, fp, ch, sens, v.reveal)
		}
		if v.list.lists(plan.Skip) && v.list.showSkipped {
			for _, key := range fp.FilteredKeys {
				if listed++; listed == 1 {
					opened(heading)
				}
				fmt.Fprintf(w, "\n  %s skip %s: %s\n", st.dim("-"), key, reasonFiltered)
			}
			if n := fp.Filtered - len(fp.FilteredKeys); n > 0 {
				fmt.Fprintf(w, "\n  %s\n", st.dim(fmt.Sprintf("... and %d more records filtered out by where", n)))
			}
		} else {
			hidden.Skip += fp.Filtered
		}
	}
	if n := hidden.Skip; n > 0 && !v.list.showSkipped {
		fmt.Fprintf(w, "\n  %s\n", st.dim(fmt.Sprintf("%s not listed (kopla plan -show-skipped lists them with their reasons)", plural(n, "skipped record", "skipped records"))))
	}
	if n := hidden.Create + hidden.Update + hidden.Error; n > 0 {
		fmt.Fprintf(w, "\n  %s\n", st.dim(fmt.Sprintf("%s not listed (-only)", plural(n, "other record", "other records"))))
	}
	fmt.Fprintf(w, "\n%s\n", st.bold("Summary per flow:"))
	writeSummary(w, st, pl, tallies)
	fmt.Fprintf(w, "\n%s\n", planSummary(total, st))
	if v.failed {
		fmt.Fprintln(w, st.bold(st.red("Plan incomplete."))+" Nothing is planned for the flows that failed (see the errors above).")
	}
}

// writeChange prints one change: a line naming the record, then its fields.
// Sensitive values show as "(sensitive value)" unless reveal is set.
func writeChange(w io.Writer, st style, fp *plan.FlowPlan, ch *plan.Change, sens sensitivity, reveal bool) {
	if reveal {
		sens = nil
	}
	label := changeLabel(fp, ch, sens, reveal)
	switch ch.Action {
	case plan.Create:
		fmt.Fprintf(w, "\n  %s create %s\n", st.green("+"), label)
	case plan.Update:
		fmt.Fprintf(w, "\n  %s update %s\n", st.yellow("~"), label)
	case plan.Skip:
		fmt.Fprintf(w, "\n  %s skip %s: %s\n", st.dim("-"), label, ch.Reason)
		return
	case plan.Waiting:
		fmt.Fprintf(w, "\n  %s waiting %s: %s\n", st.yellow("…"), label, ch.Reason)
		return
	case plan.Error:
		fmt.Fprintf(w, "\n  %s error %s: %s\n", st.red("!"), label, withField(ch.Field, ch.Reason))
		return
	default:
		fmt.Fprintf(w, "\n  %s %s\n", ch.Action, label)
		return
	}
	width := 0
	for _, fc := range ch.Fields {
		width = max(width, len(fc.Name))
	}
	for _, fc := range ch.Fields {
		secret := !reveal && (fc.Sensitive || sens.is(fp.Flow, fc.Name))
		show := func(v any) string {
			if secret {
				return sensitiveValue
			}
			return knownValue(fc, v, reveal)
		}
		name := fc.Name + strings.Repeat(" ", width-len(fc.Name))
		var rows []map[string]any
		if !secret {
			rows = documentRows(fc.After)
		}
		if ch.Action == plan.Create {
			value := show(fc.After)
			if rows != nil {
				value = plural(len(rows), "row", "rows")
			}
			line := fmt.Sprintf("      %s %s = %s", st.green("+"), name, value)
			if fc.CreateOnly {
				line += " " + st.dim("(create only)")
			}
			switch {
			case fc.Default:
				line += " " + st.dim("(default)")
			case len(fc.Defaults) > 0:
				line += " " + st.dim("(default "+strings.Join(fc.Defaults, ", ")+")")
			}
			fmt.Fprintln(w, line+fieldLabel(fc, secret, reveal, st))
			if rows != nil {
				writeRows(w, st, "          ", fc, rows, ch.Totals, reveal, false)
			}
			continue
		}
		if rows != nil {
			before := show(fc.Before)
			if old, ok := fc.Before.([]any); ok {
				before = plural(len(old), "row", "rows")
			}
			fmt.Fprintf(w, "      %s %s = %s -> %s\n", st.yellow("~"), name, before, plural(len(rows), "row", "rows"))
			writeRows(w, st, "          ", fc, rows, ch.Totals, reveal, true)
			continue
		}
		fmt.Fprintf(w, "      %s %s = %s -> %s%s\n", st.yellow("~"), name, show(fc.Before), show(fc.After), fieldLabel(fc, secret, reveal, st))
	}
	for _, msg := range ch.Warnings {
		fmt.Fprintf(w, "      %s %s\n", st.yellow("! warning:"), msg)
	}
	if ch.Totals != nil {
		fmt.Fprintf(w, "      %s\n", st.dim("= "+ch.Totals.String()))
	}
}

// fieldLabel is the name of the record an id field refers to (an order's
// debtor), shown after the id: with personal data (a private person's
// name) where sensitive values are shown.
func fieldLabel(fc plan.FieldChange, secret, reveal bool, st style) string {
	label := fc.Label
	if reveal && fc.SensitiveLabel != "" {
		label = fc.SensitiveLabel
	}
	if label == "" || secret {
		return ""
	}
	return " " + st.dim("# "+label)
}

// planSummary is the last line of a plan.
func planSummary(c plan.Counts, st style) string {
	if !c.Changes() && c.Error == 0 && c.Waiting == 0 {
		return st.bold(st.green("No changes.")) + " The targets match the sources."
	}
	waiting := ""
	if c.Waiting > 0 {
		waiting = fmt.Sprintf(", %d waiting for an earlier create", c.Waiting)
	}
	return fmt.Sprintf("%s %d to create, %d to update, %d unchanged, %d to skip%s, %s.",
		st.bold("Plan:"), c.Create, c.Update, c.NoOp, c.Skip, waiting, plural(c.Error, "error", "errors"))
}

type jsonPlan struct {
	j *jsonStream
	// list filters the changes listed when -only is given; -show-skipped
	// adds the records where left out.
	list listing
	// reveal puts the values of sensitive fields in the JSON, marked
	// sensitive: only with -show-sensitive, as JSON is read by programs
	// and often kept.
	reveal bool
}

func (v *jsonPlan) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	v.j.diagnostics(diags, files)
}

func (v *jsonPlan) Plan(pl *plan.Plan, sens sensitivity) {
	v.flowSummaries(pl)
	for _, fp := range pl.Flows {
		for ch := range fp.Changes() {
			if v.list.only != nil && !v.list.lists(ch.Action) {
				continue
			}
			v.plannedChange(fp, ch, sens)
		}
		if v.list.showSkipped {
			for _, key := range fp.FilteredKeys {
				ch := &plan.Change{SourceKey: key, Action: plan.Skip, Reason: reasonFiltered}
				v.j.emit("info", "planned_change", fmt.Sprintf("%s %s: Plan to skip: %s", fp.Flow, key, reasonFiltered), map[string]any{"change": newJSONChange(fp, ch, sens, v.reveal)})
			}
		}
	}
	v.planTotal(pl)
}

// summaries emits the flow summaries and the plan's summary.
func (v *jsonPlan) summaries(pl *plan.Plan) {
	v.flowSummaries(pl)
	v.planTotal(pl)
}

func (v *jsonPlan) flowSummaries(pl *plan.Plan) {
	for _, fp := range pl.Flows {
		if fp.Disabled {
			v.j.emit("info", "flow_disabled", disabledLine(fp), map[string]any{"flow": fp.Flow, "reason": fp.DisabledReason})
		}
	}
	for _, fp := range pl.Flows {
		if fp.Disabled {
			continue
		}
		t := tallyFlow(fp)
		reasons := map[string]int{}
		for _, r := range t.skips {
			reasons[r.reason] = r.n
		}
		c := t.counts
		data := map[string]any{
			"flow":         fp.Flow,
			"changes":      planChanges(c),
			"skip_reasons": reasons,
		}
		if fp.ReadMode != "" { // read, not only planned for ensured records
			data["read_mode"], data["read_reason"] = fp.ReadMode, fp.ReadReason
		}
		v.j.emit("info", "flow_summary", fp.Flow+": "+t.line(), data)
	}
}

func (v *jsonPlan) plannedChange(fp *plan.FlowPlan, ch *plan.Change, sens sensitivity) {
	msg := fmt.Sprintf("%s %s: Plan to %s", fp.Flow, ch.SourceKey, ch.Action)
	level := "info"
	switch {
	case ch.Action == plan.Error:
		msg = fmt.Sprintf("%s %s: Cannot plan: %s", fp.Flow, ch.SourceKey, ch.Reason)
		level = "error"
	case len(ch.Warnings) > 0:
		msg += ": warning: " + strings.Join(ch.Warnings, "; ")
		level = "warn"
	}
	v.j.emit(level, "planned_change", msg, map[string]any{"change": newJSONChange(fp, ch, sens, v.reveal)})
}

func (v *jsonPlan) planTotal(pl *plan.Plan) {
	c := pl.Counts()
	v.j.emit("info", "summary", planSummary(c, style{}), map[string]any{
		"operation": "plan",
		"changes":   planChanges(c),
	})
}

// planChanges are the counts of the JSON plan; waiting only when a record
// waits for an earlier create.
func planChanges(c plan.Counts) map[string]int {
	m := map[string]int{"create": c.Create, "update": c.Update, "no_op": c.NoOp, "skip": c.Skip, "error": c.Error}
	if c.Waiting > 0 {
		m["waiting"] = c.Waiting
	}
	return m
}

// withField puts the field a message is about in front of it, unless the
// message names it already.
func withField(field, msg string) string {
	if field == "" || strings.HasPrefix(msg, "field "+field+":") || strings.HasPrefix(msg, "field "+field+" ") {
		return msg
	}
	return fmt.Sprintf("field %s: %s", field, msg)
}

// disabledLine is the plan's one line about a disabled flow.
func disabledLine(fp *plan.FlowPlan) string {
	return fmt.Sprintf("flow %q is disabled, neither read nor planned: %s", fp.Flow, fp.DisabledReason)
}

func disabledFlows(pl *plan.Plan) int {
	n := 0
	for _, fp := range pl.Flows {
		if fp.Disabled {
			n++
		}
	}
	return n
}
