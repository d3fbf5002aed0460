package eaccountingtest

import "strings"

// The VAT of a sales row, as eAccounting applies Swedish VAT rules to a
// company in CountryCode (SE) from the customer card and the article:
//
//   - domestic customers, companies and private persons: the rate of the
//     article's account coding;
//   - EU companies with a VatNumber (validated against VIES when the
//     customer is saved, 4025): reverse charge, no VAT;
//   - EU companies without a VatNumber: the coding's rate (a sale to a
//     buyer who cannot be shown to be a taxable person carries VAT);
//   - EU private persons: the coding's rate, or, when the company and the
//     article use OSS (CompanySettings.UsesMoss, Article.UsesMoss), the
//     destination country's standard rate (ossStandardRates);
//   - customers outside the EU, companies and private persons: export, no
//     VAT, unless the customer has ForceBookkeepVat.
//
// Whether unit prices include the VAT is separate (IncludesVat: private
// persons, unless the company shows their prices excluding VAT).

// vatRule is how a customer's sales rows are taxed.
type vatRule uint8

const (
	vatCoding vatRule = iota // the article coding's rate
	vatNone                  // reverse charge or export
	vatOSS                   // destination rate for OSS articles, the coding's for others
)

func (s *Server) vatRuleOf(customer map[string]any) (vatRule, string) {
	st := s.data
	country := strings.ToUpper(strings.TrimSpace(str(customer["InvoiceCountryCode"])))
	home, _ := st.company["CountryCode"].(string)
	if country == "" || strings.EqualFold(country, home) {
		return vatCoding, country
	}
	c, _ := st.c("countries").get(country)
	private := customer["IsPrivatePerson"] == true
	switch {
	case c["IsEuMember"] != true:
		if customer["ForceBookkeepVat"] == true {
			return vatCoding, country
		}
		return vatNone, country
	case private && st.company["UsesMoss"] == true:
		return vatOSS, country
	case private:
		return vatCoding, country
	case strings.TrimSpace(str(customer["VatNumber"])) != "":
		return vatNone, country
	}
	return vatCoding, country
}

// rowRate is the VAT rate (a fraction) of a row of article art.
func (ctx salesCtx) rowRate(art, coding map[string]any) float64 {
	rate := num(coding["VatRatePercent"])
	switch ctx.rule {
	case vatNone:
		return 0
	case vatOSS:
		if art["UsesMoss"] == true {
			if r, ok := ossStandardRates[ctx.country]; ok && rate > 0 {
				return r
			}
		}
	}
	return rate
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// ossStandardRates are the EU member states' standard VAT rates
// on 1 January 2025, which eAccounting applies to OSS sales to private
// persons in them.
var ossStandardRates = map[string]float64{
	"AT": 0.20, "BE": 0.21, "BG": 0.20, "CY": 0.19, "CZ": 0.21, "DE": 0.19, "DK": 0.25, "EE": 0.22, "ES": 0.21,
	"FI": 0.255, "FR": 0.20, "GR": 0.24, "HR": 0.25, "HU": 0.27, "IE": 0.23, "IT": 0.22, "LT": 0.21, "LU": 0.17,
	"LV": 0.21, "MT": 0.18, "NL": 0.21, "PL": 0.23, "PT": 0.23, "RO": 0.19, "SE": 0.25, "SI": 0.22, "SK": 0.23,
}
