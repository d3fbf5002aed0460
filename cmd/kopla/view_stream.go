package main

import (
	"fmt"

	"github.com/kopla-dev/kopla/engine/plan"
)

// streamView shows a pipelined apply (apply -auto-approve): the changes of
// each batch as they are planned, before they are written, then the
// plan's summary, then what apply did (Result).
type streamView interface {
	applyView
	PlanBatch(fp *plan.FlowPlan, chs []*plan.Change, sens sensitivity)
	PlanSummary(pl *plan.Plan, sens sensitivity)
}

func streaming(v applyView) streamView {
	switch v := v.(type) {
	case *humanApply:
		return &humanStream{humanApply: v}
	case *jsonApply:
		return &jsonStreamApply{jsonApply: v}
	}
	panic(fmt.Sprintf("no streaming view for %T", v))
}

type humanStream struct {
	*humanApply
	opened bool   // the line that opens the list is printed
	flow   string // the flow whose heading was printed last
}

func (v *humanStream) PlanBatch(fp *plan.FlowPlan, chs []*plan.Change, sens sensitivity) {
	w, st := v.w, v.style
	for _, ch := range chs {
		if !v.list.lists(ch.Action) {
			continue
		}
		v.clearProgress()
		if !v.opened {
			v.opened = true
			v.gap()
			v.wrote = true
			fmt.Fprintln(w, "kopla will perform the following actions, each batch as it is planned:")
		}
		if v.flow != fp.Flow {
			v.flow = fp.Flow
			heading := fmt.Sprintf("# flow %q: %s -> %s", fp.Flow, fp.Source, fp.Target)
			if fp.Dependency {
				heading += " (the records other flows ensure)"
			}
			fmt.Fprintf(w, "\n  %s\n", st.bold(heading))
		}
		writeChange(w, st, fp, ch, sens, v.reveal)
	}
}

// PlanSummary prints what was read, the summary per flow and the plan's
// totals, as kopla plan ends.
func (v *humanStream) PlanSummary(pl *plan.Plan, sens sensitivity) {
	v.clearProgress()
	w, st := v.w, v.style
	if n := pl.Counts().Skip; n > 0 && !v.list.showSkipped && v.opened {
		fmt.Fprintf(w, "\n  %s\n", st.dim(fmt.Sprintf("%s not listed (kopla plan -show-skipped lists them with their reasons)", plural(n, "skipped record", "skipped records"))))
	}
	v.gap()
	v.wrote = true
	writeReads(w, st, pl)
	tallies := map[string]*flowTally{}
	for _, fp := range pl.Flows {
		if !fp.Disabled {
			tallies[fp.Flow] = tallyFlow(fp)
		}
	}
	fmt.Fprintln(w, st.bold("Summary per flow:"))
	writeSummary(w, st, pl, tallies)
	fmt.Fprintf(w, "\n%s\n", planSummary(pl.Counts(), st))
	if v.failed {
		fmt.Fprintln(w, st.bold(st.red("Plan incomplete."))+" Nothing more is planned for the flows that failed (see the errors above).")
	}
}

type jsonStreamApply struct {
	*jsonApply
}

func (v *jsonStreamApply) PlanBatch(fp *plan.FlowPlan, chs []*plan.Change, sens sensitivity) {
	for _, ch := range chs {
		if v.list.only != nil && !v.list.lists(ch.Action) {
			continue
		}
		v.plannedChange(fp, ch, sens)
	}
}

// PlanSummary emits the flow summaries and the plan's summary that kopla
// plan -json emits; the changes were emitted batch by batch.
func (v *jsonStreamApply) PlanSummary(pl *plan.Plan, sens sensitivity) {
	v.summaries(pl)
}
