package serve

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/notify"
)

// Notifier is what serve needs of the project's notifications
// (*notify.Notifier): a report after each run, a periodic check for the
// rules that fail with time alone and for deliveries to retry, and the
// count of messages waiting, for /metrics.
type Notifier interface {
	RunFinished(ctx context.Context, r notify.RunReport) error
	Check(ctx context.Context, now time.Time) error
	Pending() int
}

var _ Notifier = (*notify.Notifier)(nil)

// defaultNotifyEvery is how often serve calls Notifier.Check.
const defaultNotifyEvery = time.Minute

// notifyObserver hands each run's report to the Notifier.
type notifyObserver struct {
	n Notifier
	s *Server
}

func (o notifyObserver) RunFinished(ctx context.Context, r RunReport) {
	// The notifier stores the rule's state before it sends, so an error
	// here is one of the state: the next report evaluates the rule again.
	if err := o.n.RunFinished(ctx, notifyReport(r)); err != nil {
		o.s.log.Error("notifications: cannot evaluate the run", "flow", r.Flow, "run", r.RunID, "error", err)
	}
}

// notifyReport is r as the notifier reads it.
func notifyReport(r RunReport) notify.RunReport {
	out := notify.RunReport{
		Flow: r.Flow, RunID: r.RunID, Started: r.Started, Ended: r.Ended, Err: r.Err,
		Counts: plan.Counts{
			Create: r.Counts["create"], Update: r.Counts["update"], NoOp: r.Counts["no_op"],
			Skip: r.Counts["skip"], Error: r.Counts["error"], Blocked: r.Counts["blocked"],
		},
		PickupLag: r.PickupLag, HasPickupLag: r.HasPickupLag,
	}
	for _, f := range r.Failed {
		nf := notify.FailedRecord{Label: f.Label, SourceKey: f.SourceKey, Key: f.Key, Field: f.Field, Err: f.Err}
		// With the API's error at hand the notifier takes service, status,
		// code and message (with its fields' messages) from it.
		var api *connectors.APIError
		if !errors.As(f.Err, &api) {
			nf.Status, nf.Code, nf.Message = f.Status, f.Code, f.Message
		}
		out.Failed = append(out.Failed, nf)
	}
	return out
}

// checkNotifications calls the notifier's Check every NotifyEvery until
// ctx ends.
func (s *Server) checkNotifications(ctx context.Context) {
	t := time.NewTicker(s.opts.NotifyEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.opts.Notifier.Check(ctx, s.opts.Now()); err != nil && ctx.Err() == nil {
				s.log.Error("notifications: check failed", "error", err)
			}
		}
	}
}

// registerNotifyMetrics exposes the messages waiting for delivery.
func registerNotifyMetrics(reg *prometheus.Registry, n Notifier) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kopla_notifications_pending", Help: "Notifications stored and not yet delivered on every channel (retried at each check).",
	}, func() float64 { return float64(n.Pending()) }))
}
