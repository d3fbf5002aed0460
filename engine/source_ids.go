package engine

import (
	"slices"

	"github.com/kopla-dev/kopla/connectors"
)

// sourceIDsOnly reports whether the plan takes only some source records of
// the flow (PlanOptions.SourceIDs). Such a plan stores no cursor: the
// records it left out were not planned.
func (r *flowRun) sourceIDsOnly() bool {
	_, ok := r.pl.opts.SourceIDs[r.f.name]
	return ok
}

// keepSourceIDs returns the records of a batch read from the flow's source
// that the plan takes: all of them, or those whose ids PlanOptions.SourceIDs
// lists for the flow. The batch is shared by the flows reading the same
// source, so a filtered one is a copy.
func (r *flowRun) keepSourceIDs(batch []connectors.Record) []connectors.Record {
	ids, ok := r.pl.opts.SourceIDs[r.f.name]
	if !ok {
		return batch
	}
	var out []connectors.Record
	for _, rec := range batch {
		if slices.Contains(ids, rec.ID) {
			out = append(out, rec)
		}
	}
	return out
}
