package eaccountingtest

import (
	"maps"
	"net/http"
	"strings"
	"testing"
)

func with(base map[string]any, kv ...any) map[string]any {
	m := maps.Clone(base)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestCustomerCreate(t *testing.T) {
	_, a := setup(t, Options{})
	c := a.must(http.StatusCreated, "POST", "/v2/customers", with(customerBody("K-1", "Exempel AB"),
		"EmailAddress", "faktura@example.com", "VatNumber", "SE559999000101", "InvoiceCountryCode", "SE",
		"CustomerLabels", []any{map[string]any{"Name": "HubSpot"}}))
	if !isUUID(c["Id"].(string)) || c["ChangedUtc"] == nil || c["CurrencyCode"] != "SEK" {
		t.Errorf("created customer lacks server fields: %v", c)
	}
	if tp, _ := c["TermsOfPayment"].(map[string]any); tp["NumberOfDays"] != float64(30) {
		t.Errorf("TermsOfPayment = %v; want the expanded 30-day terms", c["TermsOfPayment"])
	}
	if l := asList(c["CustomerLabels"]); len(l) != 1 || l[0].(map[string]any)["Id"] == nil {
		t.Errorf("CustomerLabels = %v; want the HubSpot label with its Id", c["CustomerLabels"])
	}
	got := a.must(http.StatusOK, "GET", "/v2/customers/"+c["Id"].(string), nil)
	if got["EmailAddress"] != "faktura@example.com" || got["CustomerNumber"] != "K-1" {
		t.Errorf("GET customer = %v", got)
	}

	auto := a.must(http.StatusCreated, "POST", "/v2/customers", customerBody("", "Utan Nummer AB"))
	if auto["CustomerNumber"] != "1001" {
		t.Errorf("generated CustomerNumber = %v; want 1001 (the company's next number)", auto["CustomerNumber"])
	}

	tests := []struct {
		name         string
		body         map[string]any
		status, code int
		field        string
	}{
		{"missing name", with(customerBody("K-2", "x"), "Name", nil), 400, 2000, "Name"},
		{"missing terms", with(customerBody("K-2", "x"), "TermsOfPaymentId", nil), 400, 2000, "TermsOfPaymentId"},
		{"missing IsPrivatePerson", with(customerBody("K-2", "x"), "IsPrivatePerson", nil), 400, 2000, "IsPrivatePerson"},
		{"name too long", with(customerBody("K-2", strings.Repeat("x", 51))), 400, 2000, "Name"},
		{"postal code too long", with(customerBody("K-2", "x"), "InvoicePostalCode", "12345678901"), 400, 2000, "InvoicePostalCode"},
		{"number too long", customerBody(strings.Repeat("9", 17), "x"), 400, 2000, "CustomerNumber"},
		{"wrong type", with(customerBody("K-2", "x"), "IsActive", "yes"), 400, 2000, "IsActive"},
		{"bad guid", with(customerBody("K-2", "x"), "TermsOfPaymentId", "30"), 400, 2000, "TermsOfPaymentId"},
		{"unknown terms", with(customerBody("K-2", "x"), "TermsOfPaymentId", "00000000-0000-0000-0000-000000000001"), 400, 3000, "TermsOfPaymentId"},
		{"vat number format", with(customerBody("K-2", "x"), "VatNumber", "SE12"), 400, 4025, "VatNumber"},
		{"reverse charge needs vat number", with(customerBody("K-2", "x"), "ReverseChargeOnConstructionServices", true), 400, 2000, "VatNumber"},
		{"unknown country", with(customerBody("K-2", "x"), "InvoiceCountryCode", "XX"), 400, 2000, "InvoiceCountryCode"},
		{"unknown currency", with(customerBody("K-2", "x"), "CurrencyCode", "XXX"), 400, 2000, "CurrencyCode"},
		{"unknown label", with(customerBody("K-2", "x"), "CustomerLabels", []any{map[string]any{"Name": "Nope"}}), 400, 3000, "CustomerLabels[0]"},
		{"bad email", with(customerBody("K-2", "x"), "EmailAddress", "faktura at example.com"), 400, 2000, "EmailAddress"},
		{"bad cc email", with(customerBody("K-2", "x"), "EmailAddress", "a@example.com", "EmailAddresses", []any{"b@example"}), 400, 2000, "EmailAddresses[0]"},
		{"cc without main email", with(customerBody("K-2", "x"), "EmailAddresses", []any{"b@example.com"}), 400, 2000, "EmailAddresses"},
		{"discount above 1", with(customerBody("K-2", "x"), "DiscountPercentage", 1.5), 400, 2000, "DiscountPercentage"},
		{"duplicate number", customerBody("K-1", "Kopia AB"), 409, 4000, "CustomerNumber"},
		{"duplicate number other case", customerBody("k-1", "Kopia AB"), 409, 4000, "CustomerNumber"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.on(t)
			m := a.wantError(tt.status, tt.code, "POST", "/v2/customers", tt.body)
			errs := asList(m["Errors"])
			if len(errs) == 0 || errs[0].(map[string]any)["Field"] != tt.field {
				t.Errorf("Errors = %v; want the first about %s", m["Errors"], tt.field)
			}
		})
	}
}

func TestCustomerReplaceNullsOmittedFields(t *testing.T) {
	_, a := setup(t, Options{})
	c := a.must(http.StatusCreated, "POST", "/v2/customers", with(customerBody("K-7", "Fullständig AB"),
		"EmailAddress", "info@example.org", "Telephone", "08-000 00 01", "InvoiceAddress1", "Exempelvägen 2",
		"Note", "Viktig kund", "DiscountPercentage", 0.05, "ForceBookkeepVat", true))
	id := c["Id"].(string)

	// A PUT with only the required properties wipes the others.
	put := a.must(http.StatusOK, "PUT", "/v2/customers/"+id, customerBody("K-7", "Fullständig AB"))
	for _, k := range []string{"EmailAddress", "Telephone", "InvoiceAddress1", "Note"} {
		if v, ok := put[k]; ok {
			t.Errorf("after a partial PUT %s = %v; want null", k, v)
		}
	}
	if put["DiscountPercentage"] != float64(0) || put["ForceBookkeepVat"] != false {
		t.Errorf("non-nullable properties after partial PUT: DiscountPercentage=%v ForceBookkeepVat=%v; want 0 and false",
			put["DiscountPercentage"], put["ForceBookkeepVat"])
	}
	got := a.must(http.StatusOK, "GET", "/v2/customers/"+id, nil)
	if _, ok := got["EmailAddress"]; ok {
		t.Errorf("GET after partial PUT still has EmailAddress %v", got["EmailAddress"])
	}
	if got["ChangedUtc"] == c["ChangedUtc"] && got["ChangedUtc"] == nil {
		t.Errorf("ChangedUtc missing after PUT")
	}

	// A PUT with only Id and Name is refused: the required fields are missing.
	a.wantError(http.StatusBadRequest, 2000, "PUT", "/v2/customers/"+id, map[string]any{"Id": id, "Name": "Bara Namn"})

	// Without CustomerNumber the number is kept.
	kept := a.must(http.StatusOK, "PUT", "/v2/customers/"+id, customerBody("", "Fullständig AB"))
	if kept["CustomerNumber"] != "K-7" {
		t.Errorf("CustomerNumber after PUT without it = %v; want K-7", kept["CustomerNumber"])
	}
	// Taking another customer's number is a conflict.
	a.must(http.StatusCreated, "POST", "/v2/customers", customerBody("K-8", "Annan AB"))
	a.wantError(http.StatusConflict, 4000, "PUT", "/v2/customers/"+id, customerBody("K-8", "Fullständig AB"))

	a.wantError(http.StatusNotFound, 3000, "PUT", "/v2/customers/00000000-0000-0000-0000-000000000002", customerBody("K-9", "x"))
	a.wantError(http.StatusNotFound, 3000, "GET", "/v2/customers/00000000-0000-0000-0000-000000000002", nil)
}

func TestCustomerDelete(t *testing.T) {
	s, a := setup(t, Options{})
	c := a.must(http.StatusCreated, "POST", "/v2/customers", customerBody("D-1", "Tas Bort AB"))
	a.must(http.StatusOK, "DELETE", "/v2/customers/"+c["Id"].(string), nil)
	a.wantError(http.StatusNotFound, 3000, "GET", "/v2/customers/"+c["Id"].(string), nil)

	// A customer with an invoice cannot be deleted.
	c = a.must(http.StatusCreated, "POST", "/v2/customers", customerBody("D-2", "Har Faktura AB"))
	art := a.must(http.StatusCreated, "POST", "/v2/articles", articleBody("A-1", 100))
	d := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts", draftBody(c["Id"].(string), art["Id"].(string), 1))
	a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts/"+d["Id"].(string)+"/convert", map[string]any{})
	a.wantError(http.StatusBadRequest, 4001, "DELETE", "/v2/customers/"+c["Id"].(string), nil)
	if n := s.Requests("DELETE /v2/customers/{customerId}"); n != 2 {
		t.Errorf("Requests(DELETE customer) = %d; want 2", n)
	}
}

func TestArticles(t *testing.T) {
	_, a := setup(t, Options{})
	tests := []struct {
		name             string
		body             map[string]any
		wantNet, wantGro float64
	}{
		{"net only", articleBody("P-1", 100), 100, 125},
		{"gross only", with(articleBody("P-2", 0), "NetPrice", nil, "GrossPrice", 125.0), 100, 125},
		{"both consistent", with(articleBody("P-3", 80), "GrossPrice", 100.0), 80, 100},
		{"12 percent", with(articleBody("P-4", 10), "CodingId", DemoCodingGoods12), 10, 11.2},
		{"exempt", with(articleBody("P-5", 99.5), "CodingId", DemoCodingExempt), 99.5, 99.5},
		{"rounding", articleBody("P-6", 9.99), 9.99, 12.49},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.on(t)
			m := a.must(http.StatusCreated, "POST", "/v2/articles", tt.body)
			if m["NetPrice"] != tt.wantNet || m["GrossPrice"] != tt.wantGro {
				t.Errorf("prices = %v / %v; want %v / %v", m["NetPrice"], m["GrossPrice"], tt.wantNet, tt.wantGro)
			}
			if m["CodingName"] == nil || m["UnitName"] != "Styck" || m["IsServiceArticle"] != false || m["SendToWebshop"] != true {
				t.Errorf("derived properties = %v", m)
			}
		})
	}

	errs := []struct {
		name         string
		body         map[string]any
		status, code int
	}{
		{"inconsistent prices", with(articleBody("E-1", 100), "GrossPrice", 130.0), 400, 2000},
		{"unknown coding", with(articleBody("E-2", 1), "CodingId", "00000000-0000-0000-0000-000000000003"), 400, 3000},
		{"unknown unit", with(articleBody("E-3", 1), "UnitId", "00000000-0000-0000-0000-000000000004"), 400, 3000},
		{"missing number", with(articleBody("E-4", 1), "Number", nil), 400, 2000},
		{"negative price", articleBody("E-5", -1), 400, 2000},
		{"number too long", articleBody(strings.Repeat("N", 41), 1), 400, 2000},
		{"duplicate number", articleBody("P-1", 5), 409, 4000},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			a := a.on(t)
			a.wantError(tt.status, tt.code, "POST", "/v2/articles", tt.body)
		})
	}

	t.Run("replace", func(t *testing.T) {
		a := a.on(t)
		m := a.must(http.StatusCreated, "POST", "/v2/articles", with(articleBody("R-1", 50), "NameEnglish", "Widget", "UnitId", DemoUnitHour))
		id := m["Id"].(string)
		put := a.must(http.StatusOK, "PUT", "/v2/articles/"+id, with(articleBody("R-1", 60), "CodingId", DemoCodingServices25))
		if _, ok := put["NameEnglish"]; ok {
			t.Errorf("NameEnglish after PUT without it = %v; want null", put["NameEnglish"])
		}
		if put["GrossPrice"] != 75.0 || put["IsServiceArticle"] != true || put["CreatedUtc"] != m["CreatedUtc"] {
			t.Errorf("after PUT = %v", put)
		}
		a.wantError(http.StatusNotFound, 3000, "GET", "/v2/articles/00000000-0000-0000-0000-000000000005", nil)
	})
}
