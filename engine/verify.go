package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// Verification is the comparison of a document's totals, as the target
// connector computes them from what kopla sent, with the totals the target
// stored. Only targets that implement connectors.Verifier are verified:
// the connector, not the engine, knows how its system prices a document
// (VAT rates through article codings, prices including VAT, rounding), and
// the flow language stays free of accounting rules.
type Verification struct {
	Expected   connectors.Totals           `json:"expected"`
	Stored     connectors.Totals           `json:"stored"`
	Mismatches []connectors.TotalsMismatch `json:"mismatches,omitempty"`
	// Err says why the document could not be verified (its expected
	// totals could not be computed); that is a failed verification too.
	Err string `json:"error,omitempty"`
}

// Failed reports whether the document's books are not as expected.
func (v *Verification) Failed() bool { return v != nil && (len(v.Mismatches) > 0 || v.Err != "") }

// Message describes a failed verification with both figures.
func (v *Verification) Message() string {
	if v.Err != "" {
		return "verification failed: the expected totals cannot be computed: " + v.Err
	}
	parts := make([]string, len(v.Mismatches))
	for i, m := range v.Mismatches {
		switch e := m.Expected.(type) {
		case float64:
			parts[i] = fmt.Sprintf("%s expected %.2f, stored %.2f", strings.ToUpper(m.Figure), e, m.Stored)
		default:
			parts[i] = fmt.Sprintf("%s expected %v, stored %v", m.Figure, m.Expected, m.Stored)
		}
	}
	return fmt.Sprintf("verification failed: %s (expected %s; stored %s)", strings.Join(parts, ", "), v.Expected, v.Stored)
}

// verifyDocument compares what a document should total, computed from the
// fields sent, with what the target stored. It returns nil when the target
// does not verify documents or the record is no document with totals.
func verifyDocument(ctx context.Context, target any, sent map[string]any, stored connectors.Record) *Verification {
	ver, ok := target.(connectors.Verifier)
	if !ok {
		return nil
	}
	got, ok := ver.StoredTotals(stored)
	if !ok {
		return nil
	}
	v := &Verification{Stored: got}
	want, ok, err := ver.ExpectedTotals(ctx, sent)
	switch {
	case err != nil:
		v.Err = err.Error()
	case !ok:
		return nil
	default:
		v.Expected = want
		v.Mismatches = connectors.CompareTotals(want, got)
	}
	return v
}

// expectedTotals are what a planned create must total, for the plan to
// show: nil when the target does not verify documents (a Verifier's
// records are documents) or the fields are no document; unknown when they depend on records the same apply creates (a
// new customer's id, a new article's), as the connector cannot price what
// it cannot read yet.
func expectedTotals(ctx context.Context, target any, fields []plan.FieldChange) *plan.Totals {
	ver, ok := target.(connectors.Verifier)
	if !ok {
		return nil
	}
	sent := make(map[string]any, len(fields))
	unknown := false
	for _, fc := range fields {
		sent[fc.Name] = fc.After
		unknown = unknown || fc.Unknown
	}
	if unknown {
		t := &plan.Totals{Unknown: true}
		if c, ok := sent["CurrencyCode"].(string); ok {
			t.Currency = strings.ToUpper(c)
		}
		return t
	}
	want, ok, err := ver.ExpectedTotals(ctx, sent)
	switch {
	case err != nil:
		return &plan.Totals{Error: err.Error()}
	case !ok:
		return nil
	}
	return &plan.Totals{Currency: want.Currency, Net: want.Net, VAT: want.VAT, Gross: want.Gross}
}

// verifyCreated verifies the documents a batch created, by the totals
// their create answers carry (eAccounting answers a POST with the stored
// document, so no document is read again). What the connector needs to
// price them (a sales document's customer and articles) is read once for
// the batch when it can (connectors.TotalsPreparer), instead of per
// document; when that read fails, each document is priced on its own.
func verifyCreated(ctx context.Context, target any, writes []connectors.Write, answers []connectors.WriteResult) []*Verification {
	out := make([]*Verification, len(answers))
	if _, ok := target.(connectors.Verifier); !ok {
		return out
	}
	var docs []map[string]any
	for i, res := range answers {
		if res.Err == nil && writes[i].Action == connectors.Create {
			docs = append(docs, writes[i].Fields)
		}
	}
	if len(docs) == 0 {
		return out
	}
	ver := target
	if prep, ok := target.(connectors.TotalsPreparer); ok {
		if v, err := prep.PrepareTotals(ctx, docs); err == nil {
			ver = v
		} else {
			slog.DebugContext(ctx, "verification: batch read failed; pricing documents one by one", "err", err)
		}
	}
	for i, res := range answers {
		if res.Err == nil && writes[i].Action == connectors.Create {
			out[i] = verifyDocument(ctx, ver, writes[i].Fields, res.Record)
		}
	}
	return out
}
