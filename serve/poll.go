package serve

import (
	"context"
	"time"
)

// pollSource is one source object that serve polls: its flows run
// incrementally (from their cursors, which the connectors read with an
// overlap window) on a budget.
type pollSource struct {
	key   string // hubspot.shop.orders
	flows []string
}

func (p PollOptions) withDefaults() PollOptions {
	if p.Interval == 0 {
		p.Interval = time.Minute
	}
	if p.Active == 0 {
		p.Active = 10 * time.Second
	}
	if p.ActiveFor == 0 {
		p.ActiveFor = 10 * time.Minute
	}
	if p.QuotaPerMinute == 0 {
		p.QuotaPerMinute = 600
	}
	if p.Share == 0 {
		p.Share = 0.02
	}
	return p
}

// floor is the shortest interval between polls of a source read by n
// flows that keeps them within the budget: an idle incremental read is
// one request per flow.
func (p PollOptions) floor(n int) time.Duration {
	perMinute := float64(p.QuotaPerMinute) * p.Share
	return time.Duration(float64(n) * float64(time.Minute) / perMinute)
}

// pollSources are the sources that do not push changes: eAccounting's
// (its webhooks are gone), and HubSpot's when serve has no webhook secret
// (then read by modification date, from the cursor). Scheduled flows are
// left to their schedules.
func (s *Server) pollSources() []*pollSource {
	by := map[string]*pollSource{}
	var out []*pollSource
	for _, name := range s.names {
		fi := s.flows[name]
		switch {
		case fi.sched != nil:
			continue
		case fi.sourceKind == "eaccounting", fi.sourceKind == "hubspot" && (s.opts.HubSpotSecret == "" || s.opts.PollHubSpot):
		default:
			continue
		}
		key := fi.sourceConn + "." + fi.object
		p := by[key]
		if p == nil {
			p = &pollSource{key: key}
			by[key] = p
			out = append(out, p)
		}
		p.flows = append(p.flows, name)
	}
	return out
}

// poll wakes the source's flows at once (what changed while serve was
// down), then every Interval, or every Active for ActiveFor after a poll
// found changes, never more often than the budget allows.
func (s *Server) poll(ctx context.Context, p *pollSource) {
	floor := s.opts.Poll.floor(len(p.flows))
	for {
		if s.leading() { // else another worker polls
			for _, flow := range p.flows {
				if err := s.request(ctx, flow, false); err != nil && ctx.Err() == nil {
					s.log.Error("cannot queue a poll", "flow", flow, "error", err)
				}
			}
			s.metrics.polls.WithLabelValues(p.key).Inc()
		}
		wait := s.opts.Poll.Interval
		if at, ok := s.activity.Load(p.key); ok && s.opts.Now().Sub(at.(time.Time)) < s.opts.Poll.ActiveFor {
			wait = s.opts.Poll.Active
		}
		wait = max(wait, floor)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}
