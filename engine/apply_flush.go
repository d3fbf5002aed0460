package engine

import (
	"context"
	"fmt"

	"github.com/kopla-dev/kopla/connectors"
)

// flushTarget ends a flow's writes to target: an object that holds back
// part of what it wrote (connectors.Flusher) makes it visible. It runs when
// the apply was interrupted too: what was written is kept.
func flushTarget(ctx context.Context, f *flow, target connectors.Object) error {
	fl, ok := target.(connectors.Flusher)
	if !ok {
		return nil
	}
	if err := fl.Flush(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("finish the writes to %s: %w", f.target.ref, err)
	}
	return nil
}
