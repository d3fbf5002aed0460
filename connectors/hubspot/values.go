package hubspot

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// ValueError is a value refused before it was sent: it names the field, so
// the engine can place the problem in the flow file.
type ValueError struct {
	Field   string
	Value   any
	Message string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("hubspot: field %s: %s", e.Field, e.Message)
}

func itoa(n int) string { return strconv.Itoa(n) }

// fromHubSpot converts a property value as HubSpot sends it (always a string,
// or null) to the record value of the field's type. A value that does not
// parse is kept as the string HubSpot sent, so nothing is lost.
func fromHubSpot(f connectors.Field, raw *string) any {
	if raw == nil || *raw == "" {
		return nil
	}
	s := *raw
	switch f.Type {
	case connectors.TypeNumber:
		if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
			return v
		}
	case connectors.TypeInteger:
		if v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return v
		}
	case connectors.TypeBool:
		if v, err := strconv.ParseBool(strings.TrimSpace(s)); err == nil {
			return v
		}
	case connectors.TypeDate:
		if t, ok := parseTime(s); ok {
			return t.UTC().Format(time.DateOnly)
		}
	case connectors.TypeDateTime:
		if t, ok := parseTime(s); ok {
			return t.UTC().Format(time.RFC3339Nano)
		}
	}
	return s
}

// parseTime reads the time layouts HubSpot uses across API generations:
// RFC 3339 with or without fraction, a bare date, or epoch milliseconds.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms), true
	}
	return time.Time{}, false
}

// toHubSpot formats a record value as the string HubSpot expects for the
// field: numbers without exponent or separators, booleans "true"/"false",
// dates YYYY-MM-DD, date-times epoch milliseconds, nil "" (clears the
// property). Enumeration values are checked against the known options.
func toHubSpot(f connectors.Field, v any) (string, error) {
	if v == nil {
		return "", nil
	}
	bad := func(format string, args ...any) (string, error) {
		return "", &ValueError{Field: f.Name, Value: v, Message: fmt.Sprintf(format, args...)}
	}
	var s string
	switch f.Type {
	case connectors.TypeNumber, connectors.TypeInteger:
		switch n := v.(type) {
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return bad("%v is not a number HubSpot can store", n)
			}
			s = strconv.FormatFloat(n, 'f', -1, 64)
		case float32:
			s = strconv.FormatFloat(float64(n), 'f', -1, 32)
		case int64:
			s = strconv.FormatInt(n, 10)
		case int:
			s = strconv.Itoa(n)
		case string:
			t := strings.TrimSpace(n)
			if t == "" {
				return "", nil
			}
			if _, err := strconv.ParseFloat(t, 64); err != nil {
				return bad("%q is not a number (use digits and one decimal point, no thousands separators)", n)
			}
			s = t
		default:
			return bad("a %T cannot be written to a number property", v)
		}
	case connectors.TypeBool:
		switch b := v.(type) {
		case bool:
			s = strconv.FormatBool(b)
		case string:
			p, err := strconv.ParseBool(strings.TrimSpace(b))
			if err != nil {
				return bad("%q is not true or false", b)
			}
			s = strconv.FormatBool(p)
		default:
			return bad("a %T cannot be written to a bool property", v)
		}
	case connectors.TypeDate:
		str, ok := v.(string)
		if !ok {
			return bad("a date must be a string YYYY-MM-DD, not a %T", v)
		}
		t, ok := parseTime(str)
		if !ok {
			return bad("%q is not a date (want YYYY-MM-DD)", str)
		}
		t = t.UTC()
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
			return bad("%q is not midnight UTC; HubSpot date properties hold a day only", str)
		}
		s = t.Format(time.DateOnly)
	case connectors.TypeDateTime:
		switch tv := v.(type) {
		case string:
			t, ok := parseTime(tv)
			if !ok {
				return bad("%q is not an RFC 3339 date-time", tv)
			}
			s = strconv.FormatInt(t.UnixMilli(), 10)
		case time.Time:
			s = strconv.FormatInt(tv.UnixMilli(), 10)
		default:
			return bad("a date-time must be an RFC 3339 string, not a %T", v)
		}
	default:
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case int64:
			s = strconv.FormatInt(x, 10)
		case int:
			s = strconv.Itoa(x)
		case bool:
			s = strconv.FormatBool(x)
		default:
			return bad("a %T cannot be written to a text property", v)
		}
	}
	if len(f.Options) > 0 && s != "" {
		// Multiple checkboxes take ";"-separated values; a leading ";"
		// appends to the current ones.
		for _, part := range strings.Split(strings.TrimPrefix(s, ";"), ";") {
			if !slices.Contains(f.Options, part) {
				return bad("%q is not one of the allowed options: %s", part, strings.Join(f.Options, ", "))
			}
		}
	}
	return s, nil
}
