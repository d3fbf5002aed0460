package eaccountingtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// kind is the JSON type of a field as the API models it.
type kind int

const (
	kString   kind = iota
	kUUID          // string, GUID
	kBool          // non-nullable: omitted means false
	kNumber        // double, non-nullable: omitted means 0
	kInt           // int32, non-nullable: omitted means 0
	kOptInt        // int32?, nullable
	kOptNum        // double?, nullable
	kOptBool       // bool?, nullable
	kDateTime      // date-time; dates are sent as "YYYY-MM-DD" and stored as midnight UTC
	kStrings       // array of strings
	kObject        // nested object, see field.sub
	kArray         // array of objects, see field.sub
)

// field describes one property of an API model: enough to validate a request
// the way the API does (type, max length, required) and to know what PUT
// resets when a client leaves the property out.
type field struct {
	name     string
	kind     kind
	max      int // max string length, 0 = unlimited
	required bool
	readOnly bool
	min, mx  *float64 // numeric bounds
	enum     []int
	sub      *model
}

// model is an API model (CustomerApi, ArticleApi, ...).
type model struct {
	name   string
	fields []*field
	by     map[string]*field
}

// mustModel parses a compact field list, one field a line, and panics on a
// malformed one: the lists are constants of this package, as a regexp
// given to regexp.MustCompile is, so a bad one is a bug the tests hit.
//
//	Name kind[maxlen] [req] [ro] [min=N] [max=N] [enum=0|1|2]
//
// kinds: s string, u uuid, b bool, n number, i int, b? i? n? nullable
// bool, int and number, t date-time, as string array, o:Model object,
// a:Model array of objects (Model looked up in subs).
func mustModel(name, spec string, subs ...*model) *model {
	m := &model{name: name, by: map[string]*field{}}
	for line := range strings.SplitSeq(spec, "\n") {
		parts := strings.Fields(line)
		if len(parts) == 0 {
			continue
		}
		f := &field{name: parts[0]}
		k := parts[1]
		switch {
		case strings.HasPrefix(k, "o:"), strings.HasPrefix(k, "a:"):
			f.kind = kObject
			if k[0] == 'a' {
				f.kind = kArray
			}
			for _, s := range subs {
				if s.name == k[2:] {
					f.sub = s
				}
			}
			if f.sub == nil {
				panic("eaccountingtest: unknown sub model " + k)
			}
		case k == "as":
			f.kind = kStrings
		case k == "i?":
			f.kind = kOptInt
		case k == "n?":
			f.kind = kOptNum
		case k == "b?":
			f.kind = kOptBool
		default:
			f.kind = map[byte]kind{'s': kString, 'u': kUUID, 'b': kBool, 'n': kNumber, 'i': kInt, 't': kDateTime}[k[0]]
			if len(k) > 1 {
				n, err := strconv.Atoi(k[1:])
				if err != nil {
					panic("eaccountingtest: bad field spec " + line)
				}
				f.max = n
			}
		}
		for _, flag := range parts[2:] {
			switch {
			case flag == "req":
				f.required = true
			case flag == "ro":
				f.readOnly = true
			case strings.HasPrefix(flag, "min="):
				v, _ := strconv.ParseFloat(flag[4:], 64)
				f.min = &v
			case strings.HasPrefix(flag, "max="):
				v, _ := strconv.ParseFloat(flag[4:], 64)
				f.mx = &v
			case strings.HasPrefix(flag, "enum="):
				for e := range strings.SplitSeq(flag[5:], "|") {
					n, _ := strconv.Atoi(e)
					f.enum = append(f.enum, n)
				}
			default:
				panic("eaccountingtest: bad field flag " + line)
			}
		}
		m.fields = append(m.fields, f)
		m.by[f.name] = f
	}
	return m
}

// fieldError is one validation message, reported in the error body's Errors.
type fieldError struct {
	Field     string
	ErrorCode string
	Message   string
	Key       any // always null here; the API uses it for translations
}

// decode builds a stored record from a request body the way the API's model
// binder does: read-only and unknown properties are ignored, omitted
// nullable properties stay null (absent), omitted non-nullable ones take
// their zero value. It returns the messages of every broken rule.
func (m *model) decode(body map[string]any, path string) (map[string]any, []fieldError) {
	rec := map[string]any{}
	var errs []fieldError
	for _, f := range m.fields {
		if f.readOnly {
			continue
		}
		name := path + f.name
		v, ok := body[f.name]
		if !ok || v == nil {
			if f.required {
				errs = append(errs, fieldError{Field: name, Message: fmt.Sprintf("The %s field is required.", f.name)})
				continue
			}
			switch f.kind {
			case kBool:
				rec[f.name] = false
			case kNumber, kInt:
				rec[f.name] = float64(0)
			}
			continue
		}
		nv, msg := f.convert(v, name)
		if msg != nil {
			errs = append(errs, msg...)
			continue
		}
		rec[f.name] = nv
	}
	return rec, errs
}

func (f *field) convert(v any, name string) (any, []fieldError) {
	bad := func(format string, a ...any) (any, []fieldError) {
		return nil, []fieldError{{Field: name, Message: fmt.Sprintf(format, a...)}}
	}
	switch f.kind {
	case kString:
		s, ok := v.(string)
		if !ok {
			return bad("Error converting value to type 'System.String'. Path '%s'.", name)
		}
		if f.max > 0 && len([]rune(s)) > f.max {
			return bad("The field %s must be a string with a maximum length of %d.", f.name, f.max)
		}
		return s, nil
	case kUUID:
		s, ok := v.(string)
		if !ok || !isUUID(s) {
			return bad("Error converting value to type 'System.Guid'. Path '%s'.", name)
		}
		return strings.ToLower(s), nil
	case kBool, kOptBool:
		b, ok := v.(bool)
		if !ok {
			return bad("Error converting value to type 'System.Boolean'. Path '%s'.", name)
		}
		return b, nil
	case kNumber, kOptNum, kInt, kOptInt:
		n, ok := v.(float64)
		if !ok {
			return bad("Error converting value to a number. Path '%s'.", name)
		}
		if (f.kind == kInt || f.kind == kOptInt) && n != math.Trunc(n) {
			return bad("Error converting value %v to type 'System.Int32'. Path '%s'.", n, name)
		}
		if f.min != nil && n < *f.min || f.mx != nil && n > *f.mx {
			lo, hi := "-", "-"
			if f.min != nil {
				lo = strconv.FormatFloat(*f.min, 'f', -1, 64)
			}
			if f.mx != nil {
				hi = strconv.FormatFloat(*f.mx, 'f', -1, 64)
			}
			return bad("The field %s must be between %s and %s.", f.name, lo, hi)
		}
		if len(f.enum) > 0 {
			okEnum := false
			for _, e := range f.enum {
				okEnum = okEnum || float64(e) == n
			}
			if !okEnum {
				return bad("The field %s has an invalid value %v.", f.name, n)
			}
		}
		return n, nil
	case kDateTime:
		s, ok := v.(string)
		if !ok {
			return bad("Error converting value to type 'System.DateTime'. Path '%s'.", name)
		}
		t, err := parseDateTime(s)
		if err != nil {
			return bad("Could not convert string to DateTime: %s. Path '%s'.", s, name)
		}
		return formatTime(t), nil
	case kStrings:
		arr, ok := v.([]any)
		if !ok {
			return bad("Expected an array. Path '%s'.", name)
		}
		out := make([]any, 0, len(arr))
		for i, e := range arr {
			s, ok := e.(string)
			if !ok {
				return bad("Error converting value to type 'System.String'. Path '%s[%d]'.", name, i)
			}
			out = append(out, s)
		}
		return out, nil
	case kObject:
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("Expected an object. Path '%s'.", name)
		}
		rec, errs := f.sub.decode(obj, name+".")
		return rec, errs
	case kArray:
		arr, ok := v.([]any)
		if !ok {
			return bad("Expected an array. Path '%s'.", name)
		}
		out := make([]any, 0, len(arr))
		var errs []fieldError
		for i, e := range arr {
			obj, ok := e.(map[string]any)
			if !ok {
				errs = append(errs, fieldError{Field: fmt.Sprintf("%s[%d]", name, i), Message: "Expected an object."})
				continue
			}
			rec, es := f.sub.decode(obj, fmt.Sprintf("%s[%d].", name, i))
			errs = append(errs, es...)
			out = append(out, rec)
		}
		if len(errs) > 0 {
			return nil, errs
		}
		return out, nil
	}
	return v, nil
}

// parseDateTime accepts what the API's JSON binder accepts: RFC 3339, a
// date-time without offset (taken as UTC) and a plain date.
func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date-time %q", s)
}

// formatTime is the one timestamp format of every response: RFC 3339 UTC
// with the fraction kept, so that ChangedUtc and Meta.ServerTimeUtc compare
// exactly in incremental filters.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func formatDate(t time.Time) string {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}

// clone deep-copies a JSON value, so that callers never share maps with the store.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				m[k] = clone(e)
			}
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = clone(e)
		}
		return a
	}
	return v
}

func cloneRec(r map[string]any) map[string]any { return clone(r).(map[string]any) }
