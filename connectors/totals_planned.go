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
	// The totals come with what each row adds, for the plan to show.
	ExpectedTotalsPlanned(ctx context.Context, fields map[string]any, planned map[string]map[string]any) (t DocumentTotals, ok bool, err error)
}

// DocumentTotals are a document's totals and what each of its rows adds.
type DocumentTotals struct {
	Totals
	// Rows are the priced rows, by their index in the document's rows;
	// text rows are left out.
	Rows []RowTotal
}

// RowTotal is what one row of a document adds: its amount as the system
// computes it (quantity x unit price less discount, in the document's
// prices: including VAT where they do) and its VAT rate (0.25 for 25 %).
type RowTotal struct {
	Row     int
	Amount  float64
	VATRate float64
}

// ErrTotalsUnknown says a document's totals depend on values known only
// after apply.
var ErrTotalsUnknown = errors.New("the totals depend on values known only after apply")
