package serve

import "github.com/kopla-dev/kopla/engine"

// sweepOptions sets how a sweep reads its source: from the flow's cursor
// (the engine's default), or in full (the nightly reconcile).
func sweepOptions(opts *engine.PlanOptions, full bool) {
	opts.Full = full
}
