package connectors

import (
	"context"
	"errors"
)

// PlannedVerifier is a Verifier that can also compute, at plan, the totals
// of a document whose customer or articles the same apply creates first
// (a new article on one row), from those records as planned: the plan then
// shows what the document will total although an id is known only after
// apply.
type PlannedVerifier interface {
	Verifier
	// ExpectedTotalsPlanned is ExpectedTotals for fields whose ids may be
	// keys of planned: the records the apply creates, with the fields the
	// flow gives them (the values the system assigns are absent). It
	// returns an error wrapping ErrTotalsUnknown when the totals depend on
	// a value planned records do not have (an article without its account
	// coding).
	ExpectedTotalsPlanned(ctx context.Context, fields map[string]any, planned map[string]map[string]any) (t Totals, ok bool, err error)
}

// ErrTotalsUnknown says a document's totals depend on values known only
// after apply.
var ErrTotalsUnknown = errors.New("the totals depend on values known only after apply")
