package connectors

import (
	"strings"
	"testing"
)

// TestFormatCheck: the shapes of e-mail addresses and VAT numbers, per
// country prefix as VIES checks them.
func TestFormatCheck(t *testing.T) {
	tests := []struct {
		format Format
		value  string
		want   string // "" = valid; else a part of the problem
	}{
		{FormatEmail, "anna@example.com", ""},
		{FormatEmail, "anna.svensson+shop@mail.example.co.uk", ""},
		{FormatEmail, "", ""},
		{FormatEmail, "anna", "has no @"},
		{FormatEmail, "anna@example", "domain has no dot"},
		{FormatEmail, " anna@example.com", "trim(x)"},
		{FormatEmail, "anna@ex ample.com", "spaces in it"},
		{FormatEmail, "anna@b@example.com", "more than one @"},
		{FormatVATNumber, "SE556123456701", ""},
		{FormatVATNumber, "se556123456701", ""},
		{FormatVATNumber, "DE123456789", ""},
		{FormatVATNumber, "ATU12345678", ""},
		{FormatVATNumber, "NL123456789B01", ""},
		{FormatVATNumber, "FR0A123456789", ""},
		{FormatVATNumber, "IE1234567TA", ""},
		{FormatVATNumber, "ESX1234567X", ""},
		{FormatVATNumber, "EL123456789", ""},
		{FormatVATNumber, "NO123456789MVA", ""},
		{FormatVATNumber, "SE556123456799", "not a VAT number for SE"},
		{FormatVATNumber, "DE12345678", "DE and 9 digits"},
		{FormatVATNumber, "AT12345678", "ATU and 8 digits"},
		{FormatVATNumber, "NL123456789", "NL123456789B01"},
		{FormatVATNumber, "GR123456789", "start with EL"},
		{FormatVATNumber, "123456789", "two-letter country prefix"},
		{FormatVATNumber, "SE 556123-4567 01", "no spaces, dots or dashes"},
		{FormatVATNumber, "NO123", "8 to 12 digits"},
	}
	for _, tt := range tests {
		got := tt.format.Check(tt.value)
		switch {
		case tt.want == "" && got != "":
			t.Errorf("%s %q: %s; want valid", tt.format, tt.value, got)
		case tt.want != "" && !strings.Contains(got, tt.want):
			t.Errorf("%s %q: %q; want it to say %q", tt.format, tt.value, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	known := []string{"30 dagar netto", "Kortbetalning", "10 dagar netto", "Kontant", "Förskott", "30 dagar netto"}
	got := Closest("30 dagar neto", known, 3)
	want := []string{"30 dagar netto", "10 dagar netto", "Kontant"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Closest = %q; want %q", got, want)
	}
	if got := Closest("x", []string{"x"}, 3); len(got) != 0 {
		t.Errorf("Closest of the value itself = %q; want none", got)
	}
}
