package engine

import (
	"context"
	"fmt"
	"slices"

	"github.com/kopla-dev/kopla/connectors"
)

// prefetchPages is how many pages of its source a read group reads ahead
// of its planning: enough that the reads of later groups overlap the
// planning of earlier ones, few enough that memory stays bounded.
const prefetchPages = 8

// prefetch is a group's source being read ahead of its planning: the
// groups are planned one after another, in dependency order, but their
// sources, each behind its own rate budget and answer times, are read at
// the same time.
type prefetch struct {
	pages  chan []connectors.Record
	cancel context.CancelFunc
	// cursor and err are the read's, set before pages is closed.
	cursor string
	err    error
}

// prefetch starts reading the group's source ahead; read takes the pages.
func (g *readGroup) prefetch(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	pf := &prefetch{pages: make(chan []connectors.Record, prefetchPages), cancel: cancel}
	g.pre = pf
	first := g.runs[0]
	go func() {
		defer close(pf.pages)
		src, err := first.sourceObject(ctx)
		if err != nil {
			pf.err = err
			return
		}
		reader, ok := src.(connectors.Reader)
		if !ok {
			pf.err = fmt.Errorf("source %s cannot be read", first.f.source.ref)
			return
		}
		pf.cursor, pf.err = reader.Read(ctx, g.req, func(page []connectors.Record) error {
			// The connector may use its page again: the records are
			// copied, as read copies them into its batches.
			select {
			case pf.pages <- slices.Clone(page):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
}

// readSource reads the group's source through fn, from the pages read ahead
// when there are. When fn fails, the read ahead is stopped.
func (g *readGroup) readSource(ctx context.Context, reader connectors.Reader, fn func([]connectors.Record) error) (string, error) {
	pf := g.pre
	if pf == nil {
		return reader.Read(ctx, g.req, fn)
	}
	defer pf.cancel()
	for page := range pf.pages {
		if err := fn(page); err != nil {
			pf.cancel()
			for range pf.pages {
				// drained, so that the reader ends
			}
			return "", err
		}
	}
	return pf.cursor, pf.err
}
