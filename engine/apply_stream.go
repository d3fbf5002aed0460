package engine

import "github.com/kopla-dev/kopla/engine/plan"

// keepResult tells whether a streamed record stays in FlowResult.Records:
// what a summary lists (failed, blocked, interrupted, unverified).
func keepResult(rr *RecordResult) bool {
	return rr.Interrupted || rr.Verification.Failed() || (rr.Action != plan.Create && rr.Action != plan.Update)
}

// streamResults hands the records of fr from from on to ApplyOptions.Stream
// and keeps of them only those keepResult names, each on its own (not in
// its batch's slice): the others are counted in fr.Streamed, so that a run
// of a million records keeps no structure per record written.
func (a *applier) streamResults(fr *FlowResult, from int) {
	if a.opts.Stream == nil {
		return
	}
	kept := fr.Records[:from]
	for _, rr := range fr.Records[from:] {
		a.opts.Stream(fr.Flow, rr)
		if keepResult(rr) {
			c := *rr
			kept = append(kept, &c)
			continue
		}
		fr.Streamed.Add(rr.Action)
	}
	clear(fr.Records[len(kept):])
	fr.Records = kept
}

// handled is the number of records fr has the result of.
func (fr *FlowResult) handled() int {
	return len(fr.Records) + fr.Streamed.Create + fr.Streamed.Update
}
