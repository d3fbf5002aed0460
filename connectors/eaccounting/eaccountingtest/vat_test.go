package eaccountingtest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestVATPerCustomer books a row of 950.00 (10 x 100.00 less 5 %) of a 25 %
// article for each kind of customer and checks the VAT the fake applies (vat.go) and IncludesVat,
// which the Swagger describes as true when "Show prices excl. VAT for
// private individuals" is not marked and the customer is a private person.
func TestVATPerCustomer(t *testing.T) {
	for i, tc := range []struct {
		name        string
		customer    []any // properties added to customerBody
		oss         bool  // company and article use OSS
		vat         float64
		includesVat bool
	}{
		{"domestic company", []any{"InvoiceCountryCode", "SE"}, false, 237.5, false},
		{"domestic private person", []any{"InvoiceCountryCode", "SE", "IsPrivatePerson", true}, false, 190, true},
		{"EU company with VAT number", []any{"InvoiceCountryCode", "DE", "VatNumber", "DE123456789"}, false, 0, false},
		{"EU company without VAT number", []any{"InvoiceCountryCode", "DE"}, false, 237.5, false},
		{"EU private person", []any{"InvoiceCountryCode", "DE", "IsPrivatePerson", true}, false, 190, true},
		{"EU private person under OSS", []any{"InvoiceCountryCode", "DE", "IsPrivatePerson", true}, true, 151.68, true},
		{"EU company under OSS", []any{"InvoiceCountryCode", "DE", "VatNumber", "DE123456789"}, true, 0, false},
		{"company outside the EU", []any{"InvoiceCountryCode", "NO"}, false, 0, false},
		{"private person outside the EU", []any{"InvoiceCountryCode", "NO", "IsPrivatePerson", true}, false, 0, true},
		{"ForceBookkeepVat outside the EU", []any{"InvoiceCountryCode", "NO", "IsPrivatePerson", true, "ForceBookkeepVat", true}, false, 190, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, a := setup(t, Options{})
			if tc.oss {
				if err := s.Seed(strings.NewReader(`{"companysettings": {"UsesMoss": true}}`)); err != nil {
					t.Fatal(err)
				}
			}
			c := a.must(http.StatusCreated, "POST", "/v2/customers", with(customerBody(fmt.Sprint("V-", i), "Kund"), tc.customer...))
			art := a.must(http.StatusCreated, "POST", "/v2/articles", with(articleBody("V-100", 100), "UsesMoss", tc.oss))
			body := orderBody(c["Id"].(string), art["Id"].(string), "", 2)
			body["Rows"] = asList(body["Rows"])[:1]
			o := a.must(http.StatusCreated, "POST", "/v2/orders", body)
			if o["VatAmount"] != tc.vat || o["IncludesVat"] != tc.includesVat {
				t.Errorf("VatAmount %v, IncludesVat %v; want %v, %v", o["VatAmount"], o["IncludesVat"], tc.vat, tc.includesVat)
			}
		})
	}
}

// An article can use OSS only when the company does.
func TestUsesMossNeedsCompanyOSS(t *testing.T) {
	_, a := setup(t, Options{})
	a.wantError(http.StatusBadRequest, codeValidation, "POST", "/v2/articles", with(articleBody("V-1", 100), "UsesMoss", true))
}
