package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
)

// builtin is one of kopla's domain functions, in its one- and two-argument
// forms (either may be nil). The forms take their arguments as they are
// (not as a slice), so that the evaluator can call them without allocating
// (see fastFuncs).
type builtin struct {
	name  string
	one   func(any) (any, error)
	two   func(any, any) (any, error)
	types []any // signatures, for expr's checks
}

// builtins are kopla's domain functions: money, dates, countries, names and
// addresses, and nil-tolerant versions of expr's string functions (source
// data is full of missing values; lower(nil) is nil, not a crash).
func builtins() []expr.Option {
	var opts []expr.Option
	for _, b := range builtinFuncs() {
		opts = append(opts, expr.Function(b.name, b.call, b.types...))
	}
	return opts
}

// call is the form expr calls, with the arguments in a slice.
func (b builtin) call(p ...any) (any, error) {
	if len(p) == 1 {
		return b.one(p[0])
	}
	return b.two(p[0], p[1])
}

func builtinFuncs() []builtin {
	str := func(name string, fn func(string) string) builtin {
		return builtin{name: name, one: func(v any) (any, error) {
			if v == nil {
				return nil, nil
			}
			s, ok := v.(string)
			if !ok {
				s = stringOf(v)
			}
			out := fn(s)
			if ok && out == s {
				return v, nil // unchanged: no new value to box
			}
			return out, nil
		}, types: []any{new(func(any) any)}}
	}
	return []builtin{
		str("lower", strings.ToLower),
		str("upper", strings.ToUpper),
		str("trim", strings.TrimSpace),
		str("first_name", func(s string) string { first, _ := splitName(s); return first }),
		str("last_name", func(s string) string { _, last := splitName(s); return last }),
		str("street_name", func(s string) string { street, _ := splitStreet(s); return street }),
		str("street_number", func(s string) string { _, num := splitStreet(s); return num }),
		{name: "number", one: toNumber, types: []any{new(func(any) any)}},
		{name: "round_money", one: func(v any) (any, error) { return roundMoney(v, nil, false) },
			two:   func(v, d any) (any, error) { return roundMoney(v, d, true) },
			types: []any{new(func(any) float64), new(func(any, any) float64)}},
		{name: "net_price", two: func(a, b any) (any, error) {
			gross, rate, err := twoNumbers("net_price", a, b)
			if err != nil {
				return nil, err
			}
			return round(gross/(1+rate/100), 2), nil
		}, types: []any{new(func(any, any) float64)}},
		{name: "gross_price", two: func(a, b any) (any, error) {
			net, rate, err := twoNumbers("gross_price", a, b)
			if err != nil {
				return nil, err
			}
			return round(net*(1+rate/100), 2), nil
		}, types: []any{new(func(any, any) float64)}},
		{name: "iso_date", one: func(v any) (any, error) {
			t, err := toTime(v)
			if err != nil || t.IsZero() {
				return nil, err
			}
			return t.Format(time.DateOnly), nil
		}, types: []any{new(func(any) any)}},
		{name: "iso_datetime", one: func(v any) (any, error) {
			t, err := toTime(v)
			if err != nil || t.IsZero() {
				return nil, err
			}
			return t.UTC().Format(time.RFC3339), nil
		}, types: []any{new(func(any) any)}},
		{name: "add_days", two: func(v, days any) (any, error) {
			t, err := toTime(v)
			if err != nil || t.IsZero() {
				return nil, err
			}
			n, err := toNumber(days)
			if err != nil || n == nil {
				return nil, fmt.Errorf("add_days: the number of days must be a number, got %v", days)
			}
			return t.AddDate(0, 0, int(n.(float64))).Format(time.DateOnly), nil
		}, types: []any{new(func(any, any) any)}},
		{name: "country_code", one: func(v any) (any, error) {
			if v == nil || v == "" {
				return nil, nil
			}
			code, ok := countryCode(stringOf(v))
			if !ok {
				return nil, fmt.Errorf("country_code: unknown country %q (give an ISO 3166 code or an English or Swedish name)", v)
			}
			return codeValues[code], nil
		}, types: []any{new(func(any) any)}},
		{name: "is_eu", one: func(v any) (any, error) {
			code, ok := countryCode(stringOf(v))
			return ok && euCountries[code], nil
		}, types: []any{new(func(any) bool)}},
	}
}

// roundMoney rounds to decimals (2 unless given) places.
func roundMoney(v, d any, withDecimals bool) (any, error) {
	n, err := toNumber(v)
	if err != nil {
		return nil, fmt.Errorf("round_money: %w", err)
	}
	if n == nil {
		return 0.0, nil
	}
	decimals := 2
	if withDecimals {
		dn, err := toNumber(d)
		df, _ := dn.(float64)
		if err != nil || dn == nil || df != math.Trunc(df) || df < 0 || df > 6 {
			return nil, fmt.Errorf("round_money: decimals must be a whole number from 0 to 6, got %v", d)
		}
		decimals = int(df)
	}
	return round(n.(float64), decimals), nil
}

// round rounds half away from zero, as invoices do.
func round(x float64, decimals int) float64 {
	pow := math.Pow10(decimals)
	// Nudge by a tiny epsilon so that 2.675 (stored as 2.67499999...) rounds up.
	return math.Round(x*pow+math.Copysign(1e-9, x)) / pow
}

func twoNumbers(fn string, a, b any) (float64, float64, error) {
	x, err := toNumber(a)
	if err != nil || x == nil {
		return 0, 0, fmt.Errorf("%s: the price must be a number, got %v", fn, a)
	}
	y, err := toNumber(b)
	if err != nil || y == nil {
		return 0, 0, fmt.Errorf("%s: the VAT rate must be a number (percent), got %v", fn, b)
	}
	return x.(float64), y.(float64), nil
}

// toNumber reads numbers from numbers and from strings as people write them
// ("1 234,50", "12.5"); nil and "" are nil.
func toNumber(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case bool:
		return nil, fmt.Errorf("%v is not a number", v)
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return nil, nil
		}
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\u00a0' || r == '_' {
				return -1
			}
			return r
		}, s)
		if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
			s = strings.Replace(s, ",", ".", 1)
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return f, nil
	}
	return nil, fmt.Errorf("%v is not a number", v)
}

// toTime reads dates and times: RFC 3339, plain dates, "2006-01-02 15:04:05",
// and Unix milliseconds (HubSpot) as numbers or digit strings.
func toTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return v, nil
	case float64:
		return time.UnixMilli(int64(v)).UTC(), nil
	case int64:
		return time.UnixMilli(v).UTC(), nil
	case int:
		return time.UnixMilli(int64(v)).UTC(), nil
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return time.Time{}, nil
		}
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 10 {
			return time.UnixMilli(ms).UTC(), nil
		}
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly, time.DateTime, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a date (use YYYY-MM-DD or RFC 3339)", v)
	}
	return time.Time{}, fmt.Errorf("%v is not a date", v)
}

// splitName splits a person's full name into first and last name:
// "Anna Maria Berg" -> "Anna Maria", "Berg"; "Berg, Anna" -> "Anna", "Berg".
func splitName(full string) (first, last string) {
	full = singleSpaced(full)
	if before, after, ok := strings.Cut(full, ","); ok {
		return strings.TrimSpace(after), strings.TrimSpace(before)
	}
	i := strings.LastIndexByte(full, ' ')
	if i < 0 {
		return full, ""
	}
	return full[:i], full[i+1:]
}

// splitStreet splits a street address into street name and house number:
// "Storgatan 12 B" -> "Storgatan", "12 B"; "12 Main Street" -> "Main Street", "12".
// The parts are cut from the address, without copying.
func splitStreet(addr string) (street, number string) {
	addr = singleSpaced(addr)
	first := strings.IndexByte(addr, ' ')
	if first < 0 {
		return addr, ""
	}
	if startsWithDigit(addr) {
		return addr[first+1:], strings.TrimSuffix(addr[:first], ",")
	}
	for sp := first; sp >= 0; {
		rest := addr[sp+1:]
		if startsWithDigit(rest) {
			return strings.TrimSuffix(addr[:sp], ","), rest
		}
		next := strings.IndexByte(rest, ' ')
		if next < 0 {
			break
		}
		sp += 1 + next
	}
	return addr, ""
}

func startsWithDigit(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsDigit(r)
}

// singleSpaced is strings.Join(strings.Fields(s), " "): the words of s
// with one space between them. Text mostly is so already, and is then
// returned as it is.
func singleSpaced(s string) string {
	space := true // before the first word, as after a space
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf:
			return strings.Join(strings.Fields(s), " ") // Unicode spaces
		case c == ' ':
			if space {
				return strings.Join(strings.Fields(s), " ")
			}
			space = true
		case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			return strings.Join(strings.Fields(s), " ")
		default:
			space = false
		}
	}
	if space && len(s) > 0 {
		return strings.Join(strings.Fields(s), " ") // a space at the end
	}
	return s
}
