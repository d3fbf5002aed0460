package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kopla-dev/kopla/engine/plan"
)

// listing says which records a human plan lists one by one; the summaries
// count every record whatever it lists.
type listing struct {
	// only, when set (-only), lists only these actions.
	only map[plan.Action]bool
	// showSkipped lists skipped records with their reasons, including
	// those the flow's where left out.
	showSkipped bool
}

// listedActions are the actions -only accepts.
var listedActions = []plan.Action{plan.Create, plan.Update, plan.Skip, plan.Error}

// parseOnly reads -only: a comma-separated list of actions.
func parseOnly(s string) (map[plan.Action]bool, error) {
	if s == "" {
		return nil, nil
	}
	only := map[plan.Action]bool{}
	for _, part := range strings.Split(s, ",") {
		a := plan.Action(strings.TrimSpace(part))
		if !slices.Contains(listedActions, a) {
			names := make([]string, len(listedActions))
			for i, a := range listedActions {
				names[i] = string(a)
			}
			return nil, fmt.Errorf("invalid value %q for -only: want a comma-separated list of %s", part, strings.Join(names, ", "))
		}
		only[a] = true
	}
	return only, nil
}

// lists reports whether records of action a are listed.
func (l listing) lists(a plan.Action) bool {
	if a == plan.Skip && l.showSkipped {
		return true
	}
	if l.only != nil {
		return l.only[a]
	}
	return a == plan.Create || a == plan.Update || a == plan.Error || a == plan.Waiting
}

// skipReason is one reason records are skipped, and how many.
type skipReason struct {
	reason string
	n      int
}

// reasonFiltered is the reason of records the flow's where left out.
const reasonFiltered = "filtered out by where"

// maxSkipReasons bounds the reasons a flow's summary names: reasons of
// skip blocks can differ per record.
const maxSkipReasons = 4

// flowTally is what a flow's summary says: its counts, why records are
// skipped, and its errors grouped by message.
type flowTally struct {
	counts  plan.Counts
	skips   []skipReason
	errors  map[string]*errorGroup
	ordered []*errorGroup
}

// errorGroup is the records that fail with the same message.
type errorGroup struct {
	message string
	keys    []string
	n       int
}

// maxGroupKeys is how many records an error group names.
const maxGroupKeys = 3

func tallyFlow(fp *plan.FlowPlan) *flowTally {
	t := &flowTally{counts: fp.Counts(), errors: map[string]*errorGroup{}}
	reasons := map[string]int{}
	if fp.Filtered > 0 {
		reasons[reasonFiltered] = fp.Filtered
	}
	for ch := range fp.Changes() {
		switch ch.Action {
		case plan.Skip:
			reasons[ch.Reason]++
		case plan.Error:
			msg := withField(ch.Field, ch.Reason)
			g := t.errors[msg]
			if g == nil {
				g = &errorGroup{message: msg}
				t.errors[msg] = g
				t.ordered = append(t.ordered, g)
			}
			g.n++
			if len(g.keys) < maxGroupKeys {
				g.keys = append(g.keys, ch.SourceKey)
			}
		}
	}
	for r, n := range reasons {
		t.skips = append(t.skips, skipReason{r, n})
	}
	slices.SortFunc(t.skips, func(a, b skipReason) int {
		return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.reason, b.reason))
	})
	return t
}

// line is the flow's counts in one line:
//
//	2 to create, 1 to update, 3 unchanged, 2 to skip (2 filtered out by where), 1 error
func (t *flowTally) line() string {
	c := t.counts
	s := fmt.Sprintf("%d to create, %d to update, %d unchanged, %d to skip", c.Create, c.Update, c.NoOp, c.Skip)
	if len(t.skips) > 0 {
		var parts []string
		rest := 0
		for i, r := range t.skips {
			if i < maxSkipReasons {
				parts = append(parts, fmt.Sprintf("%d %s", r.n, r.reason))
			} else {
				rest += r.n
			}
		}
		if rest > 0 {
			parts = append(parts, fmt.Sprintf("%d for other reasons", rest))
		}
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s + ", " + plural(c.Error, "error", "errors")
}

// writeSummary prints one line per flow: the summary before and after the
// records of a plan.
func writeSummary(w io.Writer, st style, pl *plan.Plan, tallies map[string]*flowTally) {
	width := 0
	for _, fp := range pl.Flows {
		if !fp.Disabled {
			width = max(width, len(fp.Flow))
		}
	}
	for _, fp := range pl.Flows {
		if fp.Disabled {
			continue
		}
		fmt.Fprintf(w, "  %s  %s\n", st.bold(fp.Flow+strings.Repeat(" ", width-len(fp.Flow))), tallies[fp.Flow].line())
	}
}

// groupLine is an error that several records share, shown once:
//
//	! error 3 records (c4, c5, c6): field Name: invalid operation
func (g *errorGroup) line(st style) string {
	keys := strings.Join(g.keys, ", ")
	if g.n > len(g.keys) {
		keys += fmt.Sprintf(" and %d more", g.n-len(g.keys))
	}
	return fmt.Sprintf("\n  %s error %d records (%s): %s\n", st.red("!"), g.n, keys, g.message)
}
