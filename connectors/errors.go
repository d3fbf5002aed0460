package connectors

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrUnknownObject is wrapped by Connector.Object for a name it does not have.
	ErrUnknownObject = errors.New("unknown object")
	// ErrNotFound means a record does not exist.
	ErrNotFound = errors.New("record not found")
	// ErrConflict means a write collided with an existing record (a unique
	// value taken, a duplicate key in one batch).
	ErrConflict = errors.New("conflict")
	// ErrAuth means the credentials were refused and refreshing did not help:
	// the user must log in again or fix the token.
	ErrAuth = errors.New("authentication failed")
	// ErrSourceMissing is wrapped by Reader.Read when what it reads does not
	// exist at all (a file not written yet), as opposed to existing and
	// holding no records. The engine plans such a source as empty with a
	// warning, and refuses to apply it: an export that did not arrive must
	// not pass for one without records.
	ErrSourceMissing = errors.New("source does not exist")
)

// APIError is an error answer of a remote API, decoded.
type APIError struct {
	Service       string // "hubspot", "eaccounting"
	Status        int    // HTTP status
	Code          string // the API's own error code or category (VALIDATION_ERROR, 4000)
	Message       string
	CorrelationID string // HubSpot correlationId, eAccounting ErrorId
	// Fields are the per-field validation messages, when the API gives them.
	Fields []FieldError
	// Kind, when set, is one of this package's sentinels (ErrNotFound,
	// ErrConflict, ErrAuth) so callers can use errors.Is.
	Kind error
}

// FieldError is one field of one record refused by a system.
type FieldError struct {
	Field   string
	Message string
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Service + ":")
	if e.Status != 0 { // 0: refused before anything was sent
		fmt.Fprintf(&b, " %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Message)
	}
	if e.CorrelationID != "" {
		fmt.Fprintf(&b, " (id %s)", e.CorrelationID)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Kind }

// RateLimitError is a rate limit the connector could not wait out: a daily
// quota, or a wait longer than the caller's deadline.
type RateLimitError struct {
	Service string
	Policy  string    // the API's name for the limit (DAILY, TEN_SECONDLY_ROLLING)
	Reset   time.Time // when the limit lifts, when known
	Err     error
}

func (e *RateLimitError) Error() string {
	msg := fmt.Sprintf("%s: rate limit %s reached", e.Service, e.Policy)
	if !e.Reset.IsZero() {
		msg += "; it resets at " + e.Reset.UTC().Format(time.RFC3339)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *RateLimitError) Unwrap() error { return e.Err }
