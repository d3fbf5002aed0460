package engine

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// Values known in part. A field whose value holds a value known only after
// apply (the id of an article the same apply creates, in one row of an
// order) keeps its known parts in the plan: only the unknown ones are
// marked, each with the record that supplies it. What supplies an unknown
// value is found by evaluating the field once more with the unknown values
// of each record the apply creates replaced by a marker of that record
// (attribute): a marker that reaches the value names its supplier. The
// second evaluation happens only for fields known in part, and its side
// effects (warnings, find() misses) are dropped.

// supplier is a record an ensure block hands the change that the same
// apply creates first: its values in ensured.<ensure> (at index, for a
// list) are partly known only after apply.
type supplier struct {
	ensure string
	index  int // -1: not a list
	flow   *flow
	view   map[string]any
	change *plan.Change
}

// markerSep separates a supplier marker from plan.Unknown; a NUL never
// appears in the values people see, and the marker never leaves the
// planner (attribute, plannedValue).
const markerSep = "\x00"

// marker stands for field of supplier k in the second evaluation: it
// still reads as a value known after apply, so that expressions behave as
// in the first.
func marker(k int, field string) string {
	return plan.Unknown + markerSep + strconv.Itoa(k) + markerSep + field
}

// parseMarker returns the supplier and field a value holds a marker of;
// exact is true when the value is the marker itself (an id passed on
// unchanged), not a text made with it.
func parseMarker(v any) (k int, field string, exact, ok bool) {
	s, isString := v.(string)
	if !isString {
		return 0, "", false, false
	}
	at := strings.Index(s, plan.Unknown+markerSep)
	if at < 0 {
		return 0, "", false, false
	}
	rest := s[at+len(plan.Unknown)+len(markerSep):]
	num, rest, found := strings.Cut(rest, markerSep)
	if !found {
		return 0, "", false, false
	}
	k, err := strconv.Atoi(num)
	if err != nil {
		return 0, "", false, false
	}
	field = rest
	end := len(field)
	for i, r := range field {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			end = i
			break
		}
	}
	exact = at == 0 && end == len(field)
	return k, field[:end], exact, true
}

// markedEnsured is the record's ensured values with the unknown values of
// each supplier replaced by its markers.
func markedEnsured(ensured map[string]any, suppliers []supplier) map[string]any {
	out := make(map[string]any, len(ensured))
	for k, v := range ensured {
		out[k] = v
	}
	copied := map[string]bool{}
	for k, s := range suppliers {
		view := make(map[string]any, len(s.view))
		for name, v := range s.view {
			if str, ok := v.(string); ok && str == plan.Unknown {
				v = marker(k, name)
			}
			view[name] = v
		}
		if s.index < 0 {
			out[s.ensure] = view
			continue
		}
		list, ok := out[s.ensure].([]any)
		if !ok || s.index >= len(list) {
			continue
		}
		if !copied[s.ensure] {
			list = append([]any(nil), list...)
			out[s.ensure], copied[s.ensure] = list, true
		}
		list[s.index] = view
	}
	return out
}

// attribute evaluates field m of it again with markers for the unknown
// values of its suppliers, and returns that value (nil when it cannot be
// had): where a marker of supplier k shows, the value is supplied by k.
func (r *flowRun) attribute(it *pending, m *mapping, env map[string]any) any {
	n := it.warnings.len()
	misses, last := r.pl.finds.misses, r.pl.finds.lastMiss
	prev, had := env[envEnsured]
	env[envEnsured] = markedEnsured(it.ensured, it.suppliers)
	v, err := r.pl.ev.run(m.prog, env)
	if had {
		env[envEnsured] = prev
	} else {
		delete(env, envEnsured)
	}
	it.warnings.keep(n)
	r.pl.finds.misses, r.pl.finds.lastMiss = misses, last
	if err != nil {
		return nil
	}
	return v
}

// knownPart is what a plan keeps of a value known only in part: a list or
// object as it is, with its unknown values marked; anything else is
// unknown as a whole.
func knownPart(v any) any {
	switch v.(type) {
	case []any, map[string]any:
		return v
	}
	return plan.Unknown
}

// elemOf and keyOf step into a value beside a walk through another of
// the same shape (the value and its marked evaluation).
func elemOf(v any, i int) any {
	if l, ok := v.([]any); ok && i < len(l) {
		return l[i]
	}
	return nil
}

func keyOf(v any, k string) any {
	if m, ok := v.(map[string]any); ok {
		return m[k]
	}
	return nil
}

// plannedTotals are what a planned create must total (expectedTotals).
// When its customer or articles are records the same apply creates, a
// target that can price a document from records as planned
// (connectors.PlannedVerifier) is given them, so that the totals are known
// at plan although those ids are not.
func plannedTotals(ctx context.Context, target any, fields []plan.FieldChange, x references) *plan.Totals {
	unknown := false
	for _, fc := range fields {
		unknown = unknown || fc.Unknown
	}
	pv, ok := target.(connectors.PlannedVerifier)
	if !ok || (unknown && len(x.suppliers) == 0) {
		return expectedTotals(ctx, target, fields)
	}
	sent := make(map[string]any, len(fields))
	planned := map[string]map[string]any{}
	for _, fc := range fields {
		v := fc.After
		if fc.Unknown {
			if v, ok = x.plannedValue(fc.After, x.marked[fc.Name], planned); !ok {
				return expectedTotals(ctx, target, fields)
			}
		}
		sent[fc.Name] = v
	}
	want, ok, err := pv.ExpectedTotalsPlanned(ctx, sent, planned)
	switch {
	case errors.Is(err, connectors.ErrTotalsUnknown):
		return expectedTotals(ctx, target, fields)
	case err != nil:
		return &plan.Totals{Error: err.Error()}
	case !ok:
		return nil
	}
	t := &plan.Totals{Currency: want.Currency, Net: want.Net, VAT: want.VAT, Gross: want.Gross}
	for _, r := range want.Rows {
		t.Rows = append(t.Rows, plan.RowTotal{Row: r.Row, Amount: r.Amount, VATRate: r.VATRate})
	}
	return t
}

// plannedValue is v with each id known only after apply replaced by a key
// of planned, which holds the supplier's fields as planned; ok is false
// when v holds any other value known only after apply. marked is v as
// attribute evaluated it.
func (x references) plannedValue(v, marked any, planned map[string]map[string]any) (any, bool) {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, el := range v {
			pv, ok := x.plannedValue(el, elemOf(marked, i), planned)
			if !ok {
				return nil, false
			}
			out[i] = pv
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, el := range v {
			pv, ok := x.plannedValue(el, keyOf(marked, k), planned)
			if !ok {
				return nil, false
			}
			out[k] = pv
		}
		return out, true
	case string:
		if !strings.Contains(v, plan.Unknown) {
			return v, true
		}
		k, field, exact, ok := parseMarker(marked)
		if !ok || !exact || (field != "Id" && field != "id") || k >= len(x.suppliers) {
			return nil, false
		}
		key := "planned:" + strconv.Itoa(k)
		if planned[key] == nil {
			fields := map[string]any{}
			for name, fv := range x.suppliers[k].view {
				if !hasUnknown(fv) {
					fields[name] = fv
				}
			}
			planned[key] = fields
		}
		return key, true
	}
	return v, true
}
