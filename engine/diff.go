package engine

import (
	"math"
	"strings"

	"github.com/kopla-dev/kopla/engine/plan"
)

// diffValues compares the desired values of a flow's update fields, by
// field index, with the target record and returns the fields that change.
// Create-only fields are never part of an update.
func diffValues(f *flow, desired []any, unknown map[string]bool, current map[string]any) []plan.FieldChange {
	var changes []plan.FieldChange
	for _, m := range f.fields {
		if m.createOnly || m.field.ReadOnly {
			continue
		}
		after := desired[m.index]
		if unknown[m.name] {
			changes = append(changes, plan.FieldChange{Name: m.name, Before: current[m.name], After: knownPart(after), Unknown: true, Sensitive: m.field.Sensitive})
			continue
		}
		before := current[m.name]
		if valuesEqual(after, before) {
			continue
		}
		changes = append(changes, plan.FieldChange{Name: m.name, Before: before, After: after, Sensitive: m.field.Sensitive})
	}
	return changes
}

// appendCreateFields appends the field changes of a create to changes,
// with the desired values by field index, and the target's defaults for
// what the flow leaves without a value.
func appendCreateFields(changes []plan.FieldChange, f *flow, desired []any, unknown map[string]bool) []plan.FieldChange {
	for _, m := range f.fields {
		v := desired[m.index]
		if unknown[m.name] {
			changes = append(changes, plan.FieldChange{Name: m.name, After: knownPart(v), Unknown: true, CreateOnly: m.createOnly, Sensitive: m.field.Sensitive})
			continue
		}
		if v == nil {
			continue
		}
		changes = append(changes, plan.FieldChange{Name: m.name, After: v, CreateOnly: m.createOnly, Sensitive: m.field.Sensitive})
	}
	return f.defaults.appendTo(changes)
}

// valuesEqual compares a desired value with what a target holds, the way a
// person would: numbers by value whatever their Go type or text form, nil
// and "" alike, objects by the keys the flow sets (systems add their own
// keys, such as row ids), lists element by element.
func valuesEqual(want, have any) bool {
	switch w := want.(type) {
	case nil:
		return have == nil || have == ""
	case string:
		switch h := have.(type) {
		case string:
			return w == h
		case nil:
			return w == ""
		case bool:
			return strings.EqualFold(w, boolString(h))
		default:
			if hn, ok := asFloat(have); ok {
				wn, err := toNumber(w)
				return err == nil && wn != nil && floatEqual(wn.(float64), hn)
			}
		}
		return false
	case bool:
		switch h := have.(type) {
		case bool:
			return w == h
		case string:
			return strings.EqualFold(h, boolString(w))
		}
		return false
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if !valuesEqual(v, h[k]) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok {
			return len(w) == 0 && have == nil
		}
		if len(w) != len(h) {
			return false
		}
		for i := range w {
			if !valuesEqual(w[i], h[i]) {
				return false
			}
		}
		return true
	}
	if wn, ok := asFloat(want); ok {
		if hn, ok := asFloat(have); ok {
			return floatEqual(wn, hn)
		}
		if hs, ok := have.(string); ok {
			hn, err := toNumber(hs)
			return err == nil && hn != nil && floatEqual(wn, hn.(float64))
		}
		return false
	}
	return want == have
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	}
	return 0, false
}

// floatEqual ignores the noise of binary floating point (0.1+0.2).
func floatEqual(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// targetView is what an ensured record looks like to the flows that use it:
// the target record as it will be after apply. For a create, the fields the
// flow does not set are known only after apply. desired holds every
// field's value, by index.
func targetView(f *flow, action plan.Action, desired []any, current map[string]any, targetID string) map[string]any {
	view := make(map[string]any, len(current)+len(desired)+1)
	for k, v := range current {
		view[k] = v
	}
	if action == plan.Create {
		// Until the record exists, what the system fills in (ids, numbers
		// it assigns, defaults) is unknown: every field the flow does not
		// set.
		for _, fl := range f.target.schema.Fields {
			view[fl.Name] = plan.Unknown
		}
		view["id"] = plan.Unknown
	}
	for _, m := range f.fields {
		if m.createOnly && action != plan.Create {
			continue
		}
		view[m.name] = desired[m.index]
	}
	if targetID != "" {
		if _, ok := view["id"]; !ok {
			view["id"] = targetID
		}
	}
	return view
}
