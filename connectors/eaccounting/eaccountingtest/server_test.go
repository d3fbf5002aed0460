package eaccountingtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, a := setup(t, Options{Clock: clock.now, RateLimit: 3, RateWindow: 10 * time.Second})
	for i := range 3 {
		a.must(http.StatusOK, "GET", "/v2/customers", nil)
		clock.advance(time.Second)
		_ = i
	}
	m := a.wantError(http.StatusTooManyRequests, 4010, "GET", "/v2/customers", nil)
	// The first request leaves the window 10 s after it was made, 7 s from now.
	if msg := m["DeveloperErrorMessage"]; msg != "API calls quota exceeded! maximum admitted 3 per 10s. Try again in 7 seconds." {
		t.Errorf("429 message = %q", msg)
	}
	// The limit is per endpoint: another endpoint and a by-id route still answer.
	a.must(http.StatusOK, "GET", "/v2/articles", nil)
	a.must(http.StatusOK, "GET", "/v2/termsofpayments/"+DemoTermsOfPayment30, nil)
	clock.advance(7 * time.Second)
	a.must(http.StatusOK, "GET", "/v2/customers", nil)
	if n := s.Requests("GET /v2/customers"); n != 5 {
		t.Errorf("Requests(GET /v2/customers) = %d; want 5 (refused requests count)", n)
	}

}

func TestRateLimitDefault(t *testing.T) {
	// The default limit is the real one, 600 per minute.
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s2, a2 := setup(t, Options{Clock: clock.now})
	for range 600 {
		if status, _ := a2.do("GET", "/v2/units", nil); status != http.StatusOK {
			t.Fatalf("request within 600/min refused with %d", status)
		}
	}
	m := a2.wantError(http.StatusTooManyRequests, 4010, "GET", "/v2/units", nil)
	if !regexp.MustCompile(`^API calls quota exceeded! maximum admitted 600 per Minute\. Try again in \d+ seconds\.$`).MatchString(m["DeveloperErrorMessage"].(string)) {
		t.Errorf("429 message = %q", m["DeveloperErrorMessage"])
	}
	if s2.Requests("*") < 601 {
		t.Errorf("Requests(*) = %d; want at least 601", s2.Requests("*"))
	}
}

func TestFaults(t *testing.T) {
	s, a := setup(t, Options{})

	s.InjectFault(Fault{Method: "GET", PathPrefix: "/v2/customers", Status: http.StatusServiceUnavailable})
	a.wantError(http.StatusServiceUnavailable, 5000, "GET", "/v2/customers", nil)
	a.must(http.StatusOK, "GET", "/v2/customers", nil) // Times 0 means once

	s.InjectFault(Fault{PathPrefix: "/v2/articles", Status: http.StatusTooManyRequests, Times: 2})
	a.wantError(http.StatusTooManyRequests, 4010, "GET", "/v2/articles", nil)
	a.wantError(http.StatusTooManyRequests, 4010, "POST", "/v2/articles", articleBody("F-0", 1))
	a.must(http.StatusOK, "GET", "/v2/articles", nil)

	s.InjectFault(Fault{Method: "GET", PathPrefix: "/v2/units", Latency: 50 * time.Millisecond})
	start := time.Now()
	a.must(http.StatusOK, "GET", "/v2/units", nil)
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("request with 50ms latency took %v", d)
	}

	// DropAfterCommit: the customer is created but the client gets no answer.
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/v2/customers", DropAfterCommit: true})
	// Sent to the server directly: through the contract proxy the client
	// would get the proxy's 502 instead of a broken connection.
	req, _ := http.NewRequest("POST", a.direct+"/v2/customers", strings.NewReader(`{"CustomerNumber":"DROP-1","Name":"Tappad AB","InvoiceCity":"Stockholm","InvoicePostalCode":"11122","IsActive":true,"IsPrivatePerson":false,"TermsOfPaymentId":"`+DemoTermsOfPayment30+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.hc.Do(req)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("dropped request answered %d %s; want a transport error", resp.StatusCode, b)
	}
	m := a.must(http.StatusOK, "GET", "/v2/customers?$filter=CustomerNumber%20eq%20'DROP-1'", nil)
	if n := len(asList(m["Data"])); n != 1 {
		t.Errorf("customers DROP-1 after a dropped POST = %d; want 1 (the write was committed)", n)
	}

	// DropAfterCommit with a status: committed, then an error answer.
	s.InjectFault(Fault{Method: "POST", PathPrefix: "/v2/articles", DropAfterCommit: true, Status: http.StatusGatewayTimeout})
	a.wantError(http.StatusGatewayTimeout, 5000, "POST", "/v2/articles", articleBody("F-1", 1))
	a.wantError(http.StatusConflict, 4000, "POST", "/v2/articles", articleBody("F-1", 1))

	// Negative Times: until cleared.
	s.InjectFault(Fault{PathPrefix: "/v2/vatcodes", Status: http.StatusInternalServerError, Times: -1})
	for range 3 {
		a.wantError(http.StatusInternalServerError, 5000, "GET", "/v2/vatcodes", nil)
	}
	s.ClearFaults()
	a.must(http.StatusOK, "GET", "/v2/vatcodes", nil)

	if n := s.Requests("POST /v2/customers"); n != 1 {
		t.Errorf("Requests(POST /v2/customers) = %d; want 1", n)
	}
	s.ResetCounters()
	if n := s.Requests("*"); n != 0 {
		t.Errorf("Requests(*) after ResetCounters = %d; want 0", n)
	}
}

func TestReferenceData(t *testing.T) {
	_, a := setup(t, Options{})
	tests := []struct {
		path  string
		min   int
		check func(rec map[string]any) bool
	}{
		{"/v2/vatcodes", 8, func(r map[string]any) bool { return r["Code"] != nil && r["VatRate"] != nil }},
		{"/v2/termsofpayments", 5, func(r map[string]any) bool { return r["NumberOfDays"] != nil }},
		{"/v2/units", 4, func(r map[string]any) bool { return r["Abbreviation"] != nil }},
		{"/v2/articleaccountcodings", 5, func(r map[string]any) bool {
			return r["DomesticSalesSubjectToVatAccountNumber"] != nil && r["VatRatePercent"] != nil
		}},
		{"/v2/accounts", 40, func(r map[string]any) bool { return r["FiscalYearId"] != nil }},
		{"/v2/fiscalyears", 2, func(r map[string]any) bool { return r["StartDate"] != nil }},
		{"/v2/deliverymethods", 3, func(r map[string]any) bool { return r["Code"] != nil }},
		{"/v2/deliveryterms", 3, func(r map[string]any) bool { return r["Code"] != nil }},
		{"/v2/costcenters", 2, func(r map[string]any) bool { return len(asList(r["Items"])) > 0 }},
		{"/v2/projects", 2, func(r map[string]any) bool { return r["Number"] != nil }},
		{"/v2/customerlabels", 2, func(r map[string]any) bool { return r["Name"] != nil }},
		{"/v2/articlelabels", 2, func(r map[string]any) bool { return r["Name"] != nil }},
		{"/v2/countries", 10, func(r map[string]any) bool { return r["IsEuMember"] != nil }},
		{"/v2/currencies", 5, func(r map[string]any) bool { return r["Code"] != nil }},
		{"/v2/bankaccounts", 1, func(r map[string]any) bool { return r["LedgerAccountNumber"] == 1930.0 }},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a := a.on(t)
			m := a.must(http.StatusOK, "GET", tt.path, nil)
			data := asList(m["Data"])
			if len(data) < tt.min {
				t.Fatalf("%s has %d records; want at least %d", tt.path, len(data), tt.min)
			}
			for _, r := range data {
				if !tt.check(r.(map[string]any)) {
					t.Errorf("%s record %v fails its check", tt.path, r)
				}
			}
		})
	}

	coding := a.must(http.StatusOK, "GET", "/v2/articleaccountcodings/"+DemoCodingGoods25, nil)
	if coding["DomesticSalesSubjectToVatAccountNumber"] != 3001.0 || coding["VatRatePercent"] != 0.25 {
		t.Errorf("goods 25 %% coding = %v", coding)
	}
	fys := asList(a.must(http.StatusOK, "GET", "/v2/fiscalyears", nil)["Data"])
	fy := fys[len(fys)-1].(map[string]any)["Id"].(string)
	accounts := a.must(http.StatusOK, "GET", "/v2/accounts/"+fy+"?$filter="+strings.ReplaceAll("startswith(Number,'3')", " ", "%20"), nil)
	if n := len(asList(accounts["Data"])); n < 10 {
		t.Errorf("revenue accounts of the current year = %d; want at least 10", n)
	}
	acc := a.must(http.StatusOK, "GET", "/v2/accounts/"+fy+"/3001", nil)
	if acc["VatCodeId"] == nil || acc["Name"] == nil {
		t.Errorf("account 3001 = %v", acc)
	}
	a.wantError(http.StatusNotFound, 3002, "GET", "/v2/accounts/"+fy+"/9999", nil)
	a.wantError(http.StatusNotFound, 3001, "GET", "/v2/accounts/00000000-0000-0000-0000-000000000006", nil)
	a.must(http.StatusOK, "GET", "/v2/countries/SE", nil)
	vat := asList(a.must(http.StatusOK, "GET", "/v2/vatcodes", nil)["Data"])[0].(map[string]any)
	a.must(http.StatusOK, "GET", "/v2/vatcodes/"+vat["Id"].(string), nil)

	company := a.must(http.StatusOK, "GET", "/v2/companysettings", nil)
	if company["CurrencyCode"] != "SEK" || company["CountryCode"] != "SE" || company["TermsOfPaymentId"] != DemoTermsOfPayment30 {
		t.Errorf("company settings = %v", company)
	}
	put := a.must(http.StatusOK, "PUT", "/v2/companysettings", map[string]any{
		"Name": "Exempelbolaget Kopla AB", "Address1": "Nygatan 2", "City": "Uppsala", "PostalCode": "75310", "CountryCode": "SE", "Phone": "018-00 00 00",
	})
	if put["City"] != "Uppsala" || put["Email"] != nil || put["CurrencyCode"] != "SEK" {
		t.Errorf("company settings after PUT = %v; want City replaced, Email cleared, CurrencyCode kept", put)
	}

	// Labels: create, rename (customers carry the new name), delete.
	l := a.must(http.StatusCreated, "POST", "/v2/customerlabels", map[string]any{"Name": "Kampanj"})
	a.wantError(http.StatusConflict, 4000, "POST", "/v2/customerlabels", map[string]any{"Name": "kampanj"})
	c := a.must(http.StatusCreated, "POST", "/v2/customers", with(customerBody("L-1", "Etikett AB"), "CustomerLabels", []any{map[string]any{"Name": "Kampanj"}}))
	a.must(http.StatusOK, "PUT", "/v2/customerlabels/"+l["Id"].(string), map[string]any{"Name": "Kampanj 2026"})
	got := a.must(http.StatusOK, "GET", "/v2/customers/"+c["Id"].(string), nil)
	if name := asList(got["CustomerLabels"])[0].(map[string]any)["Name"]; name != "Kampanj 2026" {
		t.Errorf("customer label after rename = %v", name)
	}
	a.must(http.StatusOK, "DELETE", "/v2/customerlabels/"+l["Id"].(string), nil)
	got = a.must(http.StatusOK, "GET", "/v2/customers/"+c["Id"].(string), nil)
	if n := len(asList(got["CustomerLabels"])); n != 0 {
		t.Errorf("customer labels after delete = %d; want 0", n)
	}

	// Cost center items live in their cost center.
	cc := asList(a.must(http.StatusOK, "GET", "/v2/costcenters", nil)["Data"])[0].(map[string]any)
	item := a.must(http.StatusCreated, "POST", "/v2/costcenteritems", map[string]any{"CostCenterId": cc["Id"], "Name": "Marknad", "ShortName": "MARK", "IsActive": true})
	a.wantError(http.StatusBadRequest, 2000, "POST", "/v2/costcenteritems", map[string]any{"CostCenterId": cc["Id"], "Name": "Marknad", "ShortName": "MARKNADSAVD", "IsActive": true})
	a.must(http.StatusOK, "GET", "/v2/costcenteritems/"+item["Id"].(string), nil)
	a.must(http.StatusOK, "PUT", "/v2/costcenteritems/"+item["Id"].(string), map[string]any{"CostCenterId": cc["Id"], "Name": "Marknad", "ShortName": "MARK", "IsActive": false})
	cc = asList(a.must(http.StatusOK, "GET", "/v2/costcenters", nil)["Data"])[0].(map[string]any)
	items := asList(cc["Items"])
	if last := items[len(items)-1].(map[string]any); last["Id"] != item["Id"] || last["IsActive"] != false {
		t.Errorf("cost center items = %v", items)
	}
	a.must(http.StatusOK, "PUT", "/v2/costcenters/"+cc["Id"].(string), map[string]any{"Name": "Avd", "IsActive": true})

	p := a.must(http.StatusCreated, "POST", "/v2/projects", map[string]any{"Number": "2001", "Name": "Kundprojekt", "StartDate": "2026-01-01T00:00:00Z", "CustomerId": c["Id"]})
	if p["CustomerName"] != "Etikett AB" || p["Status"] != 1.0 {
		t.Errorf("project = %v", p)
	}
	a.wantError(http.StatusConflict, 4000, "POST", "/v2/projects", map[string]any{"Number": "2001", "Name": "Dubblett", "StartDate": "2026-01-01T00:00:00Z"})
	a.must(http.StatusOK, "PUT", "/v2/projects/"+p["Id"].(string), map[string]any{"Number": "2001", "Name": "Kundprojekt", "StartDate": "2026-01-01T00:00:00Z", "Status": 2})
}

func TestRequestErrors(t *testing.T) {
	_, a := setup(t, Options{})
	status, raw := a.bypass().doRaw("POST", "/v2/customers", nil)
	if status != http.StatusBadRequest || !strings.Contains(string(raw), `"ErrorCode":2000`) {
		t.Errorf("POST without body = %d %s; want 400 2000", status, raw)
	}
	req, _ := http.NewRequest("POST", a.direct+"/v2/customers", strings.NewReader(`{"Name":`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+a.token)
	if status, m := a.send(req); status != http.StatusBadRequest || m["ErrorCode"] != 2000.0 {
		t.Errorf("POST with broken JSON = %d %v; want 400 2000", status, m)
	}
	a.wantError(http.StatusNotFound, 3000, "GET", "/v2/nonsense", nil)
	// Articles have no DELETE in the API.
	a.wantError(http.StatusMethodNotAllowed, 6001, "DELETE", "/v2/articles/"+DemoUnitPiece, nil)
}

func TestSeed(t *testing.T) {
	s, a := setup(t, Options{})
	err := s.Seed(strings.NewReader(`{
		"customers": [{"Id": "00000000-0000-0000-0000-0000000000aa", "CustomerNumber": "500", "Name": "Seedad AB", "InvoiceCity": "Umeå", "InvoicePostalCode": "90325", "IsActive": true, "IsPrivatePerson": false, "TermsOfPaymentId": "` + DemoTermsOfPayment30 + `", "Note": null}],
		"companysettings": {"NextCustomerNumber": 7000}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	c := a.must(http.StatusOK, "GET", "/v2/customers/00000000-0000-0000-0000-0000000000AA", nil)
	if _, ok := c["Note"]; ok || c["Name"] != "Seedad AB" {
		t.Errorf("seeded customer = %v", c)
	}
	auto := a.must(http.StatusCreated, "POST", "/v2/customers", customerBody("", "Nästa AB"))
	if auto["CustomerNumber"] != "7000" {
		t.Errorf("CustomerNumber after seeding NextCustomerNumber = %v; want 7000", auto["CustomerNumber"])
	}
	a.wantError(http.StatusConflict, 4000, "POST", "/v2/customers", customerBody("500", "Krock AB"))

	for _, bad := range []string{`{"nonsense": []}`, `{"customers": [{"Id": "x"}]}`, `{"accounts": [{"Name": "utan år"}]}`, `[`, `{"customers": {}}`} {
		if err := s.Seed(strings.NewReader(bad)); err == nil {
			t.Errorf("Seed(%s) = nil; want an error", bad)
		}
	}
}

func TestDemoIDs(t *testing.T) {
	for _, tt := range []struct{ got, kind, key string }{
		{DemoTermsOfPayment30, "termsofpayments", "30"}, {DemoUnitPiece, "units", "st"}, {DemoUnitHour, "units", "tim"},
		{DemoCodingGoods25, "codings", "goods25"}, {DemoCodingGoods12, "codings", "goods12"}, {DemoCodingGoods6, "codings", "goods6"},
		{DemoCodingServices25, "codings", "services25"}, {DemoCodingExempt, "codings", "exempt"},
		{DemoCodingFreight, "codings", "freight"}, {DemoBankAccount, "bankaccounts", "1930"},
	} {
		if want := demoID(tt.kind, tt.key); tt.got != want {
			t.Errorf("demo id %s/%s = %s; want %s", tt.kind, tt.key, tt.got, want)
		}
	}
}

// TestConcurrentRequests checks the server under parallel load (run with -race).
func TestConcurrentRequests(t *testing.T) {
	s, a := setup(t, Options{})
	errc := make(chan error, 20)
	for i := range 20 {
		go func() {
			status, m := a.do("POST", "/v2/customers", customerBody(fmt.Sprintf("C-%02d", i), "Parallell AB"))
			if status != http.StatusCreated {
				errc <- fmt.Errorf("POST #%d = %d %v", i, status, m)
				return
			}
			errc <- nil
		}()
	}
	var errs []error
	for range 20 {
		errs = append(errs, <-errc)
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := s.Requests("POST /v2/customers"); n != 20 {
		t.Errorf("Requests = %d; want 20", n)
	}
}
