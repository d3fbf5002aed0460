package connectors

import (
	"fmt"
	"regexp"
	"strings"
)

// Format is the shape a text field's values must have, as the system
// documents and validates it (an e-mail address, a VAT number). Plan
// checks values against it, so that apply is not where a malformed one is
// found.
type Format uint8

const (
	FormatNone      Format = iota
	FormatEmail            // an e-mail address: name@example.com
	FormatVATNumber        // a VAT number: country prefix, then the country's digits (SE556123456701)
)

var formatNames = [...]string{"", "email", "vat-number"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// Check returns what is wrong with s as a value of the format, with how
// to fix it, or "" when nothing is. An empty text (a cleared field) is
// never wrong.
func (f Format) Check(s string) string {
	if s == "" {
		return ""
	}
	switch f {
	case FormatEmail:
		return checkEmail(s)
	case FormatVATNumber:
		return checkVATNumber(s)
	}
	return ""
}

// emailShape is what both APIs' validation accepts (HubSpot's
// INVALID_EMAIL, eAccounting's model validation): one @, no spaces, a dot
// in the domain.
var emailShape = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func checkEmail(s string) string {
	if emailShape.MatchString(s) {
		return ""
	}
	switch {
	case strings.TrimSpace(s) != s:
		return "is not an e-mail address: it has spaces around it (trim it in the flow: trim(x))"
	case strings.ContainsAny(s, " \t\r\n"):
		return "is not an e-mail address: it has spaces in it (an address has none; fix it in the source)"
	case strings.Count(s, "@") == 0:
		return "is not an e-mail address: it has no @ (name@example.com; fix it in the source)"
	case strings.Count(s, "@") > 1:
		return "is not an e-mail address: it has more than one @ (write one address; fix it in the source)"
	}
	return "is not an e-mail address: its domain has no dot (name@example.com; fix it in the source)"
}

// euVATShapes are the shapes of the EU member states' VAT numbers that
// VIES checks (https://ec.europa.eu/taxation_customs/vies/, "VAT number
// validation"), by prefix. eAccounting checks a customer's VatNumber
// against VIES when it is saved (4025 InvalidVatNumber). Greece's prefix
// is EL; XI is Northern Ireland.
var euVATShapes = map[string]struct {
	re   *regexp.Regexp
	want string
}{
	"AT": {regexp.MustCompile(`^ATU\d{8}$`), "ATU and 8 digits"},
	"BE": {regexp.MustCompile(`^BE[01]\d{9}$`), "BE and 10 digits, the first 0 or 1"},
	"BG": {regexp.MustCompile(`^BG\d{9,10}$`), "BG and 9 or 10 digits"},
	"CY": {regexp.MustCompile(`^CY\d{8}[A-Z]$`), "CY, 8 digits and a letter"},
	"CZ": {regexp.MustCompile(`^CZ\d{8,10}$`), "CZ and 8 to 10 digits"},
	"DE": {regexp.MustCompile(`^DE\d{9}$`), "DE and 9 digits"},
	"DK": {regexp.MustCompile(`^DK\d{8}$`), "DK and 8 digits"},
	"EE": {regexp.MustCompile(`^EE\d{9}$`), "EE and 9 digits"},
	"EL": {regexp.MustCompile(`^EL\d{9}$`), "EL and 9 digits"},
	"ES": {regexp.MustCompile(`^ES[0-9A-Z]\d{7}[0-9A-Z]$`), "ES and 9 characters: a digit or letter, 7 digits, a digit or letter"},
	"FI": {regexp.MustCompile(`^FI\d{8}$`), "FI and 8 digits"},
	"FR": {regexp.MustCompile(`^FR[0-9A-HJ-NP-Z]{2}\d{9}$`), "FR, 2 digits or letters and 9 digits"},
	"HR": {regexp.MustCompile(`^HR\d{11}$`), "HR and 11 digits"},
	"HU": {regexp.MustCompile(`^HU\d{8}$`), "HU and 8 digits"},
	"IE": {regexp.MustCompile(`^IE(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$`), "IE and 8 or 9 characters (1234567T, 1234567TA)"},
	"IT": {regexp.MustCompile(`^IT\d{11}$`), "IT and 11 digits"},
	"LT": {regexp.MustCompile(`^LT(\d{9}|\d{12})$`), "LT and 9 or 12 digits"},
	"LU": {regexp.MustCompile(`^LU\d{8}$`), "LU and 8 digits"},
	"LV": {regexp.MustCompile(`^LV\d{11}$`), "LV and 11 digits"},
	"MT": {regexp.MustCompile(`^MT\d{8}$`), "MT and 8 digits"},
	"NL": {regexp.MustCompile(`^NL\d{9}B\d{2}$`), "NL, 9 digits, B and 2 digits (NL123456789B01)"},
	"PL": {regexp.MustCompile(`^PL\d{10}$`), "PL and 10 digits"},
	"PT": {regexp.MustCompile(`^PT\d{9}$`), "PT and 9 digits"},
	"RO": {regexp.MustCompile(`^RO\d{2,10}$`), "RO and 2 to 10 digits"},
	"SE": {regexp.MustCompile(`^SE\d{10}01$`), "SE, the 10-digit organisation number and 01 (SE556123456701)"},
	"SI": {regexp.MustCompile(`^SI\d{8}$`), "SI and 8 digits"},
	"SK": {regexp.MustCompile(`^SK\d{10}$`), "SK and 10 digits"},
	"XI": {regexp.MustCompile(`^XI(\d{9}|\d{12}|GD\d{3}|HA\d{3})$`), "XI and 9 or 12 digits"},
}

// otherVATShape is eAccounting's documented VatNumber format for other
// countries: "2 character country code followed by 8-12 numbers" (letters
// allowed: Norway's 123456789MVA).
var otherVATShape = regexp.MustCompile(`^[A-Z]{2}[0-9A-Z]{8,12}$`)

func checkVATNumber(s string) string {
	const fix = "fix it in the source, or leave the field empty for a customer without one"
	if strings.ContainsAny(s, " .-") {
		return fmt.Sprintf("is not a VAT number as written: VAT numbers have no spaces, dots or dashes (remove them in the flow: replace(x, \" \", \"\"), or %s)", fix)
	}
	u := strings.ToUpper(s)
	if len(u) < 2 || u[0] < 'A' || u[0] > 'Z' || u[1] < 'A' || u[1] > 'Z' {
		return fmt.Sprintf("is not a VAT number: it must start with the two-letter country prefix (SE556123456701; %s)", fix)
	}
	prefix := u[:2]
	if prefix == "GR" {
		return fmt.Sprintf("is not a VAT number: Greek VAT numbers start with EL, not GR (%s)", fix)
	}
	if shape, ok := euVATShapes[prefix]; ok {
		if shape.re.MatchString(u) {
			return ""
		}
		return fmt.Sprintf("is not a VAT number for %s: one is %s (%s)", prefix, shape.want, fix)
	}
	if otherVATShape.MatchString(u) {
		return ""
	}
	return fmt.Sprintf("is not a VAT number: one is a two-letter country code and 8 to 12 digits (%s)", fix)
}
