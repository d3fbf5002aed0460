package serve

import "context"

// recordRunStats stores the run's pickup lag with the run, for the
// dashboard's chart, and counts the API calls the run recorded per budget
// in /metrics. A failure is logged, not returned: the run itself is done
// and recorded.
func (s *Server) recordRunStats(ctx context.Context, rep RunReport) {
	if rep.RunID == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	st := s.opts.State
	if rep.HasPickupLag {
		if err := st.SetRunPickupLag(ctx, rep.RunID, rep.Flow, rep.PickupLag); err != nil {
			s.log.Warn("cannot record the run's pickup lag", "flow", rep.Flow, "run", rep.RunID, "error", err)
		}
	}
	stats, err := st.RunStats(ctx, []int64{rep.RunID})
	if err != nil {
		s.log.Warn("cannot read the run's API calls", "flow", rep.Flow, "run", rep.RunID, "error", err)
		return
	}
	for _, c := range stats[rep.RunID].APICalls {
		s.metrics.budgetCalls.WithLabelValues(c.Connection, c.Budget).Add(float64(c.Calls))
	}
}
