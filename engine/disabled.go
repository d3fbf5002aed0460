package engine

import "github.com/kopla-dev/kopla/engine/plan"

// disabledFlowPlan is the plan of a flow whose enabled expression is
// false: no changes, and the reason, for the plan's one line about it.
func disabledFlowPlan(f *flow) *plan.FlowPlan {
	return &plan.FlowPlan{
		Flow:           f.name,
		Source:         f.source.ref,
		Target:         f.target.ref,
		KeyField:       f.keyField,
		Disabled:       true,
		DisabledReason: f.decl.DisabledReason,
	}
}
