package serve

import "context"

// recordPickupLag stores the run's pickup lag with the run, for the
// dashboard's chart. A failure is logged, not returned: the run itself is
// done and recorded.
func (s *Server) recordPickupLag(ctx context.Context, rep RunReport) {
	if !rep.HasPickupLag || rep.RunID == 0 {
		return
	}
	if err := s.opts.State.SetRunPickupLag(context.WithoutCancel(ctx), rep.RunID, rep.Flow, rep.PickupLag); err != nil {
		s.log.Warn("cannot record the run's pickup lag", "flow", rep.Flow, "run", rep.RunID, "error", err)
	}
}
