package notify

import (
	"errors"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// RunReport is what a finished run of one flow tells the Notifier.
type RunReport struct {
	// Project names the project in messages; "" means Options.Project.
	Project string
	Flow    string
	RunID   int64
	Started time.Time
	Ended   time.Time
	// Counts are the run's records by action and outcome; Error and
	// Blocked are its failed records.
	Counts plan.Counts
	// Err is the run's own error: the run stopped (a read failed, the
	// lock was held, the connection was refused). nil when it ran to the
	// end, whatever its records did.
	Err error
	// Failed are the failed records, or the first of them: messages name
	// the first few and count the rest from Counts.
	Failed []FailedRecord
	// PickupLag is how long the oldest change the run picked up had
	// waited; HasPickupLag says it was measured.
	PickupLag    time.Duration
	HasPickupLag bool
}

// FailedRecord is one record of a run that failed.
type FailedRecord struct {
	// Label names the record as the flow's label configures it; a label
	// that holds a sensitive value (LabelSensitive) is left out of
	// messages.
	Label          string
	LabelSensitive bool
	// SourceKey is the record's id in the source (kopla trace finds it by
	// it) and Key the value of the flow's key field, when known.
	SourceKey string
	Key       string
	// Field is the field the error is about, when it is about one.
	Field string
	// Service, Status, Code and Message are the API's answer: "eaccounting",
	// 400, "4000", "Customer not found". When they are empty and Err is
	// set, they are taken from the *connectors.APIError in Err, else
	// Message is Err's text.
	Service string
	Status  int
	Code    string
	Message string
	Err     error
}

// failures are the failed records of a run by its counts.
func failures(c plan.Counts) int { return c.Error + c.Blocked }

// handled are all the records a run handled by its counts.
func handled(c plan.Counts) int {
	return c.Create + c.Update + c.NoOp + c.Skip + c.Error + c.Blocked
}

// apiError describes err as the API answered it, when it holds a
// *connectors.APIError.
func apiError(err error) (service string, status int, code, message string) {
	var ae *connectors.APIError
	if errors.As(err, &ae) {
		msg := ae.Message
		for _, f := range ae.Fields {
			msg += "; " + f.Field + ": " + f.Message
		}
		return ae.Service, ae.Status, ae.Code, msg
	}
	return "", 0, "", err.Error()
}
