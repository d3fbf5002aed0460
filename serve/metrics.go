package serve

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are serve's Prometheus metrics.
type metrics struct {
	runs          *prometheus.CounterVec
	records       *prometheus.CounterVec
	webhookEvents *prometheus.CounterVec
	pickupLag     *prometheus.HistogramVec
	polls         *prometheus.CounterVec
	budgetCalls   *prometheus.CounterVec // runstats.go
}

func newMetrics(reg *prometheus.Registry, s *Server) *metrics {
	m := &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kopla_runs_total", Help: "Flow runs by flow, trigger and outcome (ok, records_failed, failed).",
		}, []string{"flow", "trigger", "outcome"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kopla_records_total", Help: "Records of the runs by flow and action (create, update, no_op, skip, error, blocked).",
		}, []string{"flow", "action"}),
		webhookEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kopla_webhook_events_total", Help: "HubSpot webhook events by result (stored, duplicate, refused requests).",
		}, []string{"result"}),
		pickupLag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "kopla_pickup_lag_seconds", Help: "Time from a change in the source (webhook event) to the end of the run that wrote it.",
			Buckets: []float64{1, 2, 5, 10, 30, 60, 120, 300, 900},
		}, []string{"flow"}),
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kopla_polls_total", Help: "Polls of sources that do not push changes, by source object.",
		}, []string{"source"}),
		budgetCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kopla_api_budget_calls_total", Help: "Requests the runs drew on each rate budget, by connection and budget (as kopla records them with each run).",
		}, []string{"connection", "budget"}),
	}
	reg.MustRegister(m.runs, m.records, m.webhookEvents, m.pickupLag, m.polls, m.budgetCalls,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kopla_queue_events_pending", Help: "Source events stored and not yet processed by a run.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := s.q.pendingEvents(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "kopla_queue_jobs", Help: "Runs queued or running in the job queue.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'pending', 'running', 'scheduled', 'retryable')`).Scan(&n); err != nil {
			return -1
		}
		return float64(n)
	}))
	return m
}

// observe counts a finished run.
func (m *metrics) observe(r RunReport, w *work, now time.Time) {
	outcome := "ok"
	switch {
	case r.Err != nil:
		outcome = "failed"
	case len(r.Failed) > 0:
		outcome = "records_failed"
	}
	m.runs.WithLabelValues(r.Flow, r.Trigger, outcome).Inc()
	for action, n := range r.Counts {
		m.records.WithLabelValues(r.Flow, action).Add(float64(n))
	}
	if r.Err == nil && !w.oldest.IsZero() {
		m.pickupLag.WithLabelValues(r.Flow).Observe(now.Sub(w.oldest).Seconds())
	}
}
