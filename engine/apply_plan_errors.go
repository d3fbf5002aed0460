package engine

import (
	"context"
	"encoding/json"

	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// logPlanErrors logs the records of a flow the plan could not plan (a
// value the target cannot take, an expression that failed), an entry each
// with the reason, the field and what was read: the activity log then
// holds every failed record of a run, not only those whose write failed,
// so that kopla log, trace and the dashboard's failures show them and a
// retry can name them.
func (a *applier) logPlanErrors(ctx context.Context, f *flow, fp *plan.FlowPlan) error {
	if fp.Counts().Error == 0 {
		return nil
	}
	var acts []state.Activity
	for ch := range fp.Changes() {
		if ch.Action != plan.Error {
			continue
		}
		act := state.Activity{RunID: a.runID, Flow: f.name, SourceKey: ch.SourceKey, Action: string(plan.Error), Error: ch.Reason,
			Keys: activityKeys(f, ch, nil, nil)}
		if ch.Source != nil {
			act.Read = f.sourceRedactor.json(ch.Source)
		}
		answer := map[string]string{"stage": "plan"}
		if ch.Field != "" {
			answer["field"] = ch.Field
		}
		act.Answer, _ = json.Marshal(answer)
		acts = append(acts, act)
	}
	if err := fp.Err(); err != nil {
		return err
	}
	return a.st.LogActivity(ctx, acts)
}
