package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
)

// createDefaults are the values a flow's creates take from the target's
// field defaults (connectors.Field.Default) where the flow writes none: the
// top-level fields, and the fields of the rows of lists of objects.
type createDefaults struct {
	fields []connectors.Field
	rows   map[string][]connectors.Field // by list field name
}

// defaultsOf returns the create defaults of a target schema; nil when it
// has none.
func defaultsOf(s connectors.Schema) *createDefaults {
	var d createDefaults
	for _, f := range s.Fields {
		if f.ReadOnly {
			continue
		}
		if f.Default != nil {
			d.fields = append(d.fields, f)
		}
		if f.Type == connectors.TypeList && f.Elem != nil && f.Elem.Type == connectors.TypeObject {
			for _, ef := range f.Elem.Fields {
				if ef.Default != nil && !ef.ReadOnly {
					if d.rows == nil {
						d.rows = map[string][]connectors.Field{}
					}
					d.rows[f.Name] = append(d.rows[f.Name], ef)
				}
			}
		}
	}
	if len(d.fields) == 0 && len(d.rows) == 0 {
		return nil
	}
	return &d
}

// count is how many field changes the defaults may add to a create.
func (d *createDefaults) count() int {
	if d == nil {
		return 0
	}
	return len(d.fields)
}

// defaultValue is a field's default for the fields written with it.
func defaultValue(f connectors.Field, fields map[string]any) any {
	if fn, ok := f.Default.(connectors.DefaultFunc); ok {
		return fn(fields)
	}
	return f.Default
}

// appendTo completes the field changes of a create: a default for each
// field the flow writes no value to (marked Default), and the defaults of
// the rows of lists (named in Defaults), known in part too. A field known
// only after apply as a whole gets its defaults then (fill).
func (d *createDefaults) appendTo(changes []plan.FieldChange) []plan.FieldChange {
	if d == nil {
		return changes
	}
	n := len(changes)
	for i := range n {
		fc := &changes[i]
		if rowFields := d.rows[fc.Name]; rowFields != nil {
			fc.After, fc.Defaults = fillRows(fc.After, rowFields)
		}
	}
	var written map[string]any // for DefaultFuncs, made when needed
	for _, f := range d.fields {
		if slices.ContainsFunc(changes[:n], func(fc plan.FieldChange) bool { return fc.Name == f.Name }) {
			continue
		}
		if _, ok := f.Default.(connectors.DefaultFunc); ok && written == nil {
			written = make(map[string]any, n)
			for _, fc := range changes[:n] {
				written[fc.Name] = fc.After
			}
		}
		if v := defaultValue(f, written); v != nil {
			changes = append(changes, plan.FieldChange{Name: f.Name, After: v, Default: true, Sensitive: f.Sensitive})
		}
	}
	return changes
}

// fill gives the fields to create, as evaluated at apply, their defaults.
func (d *createDefaults) fill(fields map[string]any) {
	if d == nil {
		return
	}
	for name, rowFields := range d.rows {
		if v, ok := fields[name]; ok {
			fields[name], _ = fillRows(v, rowFields)
		}
	}
	for _, f := range d.fields {
		if fields[f.Name] == nil {
			if v := defaultValue(f, fields); v != nil {
				fields[f.Name] = v
			}
		}
	}
}

// fillRows returns the rows of a list with the defaults of the fields they
// lack, and the names of the fields that took one. Rows are copied, never
// changed: the evaluated value may be shared.
func fillRows(v any, rowFields []connectors.Field) (any, []string) {
	list, ok := v.([]any)
	if !ok {
		return v, nil
	}
	var out []any
	var used map[string]bool
	for i, el := range list {
		row, ok := el.(map[string]any)
		if !ok {
			continue
		}
		var filled map[string]any
		for _, f := range rowFields {
			if row[f.Name] != nil {
				continue
			}
			dv := defaultValue(f, row)
			if dv == nil {
				continue
			}
			if filled == nil {
				filled = maps.Clone(row)
				if filled == nil {
					filled = map[string]any{}
				}
			}
			filled[f.Name] = dv
			if used == nil {
				used = map[string]bool{}
			}
			used[f.Name] = true
		}
		if filled == nil {
			continue
		}
		if out == nil {
			out = slices.Clone(list)
		}
		out[i] = filled
	}
	if out == nil {
		return v, nil
	}
	return out, slices.Sorted(maps.Keys(used))
}

// requiredFieldsDiagnostics reports a flow that can create records (mode
// upsert or create) and leaves a required target field without a value:
// neither mapped in fields or create_only nor given a default by the
// connector. The target system would refuse every create.
func requiredFieldsDiagnostics(f *flow) hcl.Diagnostics {
	if f.mode == dsl.ModeUpdate || f.target == nil {
		return nil
	}
	missing := missingRequiredFields(f)
	if len(missing) == 0 {
		return nil
	}
	example := missing[0] + " = \"...\""
	return hcl.Diagnostics{{
		Severity: hcl.DiagError,
		Summary:  "Missing required fields",
		Detail: fmt.Sprintf("The flow %s can create %s records but sets no value for %s %s, which %s requires on create. Map %s in the flow's fields or create_only block (%s), or set mode = \"update\" if the flow never creates records.",
			f.name, f.target.ref, pluralWord(len(missing), "the field", "the fields"), andList(missing), f.target.ref, pluralWord(len(missing), "it", "them"), example),
		Subject: f.decl.Target.Range.Ptr(),
	}}
}

// missingRequiredFields lists the required fields of a flow's target that
// have no default and that the flow maps neither in fields nor create_only.
func missingRequiredFields(f *flow) []string {
	mapped := map[string]bool{}
	for _, m := range f.decl.Fields {
		mapped[m.Field] = true
	}
	for _, m := range f.decl.CreateOnly {
		mapped[m.Field] = true
	}
	var missing []string
	for _, fl := range f.target.schema.Fields {
		if fl.Required && !fl.ReadOnly && fl.Default == nil && !mapped[fl.Name] {
			missing = append(missing, fl.Name)
		}
	}
	return missing
}

func andList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
