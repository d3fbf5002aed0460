package eaccountingtest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPaging(t *testing.T) {
	s, a := setup(t, Options{})
	var seed strings.Builder
	seed.WriteString(`{"customers": [`)
	for i := range 120 {
		if i > 0 {
			seed.WriteString(",")
		}
		fmt.Fprintf(&seed, `{"CustomerNumber": "%04d", "Name": "Kund %d", "InvoiceCity": "Stad", "InvoicePostalCode": "11122", "IsActive": true, "IsPrivatePerson": false, "TermsOfPaymentId": %q}`, i, i, DemoTermsOfPayment30)
	}
	seed.WriteString("]}")
	if err := s.Seed(strings.NewReader(seed.String())); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query                         string
		page, size, pages, n, firstNo int
	}{
		{"", 1, 50, 3, 50, 0},
		{"?$page=2", 2, 50, 3, 50, 50},
		{"?$page=3", 3, 50, 3, 20, 100},
		{"?$page=4", 4, 50, 3, 0, -1},
		{"?$pagesize=1000", 1, 1000, 1, 120, 0},
		{"?$pagesize=7&$page=18", 18, 7, 18, 1, 119},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			a := a.on(t)
			m := a.must(http.StatusOK, "GET", "/v2/customers"+tt.query, nil)
			meta := m["Meta"].(map[string]any)
			want := map[string]any{"CurrentPage": float64(tt.page), "PageSize": float64(tt.size),
				"TotalNumberOfPages": float64(tt.pages), "TotalNumberOfResults": float64(120)}
			got := map[string]any{}
			for k := range want {
				got[k] = meta[k]
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("Meta mismatch (-want +got):\n%s", d)
			}
			if _, err := time.Parse(time.RFC3339, meta["ServerTimeUtc"].(string)); err != nil {
				t.Errorf("ServerTimeUtc = %v: %v", meta["ServerTimeUtc"], err)
			}
			data := asList(m["Data"])
			if len(data) != tt.n {
				t.Fatalf("len(Data) = %d; want %d", len(data), tt.n)
			}
			if tt.n > 0 && data[0].(map[string]any)["CustomerNumber"] != fmt.Sprintf("%04d", tt.firstNo) {
				t.Errorf("first record = %v; want number %04d", data[0].(map[string]any)["CustomerNumber"], tt.firstNo)
			}
		})
	}
	for _, q := range []string{"?$pagesize=1001", "?$pagesize=0", "?$page=0", "?$page=x"} {
		t.Run(q, func(t *testing.T) { a.on(t).wantError(http.StatusBadRequest, 6000, "GET", "/v2/customers"+q, nil) })
	}
	// $select leaves out required properties, which the Swagger (which does
	// not know $select) would flag: bypass the contract proxy.
	m := a.bypass().must(http.StatusOK, "GET", "/v2/customers?$select=Id,CustomerNumber&$pagesize=1", nil)
	if rec := asList(m["Data"])[0].(map[string]any); len(rec) != 2 {
		t.Errorf("$select=Id,CustomerNumber gave %v", rec)
	}
}

// filterFixture is a small customer set covering every property type a
// filter touches.
const filterFixture = `{"customers": [
 {"Id": "00000000-0000-0000-0000-00000000000a", "CustomerNumber": "100", "Name": "Alfa AB", "InvoiceCity": "Stockholm", "InvoicePostalCode": "11122", "IsActive": true, "IsPrivatePerson": false, "TermsOfPaymentId": "56926999-e553-5d10-b3eb-da527f26eab0", "DiscountPercentage": 0.1, "ChangedUtc": "2026-01-10T08:00:00Z", "EmailAddress": "a@example.com"},
 {"Id": "00000000-0000-0000-0000-00000000000b", "CustomerNumber": "200", "Name": "Beta's Bageri", "InvoiceCity": "Göteborg", "InvoicePostalCode": "41101", "IsActive": false, "IsPrivatePerson": false, "TermsOfPaymentId": "56926999-e553-5d10-b3eb-da527f26eab0", "DiscountPercentage": 0, "ChangedUtc": "2026-02-15T12:30:00Z"},
 {"Id": "00000000-0000-0000-0000-00000000000c", "CustomerNumber": "300", "Name": "Gamma Bakery", "InvoiceCity": "Malmö", "InvoicePostalCode": "21115", "IsActive": true, "IsPrivatePerson": true, "TermsOfPaymentId": "56926999-e553-5d10-b3eb-da527f26eab0", "DiscountPercentage": 0.25, "ChangedUtc": "2026-03-01T00:00:00Z", "EmailAddress": "c@example.org"}
]}`

func TestFilter(t *testing.T) {
	s, a := setup(t, Options{})
	if err := s.Seed(strings.NewReader(filterFixture)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		filter string
		want   []string // CustomerNumbers
	}{
		{"CustomerNumber eq '200'", []string{"200"}},
		{"customernumber eq '200'", nil}, // property names are case-sensitive: see the error test below
		{"CustomerNumber ne '200'", []string{"100", "300"}},
		{"DiscountPercentage gt 0.1", []string{"300"}},
		{"DiscountPercentage ge 0.1", []string{"100", "300"}},
		{"DiscountPercentage lt 0.1", []string{"200"}},
		{"DiscountPercentage le 0.1", []string{"100", "200"}},
		{"IsActive eq true", []string{"100", "300"}},
		{"IsActive eq false and IsPrivatePerson eq false", []string{"200"}},
		{"IsPrivatePerson eq true or CustomerNumber eq '100'", []string{"100", "300"}},
		{"not (IsActive eq true)", []string{"200"}},
		{"(CustomerNumber eq '100' or CustomerNumber eq '200') and IsActive eq true", []string{"100"}},
		{"startswith(Name,'Al')", []string{"100"}},
		{"startswith(Name, 'al')", []string{"100"}},
		{"endswith(Name,'Bakery')", []string{"300"}},
		{"contains(Name,'bak')", []string{"300"}},
		{"contains(Name,'bageri') or contains(Name,'Bakery')", []string{"200", "300"}},
		{"Name eq 'Beta''s Bageri'", []string{"200"}},
		{"length(Name) gt 12", []string{"200"}},
		{"tolower(InvoiceCity) eq 'malmö'", []string{"300"}},
		{"EmailAddress eq null", []string{"200"}},
		{"EmailAddress ne null", []string{"100", "300"}},
		{"ChangedUtc gt 2026-02-01T00:00:00Z", []string{"200", "300"}},
		{"ChangedUtc ge 2026-03-01T00:00:00Z", []string{"300"}},
		{"ChangedUtc lt 2026-02-15T12:30:00.001Z", []string{"100", "200"}},
		{"ChangedUtc le 2026-01-10T09:00:00+01:00", []string{"100"}},
		{"ChangedUtc gt datetime'2026-02-01T00:00:00'", []string{"200", "300"}},
		{"ChangedUtc gt 2026-02-01", []string{"200", "300"}},
		{"year(ChangedUtc) eq 2026 and month(ChangedUtc) eq 2", []string{"200"}},
		{"Id eq 00000000-0000-0000-0000-00000000000B", []string{"200"}},
		{"Id eq guid'00000000-0000-0000-0000-00000000000c'", []string{"300"}},
		{"Id eq '00000000-0000-0000-0000-00000000000a'", []string{"100"}},
		{"TermsOfPaymentId eq 56926999-e553-5d10-b3eb-da527f26eab0 and DiscountPercentage eq 0", []string{"200"}},
	}
	for _, tt := range tests {
		if tt.want == nil {
			continue
		}
		t.Run(tt.filter, func(t *testing.T) {
			a := a.on(t)
			m := a.must(http.StatusOK, "GET", "/v2/customers?$filter="+url.QueryEscape(tt.filter), nil)
			var got []string
			for _, r := range asList(m["Data"]) {
				got = append(got, r.(map[string]any)["CustomerNumber"].(string))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("filter %q (-want +got):\n%s", tt.filter, d)
			}
			if meta := m["Meta"].(map[string]any); meta["TotalNumberOfResults"] != float64(len(tt.want)) {
				t.Errorf("TotalNumberOfResults = %v; want %d", meta["TotalNumberOfResults"], len(tt.want))
			}
		})
	}

	bad := []struct{ filter, wantMsg string }{
		{"Nope eq 1", "Could not find a property named 'Nope' on type 'CustomerApi'"},
		{"customernumber eq '200'", "Could not find a property named 'customernumber'"},
		{"CustomerNumber eq", "operand was expected"},
		{"CustomerNumber eq 'x", "unterminated string"},
		{"CustomerNumber", "boolean"},
		{"ChangedUtc gt '2026-01-01T00:00:00Z'", "incompatible types"},
		{"DiscountPercentage eq 'x'", "incompatible types"},
		{"(IsActive eq true", "')' expected"},
		{"IsActive eq true and", "operand was expected"},
		{"bogus(Name)", "unknown function"},
		{"CustomerLabels eq 1", "cannot be used in $filter"},
		{"IsActive eq true xor IsActive eq false", "Syntax error"},
		{"Name eq @", "not valid"},
	}
	for _, tt := range bad {
		t.Run("error "+tt.filter, func(t *testing.T) {
			a := a.on(t)
			m := a.wantError(http.StatusBadRequest, 6000, "GET", "/v2/customers?$filter="+url.QueryEscape(tt.filter), nil)
			if msg := m["DeveloperErrorMessage"].(string); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message = %q; want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestOrderBy(t *testing.T) {
	s, a := setup(t, Options{})
	if err := s.Seed(strings.NewReader(filterFixture)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		orderby string
		want    []string
	}{
		{"Name", []string{"100", "200", "300"}},
		{"Name desc", []string{"300", "200", "100"}},
		{"IsActive, DiscountPercentage desc", []string{"200", "300", "100"}},
		{"EmailAddress asc", []string{"200", "100", "300"}},
		{"ChangedUtc desc", []string{"300", "200", "100"}},
	}
	for _, tt := range tests {
		t.Run(tt.orderby, func(t *testing.T) {
			a := a.on(t)
			m := a.must(http.StatusOK, "GET", "/v2/customers?$orderby="+url.QueryEscape(tt.orderby), nil)
			var got []string
			for _, r := range asList(m["Data"]) {
				got = append(got, r.(map[string]any)["CustomerNumber"].(string))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("$orderby=%s gave %v; want %v", tt.orderby, got, tt.want)
			}
		})
	}
	a.wantError(http.StatusBadRequest, 6000, "GET", "/v2/customers?$orderby=Nope", nil)
	a.wantError(http.StatusBadRequest, 6000, "GET", "/v2/customers?$orderby="+url.QueryEscape("Name sideways"), nil)
}

func TestLongURL(t *testing.T) {
	_, a := setup(t, Options{})
	var parts []string
	for i := range 200 {
		parts = append(parts, fmt.Sprintf("CustomerNumber eq '%05d'", i))
	}
	status, raw := a.doRaw("GET", "/v2/customers?$filter="+url.QueryEscape(strings.Join(parts, " or ")), nil)
	if status != http.StatusRequestURITooLong {
		t.Errorf("long URL = %d %s; want 414", status, raw)
	}
	// Just under the limit is fine.
	q := "/v2/customers?$filter=" + url.QueryEscape("Name eq '"+strings.Repeat("x", 1900)+"'")
	if len(q) > 2048 {
		t.Fatalf("test URL too long: %d", len(q))
	}
	a.must(http.StatusOK, "GET", q, nil)
}
