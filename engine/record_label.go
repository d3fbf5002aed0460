package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr/types"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// maxLabel bounds a label: it names a record on one line.
const maxLabel = 80

// compileLabel compiles the flow's label expression, if it has one.
func (p *Project) compileLabel(f *flow, env types.Map) hcl.Diagnostics {
	if f.decl.Label == nil {
		return nil
	}
	f.label = &program{expr: f.decl.Label}
	return p.compile(f.label, env, f)
}

// labelChange names the change's source record for people: the flow's
// label expression, else the source connector's label template. The label
// is sensitive when it shows the value of a sensitive source field. A
// label expression that fails is a warning on the record, not an error:
// labels never change what is written.
func (r *flowRun) labelChange(ch *plan.Change, it *pending) {
	schema := r.f.source.schema
	if r.f.label == nil {
		var used []string
		ch.Label, used = connectors.FormatLabel(schema.Label, it.rec.Fields)
		for _, name := range used {
			if fl, ok := schema.Field(name); ok && fl.Sensitive {
				ch.LabelSensitive = true
			}
		}
		ch.LabelSensitive = ch.LabelSensitive || showsSensitiveTarget(ch.Label, ch.Fields, r.f.target.schema)
		return
	}
	v, err := r.pl.ev.run(r.f.label, r.envOf(it))
	if err != nil {
		if !errors.Is(err, errNeedFetch) {
			ch.Warnings = append(ch.Warnings, fmt.Sprintf("label: %v", err))
		}
		return
	}
	switch v := v.(type) {
	case nil:
	case string:
		ch.Label = v
	default:
		ch.Label = fmt.Sprint(v)
	}
	ch.Label = strings.Join(strings.Fields(ch.Label), " ")
	if len([]rune(ch.Label)) > maxLabel {
		ch.Label = string([]rune(ch.Label)[:maxLabel-1]) + "…"
	}
	ch.LabelSensitive = showsSensitive(ch.Label, schema, it.rec.Fields) || showsSensitiveTarget(ch.Label, ch.Fields, r.f.target.schema)
}

// showsSensitiveTarget reports whether a label holds a value the change
// writes to a sensitive target field (an order reference that is personal
// data in the target): the plan hides that value, so the label must not
// show it.
func showsSensitiveTarget(label string, fields []plan.FieldChange, target connectors.Schema) bool {
	if label == "" {
		return false
	}
	values := map[string]any{}
	for _, fc := range fields {
		if fl, ok := target.Field(fc.Name); fc.Sensitive || (ok && fl.Sensitive) {
			values[fc.Name] = fc.After
		}
	}
	if len(values) == 0 {
		return false
	}
	var sensitive []connectors.Field
	for name := range values {
		sensitive = append(sensitive, connectors.Field{Name: name, Sensitive: true})
	}
	return showsSensitive(label, connectors.Schema{Fields: sensitive}, values)
}

// showsSensitive reports whether a label holds the value of one of the
// record's sensitive fields: an expression's label is judged by what it
// shows, as what it reads is not known.
func showsSensitive(label string, schema connectors.Schema, fields map[string]any) bool {
	if label == "" {
		return false
	}
	if schema.Open {
		return true // the fields are not known: assume the worst
	}
	lower := strings.ToLower(label)
	for _, fl := range schema.Fields {
		if !fl.Sensitive {
			continue
		}
		s := strings.ToLower(strings.TrimSpace(stringOf(fields[fl.Name])))
		if len(s) >= 2 && strings.Contains(lower, s) {
			return true
		}
		if local, _, ok := strings.Cut(s, "@"); ok && len(local) >= 2 && strings.Contains(lower, local+"@") {
			return true
		}
	}
	return false
}

// labelFields are the fields of a schema's label template that the schema
// has, for the reads that fetch only the fields used.
func labelFields(s connectors.Schema) []string {
	var names []string
	for rest := s.Label; ; {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			return names
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return names
		}
		name, _, _ := strings.Cut(rest[open+1:open+end], ":")
		if _, ok := s.Field(name); ok {
			names = append(names, name)
		}
		rest = rest[open+end+1:]
	}
}
