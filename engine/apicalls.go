package engine

import (
	"context"
	"sort"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/state"
)

// runAPICalls returns the requests each open connection drew on each of
// its rate budgets since the last run was recorded (or since it was
// opened), and marks the counts as recorded. A run so gets the calls of
// its plan's reads as well as its writes; kopla serve, which keeps its
// connections open run after run, gets each run's own.
func (p *Project) runAPICalls() []state.APICalls {
	var out []state.APICalls
	for _, key := range sortedKeys(p.conns) {
		c := p.conns[key]
		c.mu.Lock()
		b, ok := c.conn.(connectors.Budgeted)
		if !ok {
			c.mu.Unlock()
			continue
		}
		budgets := b.Budgets()
		if c.callsMark == nil {
			c.callsMark = map[string]int{}
		}
		for _, bu := range budgets {
			n := bu.Used - c.callsMark[bu.Name]
			if n < 0 {
				// The connection was opened again (its counts start
				// over) or a quota was reset.
				n = bu.Used
			}
			c.callsMark[bu.Name] = bu.Used
			if n > 0 {
				out = append(out, state.APICalls{Connection: key, Budget: bu.Name, Calls: n, Limit: bu.Limit, Per: bu.Per})
			}
		}
		c.mu.Unlock()
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Connection < out[j].Connection })
	return out
}

// recordAPICalls stores the run's API calls per budget with the run.
func (a *applier) recordAPICalls(ctx context.Context) error {
	return a.st.SetRunAPICalls(ctx, a.runID, a.p.runAPICalls())
}
