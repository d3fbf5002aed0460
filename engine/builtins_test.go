package engine

import (
	"strings"
	"testing"
	"unicode"

	"github.com/expr-lang/expr"
)

func TestBuiltins(t *testing.T) {
	opts := append(builtins(), expr.Env(map[string]any{"nothing": nil}))
	for _, tc := range []struct {
		src  string
		want any
	}{
		{"lower(' Ada@Example.COM ')", " ada@example.com "},
		{"trim(nothing)", nil},
		{"upper(nothing) ?? 'x'", "x"},
		{"round_money(2.675)", 2.68},
		{"round_money(-2.675)", -2.68},
		{"round_money('1 234,555', 2)", 1234.56},
		{"round_money(10, 0)", 10.0},
		{"round_money(1.2345, 3.0)", 1.235},
		{"net_price(125, 25)", 100.0},
		{"gross_price(100, 12)", 112.0},
		{"number('12,5')", 12.5},
		{"number('')", nil},
		{"iso_date('2026-03-01T23:30:00Z')", "2026-03-01"},
		{"iso_date('1767225600000')", "2026-01-01"},
		{"iso_date(1767225600000)", "2026-01-01"},
		{"iso_datetime('2026-03-01 10:00:00')", "2026-03-01T10:00:00Z"},
		{"add_days('2026-02-27', 3)", "2026-03-02"},
		{"country_code('Sverige')", "SE"},
		{"country_code('de')", "DE"},
		{"country_code('United States')", "US"},
		{"is_eu('FI')", true},
		{"is_eu('Norway')", false},
		{"first_name('Anna Maria Berg')", "Anna Maria"},
		{"last_name('Anna Maria Berg')", "Berg"},
		{"first_name('Berg, Anna')", "Anna"},
		{"street_name('Storgatan 12 B')", "Storgatan"},
		{"street_number('Storgatan 12 B')", "12 B"},
		{"street_name('12 Main Street')", "Main Street"},
		{"street_number('Box 123')", "123"},
		{"street_number('Kungsgatan')", ""},
	} {
		t.Run(tc.src, func(t *testing.T) {
			prog, err := expr.Compile(tc.src, opts...)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			got, err := expr.Run(prog, map[string]any{"nothing": nil})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if got != tc.want {
				t.Errorf("%s = %#v; want %#v", tc.src, got, tc.want)
			}
		})
	}
}

func TestBuiltinErrors(t *testing.T) {
	for _, src := range []string{
		"country_code('Atlantis')",
		"round_money('abc')",
		"iso_date('yesterday')",
		"net_price(100, 'x')",
		"round_money(1, 9)",
		"round_money(1, 1.5)",
	} {
		prog, err := expr.Compile(src, builtins()...)
		if err != nil {
			t.Fatalf("compile %s: %v", src, err)
		}
		if _, err := expr.Run(prog, nil); err == nil {
			t.Errorf("%s: no error; want one", src)
		}
	}
}

// The splitting and country functions are written to cut and look up
// without new strings; they must answer as these plain versions do.
func plainSplitName(full string) (first, last string) {
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

func plainSplitStreet(addr string) (street, number string) {
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

func plainCountryCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if up := strings.ToUpper(s); len(up) == 2 && knownCodes[up] {
		return up, true
	}
	code, ok := countryNames[strings.ToLower(s)]
	return code, ok
}

var textCases = []string{
	"", " ", "  ", "Storgatan 12 B", " Storgatan  12 B ", "Storgatan\t12\nB", "12 Main Street", "12, Main Street",
	"Main Street, 12", "Box 123", "Kungsgatan", "Anna Maria Berg", "Berg, Anna", "Berg ,  Anna ", "Ö. Långgatan 3",
	"Gata\u00a04", "Gata\u2003 5", "٣ Arabic digit", "a ٣", "\xff 12", "x \xff", "de", "DE", "Se", "sverige",
	"SVERIGE", " Sweden ", "United States", "united  states", "Österrike", "ö", "Öx", "Atlantis", "uk", "USA.",
	"a very long country name that is longer than thirty-two bytes", "Färöarna", "FÄRÖARNA", "x,", ",", "1", "1 2 3",
}

func TestTextFunctionsMatchPlainVersions(t *testing.T) {
	for _, s := range textCases {
		if f, l := splitName(s); f != firstOf(plainSplitName(s)) || l != secondOf(plainSplitName(s)) {
			f2, l2 := plainSplitName(s)
			t.Errorf("splitName(%q) = %q, %q; want %q, %q", s, f, l, f2, l2)
		}
		st, n := splitStreet(s)
		st2, n2 := plainSplitStreet(s)
		if st != st2 || n != n2 {
			t.Errorf("splitStreet(%q) = %q, %q; want %q, %q", s, st, n, st2, n2)
		}
		c, ok := countryCode(s)
		c2, ok2 := plainCountryCode(s)
		if c != c2 || ok != ok2 {
			t.Errorf("countryCode(%q) = %q, %v; want %q, %v", s, c, ok, c2, ok2)
		}
	}
}

func firstOf(a, _ string) string  { return a }
func secondOf(_, b string) string { return b }

func FuzzTextFunctions(f *testing.F) {
	for _, s := range textCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if st, n := splitStreet(s); st != firstOf(plainSplitStreet(s)) || n != secondOf(plainSplitStreet(s)) {
			t.Errorf("splitStreet(%q) = %q, %q; want %q", s, st, n, firstOf(plainSplitStreet(s))+"|"+secondOf(plainSplitStreet(s)))
		}
		if fi, l := splitName(s); fi != firstOf(plainSplitName(s)) || l != secondOf(plainSplitName(s)) {
			t.Errorf("splitName(%q) = %q, %q", s, fi, l)
		}
		c, ok := countryCode(s)
		c2, ok2 := plainCountryCode(s)
		if c != c2 || ok != ok2 {
			t.Errorf("countryCode(%q) = %q, %v; want %q, %v", s, c, ok, c2, ok2)
		}
	})
}
