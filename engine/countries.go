package engine

import "strings"

// euCountries are the EU member states by ISO 3166-1 alpha-2 code (VAT
// treatment: domestic, EU, outside the EU).
var euCountries = map[string]bool{
	"AT": true, "BE": true, "BG": true, "HR": true, "CY": true, "CZ": true, "DK": true,
	"EE": true, "FI": true, "FR": true, "DE": true, "GR": true, "HU": true, "IE": true,
	"IT": true, "LV": true, "LT": true, "LU": true, "MT": true, "NL": true, "PL": true,
	"PT": true, "RO": true, "SK": true, "SI": true, "ES": true, "SE": true,
}

// countryNames maps lower-case English and Swedish names to codes.
var countryNames = map[string]string{
	"austria": "AT", "österrike": "AT", "belgium": "BE", "belgien": "BE", "bulgaria": "BG", "bulgarien": "BG",
	"croatia": "HR", "kroatien": "HR", "cyprus": "CY", "cypern": "CY", "czech republic": "CZ", "czechia": "CZ",
	"tjeckien": "CZ", "denmark": "DK", "danmark": "DK", "estonia": "EE", "estland": "EE", "finland": "FI",
	"france": "FR", "frankrike": "FR", "germany": "DE", "tyskland": "DE", "greece": "GR", "grekland": "GR",
	"hungary": "HU", "ungern": "HU", "ireland": "IE", "irland": "IE", "italy": "IT", "italien": "IT",
	"latvia": "LV", "lettland": "LV", "lithuania": "LT", "litauen": "LT", "luxembourg": "LU", "luxemburg": "LU",
	"malta": "MT", "netherlands": "NL", "the netherlands": "NL", "nederländerna": "NL", "holland": "NL",
	"poland": "PL", "polen": "PL", "portugal": "PT", "romania": "RO", "rumänien": "RO", "slovakia": "SK",
	"slovakien": "SK", "slovenia": "SI", "slovenien": "SI", "spain": "ES", "spanien": "ES", "sweden": "SE",
	"sverige": "SE", "norway": "NO", "norge": "NO", "iceland": "IS", "island": "IS", "switzerland": "CH",
	"schweiz": "CH", "united kingdom": "GB", "great britain": "GB", "uk": "GB", "storbritannien": "GB",
	"england": "GB", "united states": "US", "united states of america": "US", "usa": "US", "usa.": "US",
	"canada": "CA", "kanada": "CA", "australia": "AU", "australien": "AU", "japan": "JP", "china": "CN",
	"kina": "CN", "india": "IN", "indien": "IN", "brazil": "BR", "brasilien": "BR", "mexico": "MX",
	"mexiko": "MX", "new zealand": "NZ", "nya zeeland": "NZ", "south africa": "ZA", "sydafrika": "ZA",
	"turkey": "TR", "turkiet": "TR", "ukraine": "UA", "ukraina": "UA", "liechtenstein": "LI",
	"faroe islands": "FO", "färöarna": "FO", "greenland": "GL", "grönland": "GL", "åland": "AX",
	"singapore": "SG", "south korea": "KR", "sydkorea": "KR", "israel": "IL", "united arab emirates": "AE",
	"förenade arabemiraten": "AE", "serbia": "RS", "serbien": "RS", "bosnia and herzegovina": "BA",
	"north macedonia": "MK", "albania": "AL", "albanien": "AL", "montenegro": "ME", "moldova": "MD",
	"belarus": "BY", "russia": "RU", "ryssland": "RU", "andorra": "AD", "monaco": "MC", "san marino": "SM",
}

// knownCodes are the codes countryCode accepts as they are.
var knownCodes = func() map[string]bool {
	codes := map[string]bool{}
	for c := range euCountries {
		codes[c] = true
	}
	for _, c := range countryNames {
		codes[c] = true
	}
	return codes
}()

// countryCode returns the ISO 3166-1 alpha-2 code of a code or a name.
func countryCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if up := strings.ToUpper(s); len(up) == 2 && knownCodes[up] {
		return up, true
	}
	code, ok := countryNames[strings.ToLower(s)]
	return code, ok
}
