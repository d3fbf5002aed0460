package engine

import (
	"context"
	"log/slog"

	"github.com/kopla-dev/kopla/connectors"
)

// prepareTotals has a target that prices documents from records of its own
// (connectors.TotalsPreparer: a sales document's customer and articles)
// read what the creates of a batch need at once, so that their plan totals
// cost a few reads per batch instead of two per document. Records whose
// values are not known yet are priced at apply, and left out. When the
// batch read fails, each document is priced on its own, and says why if it
// cannot be.
func (r *flowRun) prepareTotals(ctx context.Context, items []*pending) {
	r.totals = nil
	prep, ok := r.target.(connectors.TotalsPreparer)
	if !ok {
		return
	}
	var docs []map[string]any
	for _, it := range items {
		if it.match != nil || it.err != nil || it.filtered || it.skip != "" || len(it.unknown) > 0 {
			continue // no create, or priced at apply
		}
		doc := make(map[string]any, len(r.f.fields))
		for _, m := range r.f.fields {
			if v := it.vals[m.index]; v != nil {
				doc[m.name] = v
			}
		}
		docs = append(docs, doc)
	}
	if len(docs) == 0 {
		return
	}
	v, err := prep.PrepareTotals(ctx, docs)
	if err != nil {
		slog.DebugContext(ctx, "plan totals: batch read failed; pricing documents one by one", "flow", r.f.name, "err", err)
		return
	}
	r.totals = v
}

// verifier is what prices the documents of the batch being decided: the
// prepared reads, else the target itself.
func (r *flowRun) verifier() any {
	if r.totals != nil {
		return r.totals
	}
	return r.target
}
