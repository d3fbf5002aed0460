package eaccountingtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// fakeClock is a settable clock for token expiry and rate windows.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// api is a minimal client of the fake for the tests: JSON in, JSON out.
type api struct {
	t      testing.TB
	base   string
	direct string // the server itself, bypassing the contract proxy
	token  string
	hc     *http.Client
}

// on returns the client reporting failures to t (a subtest).
func (a *api) on(t testing.TB) *api {
	b := *a
	b.t = t
	return &b
}

// bypass returns a client that talks to the server directly, never through
// the contract-check proxy. Tests use it for requests that break the
// Swagger on purpose (to test the server's 400 answers), so that the
// contract report lists only what the server gets wrong.
func (a *api) bypass() *api {
	b := *a
	b.base = a.direct
	return &b
}

// setup starts a seeded demo company and returns a client holding a valid
// access token obtained through the refresh-token grant.
func setup(t testing.TB, opts Options) (*Server, *api) {
	t.Helper()
	s, base := NewTestServer(t, opts)
	if err := s.SeedDemoCompany(); err != nil {
		t.Fatalf("SeedDemoCompany() = %v", err)
	}
	a := &api{t: t, base: base, direct: s.DirectURL(), hc: &http.Client{Timeout: 10 * time.Second}}
	status, body := a.tokenRequest(s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.IssueRefreshToken()}}, true)
	if status != http.StatusOK {
		t.Fatalf("token request = %d %v", status, body)
	}
	a.token = body["access_token"].(string)
	return s, a
}

// tokenRequest posts to /connect/token on the server directly (the identity
// server is not part of the API's Swagger, so it bypasses the contract proxy).
func (a *api) tokenRequest(s *Server, form url.Values, basic bool) (int, map[string]any) {
	a.t.Helper()
	if !basic {
		form.Set("client_id", s.ClientID())
		form.Set("client_secret", s.ClientSecret())
	}
	req, err := http.NewRequest(http.MethodPost, s.DirectURL()+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(s.ClientID())+":"+url.QueryEscape(s.ClientSecret()))))
	}
	return a.send(req)
}

// do sends a JSON request to the API and decodes the JSON answer (nil when
// the body is empty or not JSON).
func (a *api) do(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	status, raw := a.doRaw(method, path, body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return status, m
}

func (a *api) doRaw(method, path string, body any) (int, []byte) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, raw
}

func (a *api) send(req *http.Request) (int, map[string]any) {
	a.t.Helper()
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// must runs a request that has to succeed with want and returns its body.
func (a *api) must(want int, method, path string, body any) map[string]any {
	a.t.Helper()
	status, m := a.do(method, path, body)
	if status != want {
		a.t.Fatalf("%s %s = %d %v; want %d", method, path, status, m, want)
	}
	return m
}

// wantError checks an error answer: status and the ErrorCode of the
// envelope. The request bypasses the contract proxy: many are invalid on
// purpose, and the Swagger declares no error answers to check.
func (a *api) wantError(status, code int, method, path string, body any) map[string]any {
	a.t.Helper()
	got, m := a.bypass().do(method, path, body)
	if got != status || m == nil || m["ErrorCode"] != float64(code) {
		a.t.Fatalf("%s %s = %d %v; want %d with ErrorCode %d", method, path, got, m, status, code)
	}
	if id, _ := m["ErrorId"].(string); !isUUID(id) {
		a.t.Errorf("%s %s: ErrorId = %q; want a GUID", method, path, m["ErrorId"])
	}
	if msg, _ := m["DeveloperErrorMessage"].(string); msg == "" {
		a.t.Errorf("%s %s: DeveloperErrorMessage is empty", method, path)
	}
	return m
}

// customerBody is a valid customer with every required property.
func customerBody(number, name string) map[string]any {
	b := map[string]any{
		"Name": name, "InvoiceCity": "Stockholm", "InvoicePostalCode": "11122",
		"IsActive": true, "IsPrivatePerson": false, "TermsOfPaymentId": DemoTermsOfPayment30,
	}
	if number != "" {
		b["CustomerNumber"] = number
	}
	return b
}

func articleBody(number string, net float64) map[string]any {
	return map[string]any{
		"Number": number, "Name": "Artikel " + number, "IsActive": true,
		"CodingId": DemoCodingGoods25, "UnitId": DemoUnitPiece, "NetPrice": net,
	}
}

func draftBody(customerID, articleID string, qty float64) map[string]any {
	return map[string]any{
		"CustomerId": customerID, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"Rows": []any{
			map[string]any{"ArticleId": articleID, "Quantity": qty, "IsTextRow": false, "ReversedConstructionServicesVatFree": false},
		},
	}
}
