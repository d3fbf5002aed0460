package engine

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/expr-lang/expr"
)

// builtins are kopla's domain functions: money, dates, countries, names and
// addresses, and nil-tolerant versions of expr's string functions (source
// data is full of missing values; lower(nil) is nil, not a crash).
func builtins() []expr.Option {
	str := func(name string, fn func(string) string) expr.Option {
		return expr.Function(name, func(p ...any) (any, error) {
			if p[0] == nil {
				return nil, nil
			}
			s, ok := p[0].(string)
			if !ok {
				s = stringOf(p[0])
			}
			return fn(s), nil
		}, new(func(any) any))
	}
	return []expr.Option{
		str("lower", strings.ToLower),
		str("upper", strings.ToUpper),
		str("trim", strings.TrimSpace),
		str("first_name", func(s string) string { first, _ := splitName(s); return first }),
		str("last_name", func(s string) string { _, last := splitName(s); return last }),
		str("street_name", func(s string) string { street, _ := splitStreet(s); return street }),
		str("street_number", func(s string) string { _, num := splitStreet(s); return num }),
		expr.Function("number", func(p ...any) (any, error) { return toNumber(p[0]) }, new(func(any) any)),
		expr.Function("round_money", roundMoney, new(func(any) float64), new(func(any, any) float64)),
		expr.Function("net_price", func(p ...any) (any, error) {
			gross, rate, err := twoNumbers("net_price", p[0], p[1])
			if err != nil {
				return nil, err
			}
			return round(gross/(1+rate/100), 2), nil
		}, new(func(any, any) float64)),
		expr.Function("gross_price", func(p ...any) (any, error) {
			net, rate, err := twoNumbers("gross_price", p[0], p[1])
			if err != nil {
				return nil, err
			}
			return round(net*(1+rate/100), 2), nil
		}, new(func(any, any) float64)),
		expr.Function("iso_date", func(p ...any) (any, error) {
			t, err := toTime(p[0])
			if err != nil || t.IsZero() {
				return nil, err
			}
			return t.Format(time.DateOnly), nil
		}, new(func(any) any)),
		expr.Function("iso_datetime", func(p ...any) (any, error) {
			t, err := toTime(p[0])
			if err != nil || t.IsZero() {
				return nil, err
			}
			return t.UTC().Format(time.RFC3339), nil
		}, new(func(any) any)),
		expr.Function("add_days", func(p ...any) (any, error) {
			t, err := toTime(p[0])
			if err != nil || t.IsZero() {
				return nil, err
			}
			n, err := toNumber(p[1])
			if err != nil || n == nil {
				return nil, fmt.Errorf("add_days: the number of days must be a number, got %v", p[1])
			}
			return t.AddDate(0, 0, int(n.(float64))).Format(time.DateOnly), nil
		}, new(func(any, any) any)),
		expr.Function("country_code", func(p ...any) (any, error) {
			if p[0] == nil || p[0] == "" {
				return nil, nil
			}
			code, ok := countryCode(stringOf(p[0]))
			if !ok {
				return nil, fmt.Errorf("country_code: unknown country %q (give an ISO 3166 code or an English or Swedish name)", p[0])
			}
			return code, nil
		}, new(func(any) any)),
		expr.Function("is_eu", func(p ...any) (any, error) {
			code, ok := countryCode(stringOf(p[0]))
			return ok && euCountries[code], nil
		}, new(func(any) bool)),
	}
}

func roundMoney(p ...any) (any, error) {
	n, err := toNumber(p[0])
	if err != nil {
		return nil, fmt.Errorf("round_money: %w", err)
	}
	if n == nil {
		return 0.0, nil
	}
	decimals := 2
	if len(p) > 1 {
		d, err := toNumber(p[1])
		df, _ := d.(float64)
		if err != nil || d == nil || df != math.Trunc(df) || df < 0 || df > 6 {
			return nil, fmt.Errorf("round_money: decimals must be a whole number from 0 to 6, got %v", p[1])
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
	full = strings.Join(strings.Fields(full), " ")
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
func splitStreet(addr string) (street, number string) {
	words := strings.Fields(addr)
	if len(words) < 2 {
		return strings.Join(words, " "), ""
	}
	startsWithDigit := func(w string) bool { return unicode.IsDigit([]rune(w)[0]) }
	if startsWithDigit(words[0]) {
		return strings.Join(words[1:], " "), strings.TrimSuffix(words[0], ",")
	}
	for i := 1; i < len(words); i++ {
		if startsWithDigit(words[i]) {
			return strings.TrimSuffix(strings.Join(words[:i], " "), ","), strings.Join(words[i:], " ")
		}
	}
	return strings.Join(words, " "), ""
}
