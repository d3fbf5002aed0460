package serve

import (
	"context"
	"time"
)

// Observer is told the outcome of every run serve makes (notifications
// implement it). RunFinished must not block for long: serve calls it after
// the run, before the flow's next one.
type Observer interface {
	RunFinished(ctx context.Context, r RunReport)
}

// RunReport is the outcome of one run of one flow.
type RunReport struct {
	Flow string
	// RunID is the run in the state (kopla runs, kopla log -run); 0 when
	// the run failed before apply recorded it.
	RunID   int64
	Trigger string // schedule, webhook, poll, retry, manual
	Started time.Time
	Ended   time.Time
	// Counts are the records by outcome, as kopla runs shows them:
	// create, update, no_op, skip, error, blocked.
	Counts map[string]int
	// Failed are the records that failed or were blocked, in plan order.
	Failed []FailedRecord
	// Err is set when the run as a whole failed (the source could not be
	// read, the lock was held, the state could not be written).
	Err error
	// PickupLag is how long the oldest change the run picked up (a webhook
	// event) had waited when the run ended; HasPickupLag says there was one.
	PickupLag    time.Duration
	HasPickupLag bool
}

// OK reports whether the run did all it planned.
func (r RunReport) OK() bool { return r.Err == nil && len(r.Failed) == 0 }

// FailedRecord is one record a run could not write.
type FailedRecord struct {
	SourceKey string // the source record's id
	Label     string // the record's label (labels the user configured); "" when it shows a sensitive value
	Key       string // the target key value, as text; "" when the key field is sensitive
	Field     string // the field the system refused, when known
	Code      string // the API's error code, when known
	Status    int    // the API's HTTP status, when known
	Message   string
	// Err is the error of the write, when it failed at the API (a
	// *connectors.APIError with its fields' messages).
	Err error
	// Retryable says the cause may pass (429, 5xx, a timeout, a parent
	// that failed): serve tries the record again with backoff.
	Retryable bool
	// GivenUp says the record was retried as often as allowed and is now
	// marked failed until the next change or kopla retry.
	GivenUp bool
}

// observers is o as a list (none when nil).
func observers(o Observer) Observers {
	if o == nil {
		return nil
	}
	return Observers{o}
}

// Observers fans a report out to several observers.
type Observers []Observer

// RunFinished calls each observer in turn.
func (os Observers) RunFinished(ctx context.Context, r RunReport) {
	for _, o := range os {
		o.RunFinished(ctx, r)
	}
}
