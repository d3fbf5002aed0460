package engine

import (
	"context"
)

// readIDs plans the group's only flow for the source records in g.ids,
// read by id in batches (connectors.RequestGetter or Getter). Ids that no
// longer exist are left out, as a read would leave them out.
func (g *readGroup) readIDs(ctx context.Context) error {
	run := g.runs[0]
	size := run.pl.p.engine.opts.BatchSize
	ids := uniqueStrings(g.ids)
	for len(ids) > 0 {
		n := min(size, len(ids))
		recs, err := run.getSources(ctx, ids[:n])
		if err != nil {
			return err
		}
		err = run.planBatch(ctx, recs, fromRead)
		run.pl.emit()
		if err != nil {
			g.errs[0] = err
			return nil
		}
		ids = ids[n:]
	}
	return nil
}

// uniqueStrings drops repeated and empty values, keeping the first order.
func uniqueStrings(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := make([]string, 0, len(in))
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
