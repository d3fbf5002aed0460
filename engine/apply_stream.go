package engine

import "github.com/kopla-dev/kopla/engine/plan"

// keepResult tells whether a streamed record stays in FlowResult.Records:
// what a summary lists (failed, blocked, interrupted, unverified).
func keepResult(rr *RecordResult) bool {
	return rr.Interrupted || rr.Verification.Failed() || (rr.Action != plan.Create && rr.Action != plan.Update)
}

// streamBatch hands the records a batch wrote to ApplyOptions.Stream and
// returns those keepResult names, with their places in the plan (seqs): the
// others are counted in fr.Streamed, so that a run of a million records
// keeps no structure per record written. The caller holds the flow's lock.
func (a *applier) streamBatch(fr *FlowResult, recs []*RecordResult, seqs []int) ([]*RecordResult, []int) {
	if a.opts.Stream == nil {
		return recs, seqs
	}
	var kept []*RecordResult
	var keptSeqs []int
	for i, rr := range recs {
		// One at a time across flows, as progress is: the view writes it.
		a.sched.progress(func() { a.opts.Stream(fr.Flow, rr) })
		if keepResult(rr) {
			kept = append(kept, rr)
			keptSeqs = append(keptSeqs, seqs[i])
			continue
		}
		fr.Streamed.Add(rr.Action)
	}
	return kept, keptSeqs
}

// handled is the number of records fr has the result of.
func (fr *FlowResult) handled() int {
	return len(fr.Records) + fr.Streamed.Create + fr.Streamed.Update
}
