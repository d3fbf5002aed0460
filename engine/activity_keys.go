package engine

import (
	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// activityKeys are the values, besides its source key and target id, that
// the record of an activity entry is known by: the flow's key value (an
// e-mail address, an order reference) and the values of the target's
// unique fields as sent or as the target stored them (the customer, order
// or article number it assigned). The state indexes them, hashed, so that
// kopla log -key, trace and forget find the entry by any of them.
func activityKeys(f *flow, ch *plan.Change, sent map[string]any, res *connectors.WriteResult) []string {
	var keys []string
	add := func(v any) {
		switch v.(type) {
		case string, float64, int64, int:
		default:
			return
		}
		if s := stringOf(v); s != "" && s != ch.SourceKey {
			keys = append(keys, s)
		}
	}
	add(ch.Key)
	for _, v := range sourceUniqueKeys(f, ch) {
		add(v)
	}
	var stored map[string]any
	if res != nil && res.Err == nil {
		stored = res.Record.Fields
	}
	for i := range f.target.schema.Fields {
		fd := &f.target.schema.Fields[i]
		if !fd.Unique || fd.Name == f.keyField {
			continue
		}
		if v, ok := stored[fd.Name]; ok {
			add(v)
		} else if v, ok := sent[fd.Name]; ok {
			add(v)
		}
	}
	return keys
}
