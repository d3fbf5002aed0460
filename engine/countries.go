package engine

import (
	"strings"
	"unicode/utf8"
)

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
	if len(s) == 2 {
		if c0, c1 := s[0], s[1]; c0 < utf8.RuneSelf && c1 < utf8.RuneSelf {
			up := [2]byte{upperASCII(c0), upperASCII(c1)}
			if code, ok := codeValues[string(up[:])]; ok {
				return code.(string), true
			}
		} else if up := strings.ToUpper(s); knownCodes[up] {
			return up, true
		}
	}
	// Names are looked up in lower case; plain ASCII names are lowered on
	// the stack, not in a new string.
	var buf [32]byte
	if len(s) <= len(buf) {
		lower := buf[:len(s)]
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= utf8.RuneSelf {
				lower = nil
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
		if lower != nil {
			code, ok := countryNames[string(lower)]
			return code, ok
		}
	}
	code, ok := countryNames[strings.ToLower(s)]
	return code, ok
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// codeValues holds each country code as an expression value, so that
// country_code returns it without making a new one for every record.
var codeValues = func() map[string]any {
	m := map[string]any{}
	for c := range knownCodes {
		m[c] = c
	}
	return m
}()
