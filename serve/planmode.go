package serve

import "github.com/kopla-dev/kopla/engine"

// sweepOptions sets how a sweep reads its source: from the flow's cursor,
// or (full, the nightly reconcile) the whole source. It is the one place
// that knows the engine's read-mode options, so that a change of their
// shape (incremental reads by default, a Full option) is a change here.
func sweepOptions(opts *engine.PlanOptions, full bool) {
	opts.Incremental = !full
}
