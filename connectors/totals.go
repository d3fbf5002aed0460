package connectors

import (
	"context"
	"fmt"
	"math"
)

// Totals are the amounts of a sales document (an order, an invoice) in its
// currency.
type Totals struct {
	Currency string  `json:"currency"`
	Net      float64 `json:"net"`
	VAT      float64 `json:"vat"`
	// Gross is the total to pay: net, VAT and the document's rounding.
	Gross float64 `json:"gross"`
}

func (t Totals) String() string {
	return fmt.Sprintf("net %.2f, VAT %.2f, gross %.2f %s", t.Net, t.VAT, t.Gross, t.Currency)
}

// Verifier is implemented by objects whose records are sales documents with
// totals. The connector knows how its system prices a document (row
// amounts, VAT rates from article codings, prices including VAT, rounding),
// so it, not the engine, says what a document must total; the engine
// compares that with what the system stored after every create, and over
// booked documents (kopla verify).
type Verifier interface {
	// ExpectedTotals returns the totals a document with the given fields
	// must have once stored, computed from the fields as the system's API
	// documents it. ok is false when the fields are no document with
	// totals. It may read reference data (articles, customers) from the
	// system.
	ExpectedTotals(ctx context.Context, fields map[string]any) (t Totals, ok bool, err error)
	// StoredTotals returns the totals of a document as the system stored
	// it (a write's answer, a read record).
	StoredTotals(rec Record) (t Totals, ok bool)
}

// TotalsMismatch is one figure of a document that differs between what was
// expected and what was stored.
type TotalsMismatch struct {
	Figure   string `json:"figure"` // "net", "vat", "gross" or "currency"
	Expected any    `json:"expected"`
	Stored   any    `json:"stored"`
}

// RoundingTolerance is the largest difference between two amounts that is
// rounding, not a mismatch: one minor unit of a two-decimal currency.
const RoundingTolerance = 0.01

// CompareTotals lists the figures that differ by more than
// RoundingTolerance, and a different currency.
func CompareTotals(expected, stored Totals) []TotalsMismatch {
	var out []TotalsMismatch
	if expected.Currency != "" && stored.Currency != "" && expected.Currency != stored.Currency {
		out = append(out, TotalsMismatch{Figure: "currency", Expected: expected.Currency, Stored: stored.Currency})
	}
	for _, f := range []struct {
		name string
		e, s float64
	}{{"net", expected.Net, stored.Net}, {"vat", expected.VAT, stored.VAT}, {"gross", expected.Gross, stored.Gross}} {
		// A hair above the tolerance: 0.01 apart in float64 is often
		// 0.010000000000002.
		if math.Abs(f.e-f.s) > RoundingTolerance+1e-9 {
			out = append(out, TotalsMismatch{Figure: f.name, Expected: f.e, Stored: f.s})
		}
	}
	return out
}
