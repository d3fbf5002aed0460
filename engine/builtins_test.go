package engine

import (
	"testing"

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
