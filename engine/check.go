package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// fieldRules is what the target's schema says about the values of one
// field: its type, options, length and, for objects and rows, the rules of
// their fields. Plan checks every value written against them, so that apply
// fails only for what the remote system alone can know.
type fieldRules struct {
	field *connectors.Field
	// sub are the rules of an object's fields, or of the fields of the
	// objects of a list (rows); nil when the schema does not shape them.
	sub map[string]*fieldRules
	// required are the names of the writable fields of such an object that
	// must have a value.
	required []string
}

// fieldPath is where a value is in a record (Rows[2].Text), spelt out
// only for a message. It is a value, not a chain of pointers, so that
// checking a row costs no allocation; paths deeper than a field, an index
// and a sub-field (rare) are joined into head.
type fieldPath struct {
	head  string
	index int // -1: none
	sub   string
}

func pathOf(name string) fieldPath { return fieldPath{head: name, index: -1} }

// field is the path of a field of the object at p.
func (p fieldPath) field(name string) fieldPath {
	if p.sub == "" {
		p.sub = name
		return p
	}
	return fieldPath{head: p.String() + "." + name, index: -1}
}

// elem is the path of element i of the list at p.
func (p fieldPath) elem(i int) fieldPath {
	if p.index < 0 && p.sub == "" {
		p.index = i
		return p
	}
	return fieldPath{head: p.String(), index: i}
}

func (p fieldPath) String() string {
	s := p.head
	if p.index >= 0 {
		s += "[" + strconv.Itoa(p.index) + "]"
	}
	if p.sub != "" {
		s += "." + p.sub
	}
	return s
}

// valueChecks are the rules of a target's top-level fields, by name.
type valueChecks map[string]*fieldRules

// checksOf compiles the value rules of a target schema once per plan.
func checksOf(s connectors.Schema) valueChecks {
	return rulesOf(s.Fields)
}

func rulesOf(fields []connectors.Field) map[string]*fieldRules {
	if len(fields) == 0 {
		return nil
	}
	out := make(map[string]*fieldRules, len(fields))
	for i := range fields {
		f := &fields[i]
		r := &fieldRules{field: f}
		shape := f
		if f.Type == connectors.TypeList && f.Elem != nil {
			shape = f.Elem
		}
		if shape.Type == connectors.TypeObject {
			r.sub = rulesOf(shape.Fields)
			for _, sf := range shape.Fields {
				if sf.Required && !sf.ReadOnly {
					r.required = append(r.required, sf.Name)
				}
			}
		}
		out[f.Name] = r
	}
	return out
}

// valueError is a value the target's schema refuses; field is the
// top-level field it was written to.
type valueError struct {
	field string
	msg   string
}

func (e *valueError) Error() string { return e.msg }

// check returns the first value of a create or update that the target's
// schema refuses. A create must also give every required field the flow
// maps (after the target's defaults); an unmapped one is a validate error.
func (c valueChecks) check(f *flow, fields []plan.FieldChange, create bool) *valueError {
	if len(c) == 0 {
		return nil
	}
	for i := range fields {
		fc := &fields[i]
		if s, ok := fc.After.(string); fc.Unknown && ok && s == plan.Unknown {
			continue // unknown as a whole; a value known in part is checked but for its unknown values
		}
		r := c[fc.Name]
		if r == nil {
			continue
		}
		if fc.After == nil {
			if r.field.Required {
				return &valueError{fc.Name, fmt.Sprintf("%s is required and the flow gives it no value", fc.Name)}
			}
			continue
		}
		if msg := r.checkValue(pathOf(fc.Name), fc.After); msg != "" {
			return &valueError{fc.Name, msg}
		}
	}
	if create {
		for _, m := range f.fields {
			if !m.field.Required || m.field.ReadOnly || c[m.name] == nil {
				continue
			}
			if !slices.ContainsFunc(fields, func(fc plan.FieldChange) bool { return fc.Name == m.name }) {
				return &valueError{m.name, fmt.Sprintf("%s is required on create and the flow gives it no value for this record", m.name)}
			}
		}
	}
	return nil
}

// checkValue returns what is wrong with v as a value of the field at at,
// or "" when nothing is.
func (r *fieldRules) checkValue(at fieldPath, v any) string {
	f := r.field
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok && strings.Contains(s, plan.Unknown) {
		return "" // checked at apply, once known
	}
	switch f.Type {
	case connectors.TypeString:
		x, ok := v.(string)
		if !ok {
			return fmt.Sprintf("%s is text; the flow gives it %s (convert it in the flow: string(x))", at.String(), kindOf(v))
		}
		if f.MaxLength > 0 {
			if n := utf8.RuneCountInString(x); n > f.MaxLength {
				return fmt.Sprintf("%s may have at most %d characters; %s has %d (shorten it in the source or in the flow)", at.String(), f.MaxLength, shown(f, x), n)
			}
		}
		if problem := f.Format.Check(x); problem != "" {
			return fmt.Sprintf("%s: %s %s", at.String(), shown(f, x), problem)
		}
	case connectors.TypeNumber:
		if _, ok := numberOf(v); !ok {
			return fmt.Sprintf("%s is a number; %s is not one%s", at.String(), shown(f, v), numberHint(v))
		}
	case connectors.TypeInteger:
		n, ok := numberOf(v)
		if !ok || n != math.Trunc(n) {
			return fmt.Sprintf("%s is a whole number; %s is not one%s", at.String(), shown(f, v), numberHint(v))
		}
	case connectors.TypeBool:
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("%s is true or false; the flow gives it %s (convert it in the flow, e.g. x == \"yes\")", at.String(), shown(f, v))
		}
	case connectors.TypeDate, connectors.TypeDateTime:
		if _, ok := v.(time.Time); ok {
			break
		}
		s, ok := v.(string)
		if !ok || !isTime(s, f.Type == connectors.TypeDate) {
			want := "a date (2006-01-02)"
			if f.Type == connectors.TypeDateTime {
				want = "a date and time (RFC 3339, 2006-01-02T15:04:05Z)"
			}
			return fmt.Sprintf("%s is %s; %s is not one", at.String(), want, shown(f, v))
		}
	case connectors.TypeObject:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s is an object; the flow gives it %s", at.String(), kindOf(v))
		}
		return r.checkObject(at, m)
	case connectors.TypeList:
		l, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("%s is a list; the flow gives it %s", at.String(), kindOf(v))
		}
		if f.Elem == nil {
			return ""
		}
		elem := fieldRules{field: f.Elem}
		for i, e := range l {
			p := at.elem(i)
			if m, ok := e.(map[string]any); ok && f.Elem.Type == connectors.TypeObject {
				if msg := r.checkObject(p, m); msg != "" {
					return msg
				}
				continue
			}
			if msg := elem.checkValue(p, e); msg != "" {
				return msg
			}
		}
		return ""
	}
	if len(f.Options) > 0 {
		if msg := checkOption(at, f, v); msg != "" {
			return msg
		}
	}
	return ""
}

// checkObject checks the fields of an object (or row) against the rules of
// r's sub-fields.
func (r *fieldRules) checkObject(at fieldPath, m map[string]any) string {
	if r.sub == nil {
		return ""
	}
	for _, name := range r.required {
		if v, ok := m[name]; !ok || v == nil {
			return fmt.Sprintf("%s is required and the flow gives it no value", at.field(name))
		}
	}
	for k, v := range m {
		if sr := r.sub[k]; sr != nil {
			if msg := sr.checkValue(at.field(k), v); msg != "" {
				return msg
			}
		}
	}
	return ""
}

// checkOption checks an enumeration value. HubSpot's multiple checkboxes
// hold several options separated by semicolons; "" clears the field.
func checkOption(at fieldPath, f *connectors.Field, v any) string {
	s, ok := optionString(v)
	if !ok || s == "" {
		return ""
	}
	for part := range strings.SplitSeq(s, ";") {
		if slices.Contains(f.Options, part) {
			continue
		}
		msg := fmt.Sprintf("%s must be one of %s; %s is not", at.String(), quoteOptions(f.Options), shown(f, part))
		if _, err := strconv.ParseFloat(part, 64); err == nil {
			return msg // a code such as 4: no spelling to suggest
		}
		if sug := connectors.Suggest(part, f.Options); sug != "" {
			msg += fmt.Sprintf(". Did you mean %q?", sug)
		}
		return msg
	}
	return ""
}

func optionString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case json.Number:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func quoteOptions(options []string) string {
	const most = 10
	q := make([]string, 0, min(len(options), most))
	for i, o := range options {
		if i == most {
			break
		}
		q = append(q, strconv.Quote(o))
	}
	s := strings.Join(q, ", ")
	if len(options) > most {
		s += fmt.Sprintf(" (and %d more: kopla schema lists them)", len(options)-most)
	}
	return s
}

// numberHint tells how to turn a text into the number a field needs.
func numberHint(v any) string {
	if s, ok := v.(string); ok {
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return " but text (convert it in the flow: number(x))"
		}
	}
	return ""
}

// numberOf is v as a number: the Go types values of numbers have. A text,
// even "12.5", is not one: the APIs refuse it in a number field.
func numberOf(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	case json.Number:
		n, err := x.Float64()
		return n, err == nil
	}
	return 0, false
}

// isTime reports whether s is a date (dateOnly) or a date and time in a
// form connectors send: a date is also accepted with a time of day.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly}

func isTime(s string, dateOnly bool) bool {
	layouts := timeLayouts
	if !dateOnly {
		layouts = layouts[:2]
	}
	for _, layout := range layouts {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

// shown is a value as a diagnostic quotes it: never a sensitive one, and
// long texts cut.
func shown(f *connectors.Field, v any) string {
	if f.Sensitive {
		return "the value (sensitive, not shown)"
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Sprintf("%v (%s)", v, kindOf(v))
	}
	if utf8.RuneCountInString(s) > 60 {
		r := []rune(s)
		s = string(r[:57]) + "..."
	}
	return strconv.Quote(s)
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case bool:
		return "a bool"
	case float64, float32, int, int64, int32, json.Number:
		return "a number"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("a %T", v)
}
