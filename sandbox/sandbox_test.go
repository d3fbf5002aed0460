package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// getJSON does an authenticated GET against a fake over real HTTP.
func getJSON(t *testing.T, rawURL, token string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", rawURL, resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	return out
}

// eaAccessToken exchanges the sandbox refresh token at the identity server,
// as a connection does.
func eaAccessToken(t *testing.T, s *Sandbox) string {
	t.Helper()
	creds := map[string]string{}
	for _, c := range s.Credentials() {
		creds[c.Kind+"."+c.Setting] = c.Value
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {creds["eaccounting.refresh_token"]}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.IdentityURL()+"/connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(creds["eaccounting.client_id"], creds["eaccounting.client_secret"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token exchange: status %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// hsAll reads every record of a HubSpot object type over HTTP.
func hsAll(t *testing.T, s *Sandbox, typ string) []map[string]any {
	t.Helper()
	var out []map[string]any
	next := s.HubSpotURL() + "/crm/v3/objects/" + typ + "?limit=100"
	for next != "" {
		page := getJSON(t, next, s.HubSpot().Token())
		for _, r := range page["results"].([]any) {
			out = append(out, r.(map[string]any))
		}
		next = ""
		if p, ok := page["paging"].(map[string]any); ok {
			next = p["next"].(map[string]any)["link"].(string)
		}
	}
	return out
}

// eaAll reads every record of an eAccounting collection over HTTP.
func eaAll(t *testing.T, s *Sandbox, token, coll string) []any {
	t.Helper()
	page := getJSON(t, s.EAccountingURL()+"/"+coll+"?$pagesize=1000", token)
	return page["Data"].([]any)
}

func TestStartServesDemo(t *testing.T) {
	s := NewTest(t, Options{})
	for typ, want := range map[string]int{"contacts": 50, "companies": 20, "products": 30, "orders": 20, "deals": 4} {
		if got := len(hsAll(t, s, typ)); got != want {
			t.Errorf("HubSpot %s over HTTP: %d records, want %d", typ, got, want)
		}
	}
	for _, o := range s.HubSpot().Objects("orders") {
		var lines int
		for _, li := range s.HubSpot().Objects("line_items") {
			if len(s.HubSpot().Associations("orders", o.ID, "line_items", li.ID)) > 0 {
				lines++
			}
		}
		if lines == 0 {
			t.Errorf("order %s has no line items", o.ID)
		}
	}
	props := getJSON(t, s.HubSpotURL()+"/crm/v3/properties/contacts/eaccounting_customer_number", s.HubSpot().Token())
	if props["hasUniqueValue"] != true {
		t.Errorf("contact property eaccounting_customer_number: hasUniqueValue = %v, want true", props["hasUniqueValue"])
	}

	token := eaAccessToken(t, s)
	for coll, want := range map[string]int{"customers": 6, "articles": 10, "customerinvoices": 5} {
		if got := len(eaAll(t, s, token, coll)); got != want {
			t.Errorf("eAccounting %s over HTTP: %d records, want %d", coll, got, want)
		}
	}
	if got := len(eaAll(t, s, token, "vatcodes")); got == 0 {
		t.Error("eAccounting has no VAT codes: the demo company's reference data is missing")
	}
	// PaymentStatus: 0 paid, 1 unpaid, 2 overdue.
	status := map[float64]int{}
	for _, x := range eaAll(t, s, token, "customerinvoices") {
		inv := x.(map[string]any)
		status[inv["PaymentStatus"].(float64)]++
		if inv["RemainingAmountInvoiceCurrency"].(float64) > 0 && inv["RemainingAmountInvoiceCurrency"].(float64) < inv["TotalAmountInvoiceCurrency"].(float64) && inv["PaymentStatus"].(float64) == 0 {
			t.Errorf("invoice %v is partly paid but shows as paid", inv["InvoiceNumber"])
		}
	}
	if diff := cmp.Diff(map[float64]int{0: 2, 1: 1, 2: 2}, status); diff != "" {
		t.Errorf("invoice payment statuses (-want +got):\n%s", diff)
	}
}

// snapshot is everything a run could read from both fakes, minus the
// credentials, which are random per sandbox.
func snapshot(t *testing.T, s *Sandbox) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, typ := range []string{"contacts", "companies", "products", "orders", "line_items", "deals"} {
		objs := s.HubSpot().Objects(typ)
		out["hubspot/"+typ] = objs
		for _, o := range objs {
			for _, to := range []string{"contacts", "companies", "line_items"} {
				for _, other := range s.HubSpot().Objects(to) {
					if a := s.HubSpot().Associations(typ, o.ID, to, other.ID); len(a) > 0 {
						out[fmt.Sprintf("assoc/%s/%s/%s/%s", typ, o.ID, to, other.ID)] = a
					}
				}
			}
		}
	}
	token := eaAccessToken(t, s)
	for _, coll := range []string{"customers", "articles", "customerinvoices", "vatcodes", "termsofpayments", "articleaccountcodings"} {
		out["eaccounting/"+coll] = eaAll(t, s, token, coll)
	}
	return out
}

func TestStartDeterministic(t *testing.T) {
	clock := fixedClock(refTime)
	a := snapshot(t, NewTest(t, Options{Clock: clock}))
	b := snapshot(t, NewTest(t, Options{Clock: clock}))
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two sandboxes with the same clock and seed differ (-first +second):\n%s", diff)
	}
	c := NewTest(t, Options{Clock: clock, Seed: 7})
	if cmp.Equal(a["hubspot/contacts"], snapshot(t, c)["hubspot/contacts"]) {
		t.Error("seed 7 gives the same contacts as the default seed")
	}
}

func TestConnectionConfig(t *testing.T) {
	s := NewTest(t, Options{})
	tests := []struct {
		name    string
		kind    string
		decoded connectors.Config
		want    connectors.Config
	}{
		{
			name:    "hubspot token",
			kind:    "hubspot",
			decoded: connectors.Config{"token": "pat-real", "api_version": "v3", "base_url": "https://api.hubapi.com"},
			want:    connectors.Config{"token": s.HubSpot().Token(), "api_version": "v3", "base_url": s.HubSpotURL()},
		},
		{
			name:    "hubspot oauth becomes token",
			kind:    "hubspot",
			decoded: connectors.Config{"oauth": map[string]any{"client_id": "id", "client_secret": "secret"}, "api_version": "2026-03"},
			want:    connectors.Config{"token": s.HubSpot().Token(), "api_version": "2026-03", "base_url": s.HubSpotURL()},
		},
		{
			name: "eaccounting",
			kind: "eaccounting",
			decoded: connectors.Config{
				"client_id": "real-id", "client_secret": "real-secret", "rate_limit": int64(300),
				"scopes": []any{"ea:api", "offline_access"}, "base_url": "https://eaccountingapi.vismaonline.com/v2",
			},
			want: connectors.Config{
				"client_id": s.EAccounting().ClientID(), "client_secret": s.EAccounting().ClientSecret(), "rate_limit": int64(300),
				"scopes": []any{"ea:api", "offline_access"}, "base_url": s.EAccountingURL(),
				"identity_url": s.IdentityURL(), "refresh_token": s.setting("eaccounting", "refresh_token"),
			},
		},
		{
			name:    "other kinds untouched",
			kind:    "file",
			decoded: connectors.Config{"dir": "in", "token": "kept", "base_url": "kept"},
			want:    connectors.Config{"dir": "in", "token": "kept", "base_url": "kept"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneConfig(tt.decoded)
			got := s.ConnectionConfig(&dsl.Connection{Kind: tt.kind, Name: "x"}, tt.decoded)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ConnectionConfig (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tt.decoded); diff != "" {
				t.Errorf("ConnectionConfig changed its input (-before +after):\n%s", diff)
			}
		})
	}
}

func cloneConfig(c connectors.Config) connectors.Config {
	out := connectors.Config{}
	for k, v := range c {
		out[k] = clone(v)
	}
	return out
}

func TestLookupEnv(t *testing.T) {
	s := NewTest(t, Options{})
	const unsetHS, unsetEA, unsetOther = "HUBSPOT_KOPLA_SANDBOX_TEST", "EACCOUNTING_KOPLA_SANDBOX_TEST", "KOPLA_SANDBOX_TEST_OTHER"
	for _, n := range []string{unsetHS, unsetEA, unsetOther} {
		if _, set := os.LookupEnv(n); set {
			t.Fatalf("%s is set in the test environment", n)
		}
	}
	t.Setenv("HUBSPOT_KOPLA_SANDBOX_SET", "from-env")
	t.Setenv("KOPLA_SANDBOX_EMPTY", "")
	tests := []struct {
		name   string
		want   string
		wantOK bool
	}{
		{"HUBSPOT_KOPLA_SANDBOX_SET", "from-env", true},
		{"KOPLA_SANDBOX_EMPTY", "", true},
		{unsetHS, Placeholder, true},
		{unsetEA, Placeholder, true},
		{"VISMA_KOPLA_SANDBOX_TEST", Placeholder, true},
		{unsetOther, "", false},
	}
	injected := NewTest(t, Options{LookupEnv: func(name string) (string, bool) {
		if name == "EACCOUNTING_INJECTED" {
			return "injected", true
		}
		return "", false
	}})
	if v, ok := injected.LookupEnv("EACCOUNTING_INJECTED"); v != "injected" || !ok {
		t.Errorf("LookupEnv with Options.LookupEnv = %q, %v; want the injected value", v, ok)
	}
	if v, ok := injected.LookupEnv("HUBSPOT_KOPLA_SANDBOX_SET"); v != Placeholder || !ok {
		t.Errorf("LookupEnv with Options.LookupEnv read the process environment: %q, %v; want the placeholder", v, ok)
	}
	for _, tt := range tests {
		got, ok := s.LookupEnv(tt.name)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("LookupEnv(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestCloseFreesPorts(t *testing.T) {
	hsAddr, eaAddr := freeAddr(t), freeAddr(t)
	s, err := Start(t.Context(), Options{HubSpotAddr: hsAddr, EAccountingAddr: eaAddr})
	if err != nil {
		t.Fatal(err)
	}
	if s.HubSpotURL() != "http://"+hsAddr || s.EAccountingURL() != "http://"+eaAddr+"/v2" || s.IdentityURL() != "http://"+eaAddr {
		t.Errorf("URLs %s, %s, %s; want the addresses asked for (%s, %s)", s.HubSpotURL(), s.EAccountingURL(), s.IdentityURL(), hsAddr, eaAddr)
	}
	if _, err := Start(t.Context(), Options{HubSpotAddr: hsAddr}); err == nil {
		t.Error("a second sandbox started on a port in use")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, addr := range []string{hsAddr, eaAddr} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("port %s still in use after Close: %v", addr, err)
			continue
		}
		ln.Close()
	}
}

func TestBaseURL(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:8080":     "http://[::1]:8080",
	}
	for addr, want := range tests {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := baseURL(a); got != want {
			t.Errorf("baseURL(%s) = %s; want %s", addr, got, want)
		}
	}
}

func TestContextEndsSandbox(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(s.HubSpotURL(), "http://")
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil {
			ln.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("port %s still in use 5 s after the context ended", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after the context ended: %v", err)
	}

	if _, err := Start(ctx, Options{}); err == nil {
		t.Error("Start with an ended context succeeded")
	}
}

func TestCredentials(t *testing.T) {
	s := NewTest(t, Options{})
	got := map[string]string{}
	for _, c := range s.Credentials() {
		got[c.Kind+"."+c.Setting] = c.Value
		if c.Value == "" {
			t.Errorf("credential %s.%s is empty", c.Kind, c.Setting)
		}
		secret := c.Setting == "token" || c.Setting == "client_secret" || c.Setting == "refresh_token"
		if c.Sensitive != secret {
			t.Errorf("credential %s.%s: Sensitive = %v, want %v", c.Kind, c.Setting, c.Sensitive, secret)
		}
	}
	want := map[string]string{
		"hubspot.base_url": s.HubSpotURL(), "hubspot.token": s.HubSpot().Token(),
		"eaccounting.base_url": s.EAccountingURL(), "eaccounting.identity_url": s.IdentityURL(),
		"eaccounting.client_id": s.EAccounting().ClientID(), "eaccounting.client_secret": s.EAccounting().ClientSecret(),
		"eaccounting.refresh_token": s.setting("eaccounting", "refresh_token"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Credentials (-want +got):\n%s", diff)
	}
}
