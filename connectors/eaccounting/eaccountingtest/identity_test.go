package eaccountingtest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// authorizeCode runs GET /connect/authorize without following the redirect
// and returns the redirect's query.
func authorizeCode(t *testing.T, s *Server, q url.Values) (int, url.Values) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(s.DirectURL() + "/connect/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, loc.Query()
}

func TestAuthorizationCodeFlow(t *testing.T) {
	s, a := setup(t, Options{ClientID: "kopla-client", ClientSecret: "s3cret/+="})
	a.token = ""
	const redirect = "http://127.0.0.1:9999/callback"
	q := url.Values{
		"client_id": {"kopla-client"}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"ea:api offline_access ea:sales"}, "state": {"xyz"}, "prompt": {"select_account"},
		"acr_values": {"service:44643EB1-3F76-4C1C-A672-402AE8085934"},
	}
	status, back := authorizeCode(t, s, q)
	if status != http.StatusFound || back.Get("state") != "xyz" || back.Get("code") == "" {
		t.Fatalf("authorize = %d %v; want 302 with code and state", status, back)
	}
	code := back.Get("code")

	// Wrong redirect_uri burns nothing but fails; the code is single-use anyway.
	tests := []struct {
		name       string
		form       url.Values
		basic      bool
		wantStatus int
		wantError  string
	}{
		{"code with client_secret_basic", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}, true, 200, ""},
		{"code reused", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}}, true, 400, "invalid_grant"},
		{"unknown grant", url.Values{"grant_type": {"password"}}, false, 400, "unsupported_grant_type"},
		{"missing grant", url.Values{}, false, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.on(t)
			status, body := a.tokenRequest(s, tt.form, tt.basic)
			if status != tt.wantStatus {
				t.Fatalf("status = %d %v; want %d", status, body, tt.wantStatus)
			}
			if tt.wantError != "" {
				if body["error"] != tt.wantError {
					t.Errorf("error = %v; want %s", body["error"], tt.wantError)
				}
				return
			}
			for _, k := range []string{"access_token", "refresh_token", "token_type", "expires_in"} {
				if body[k] == nil {
					t.Errorf("token response lacks %s: %v", k, body)
				}
			}
			if body["expires_in"] != float64(3600) {
				t.Errorf("expires_in = %v; want 3600", body["expires_in"])
			}
		})
	}

	t.Run("wrong redirect_uri", func(t *testing.T) {
		a := a.on(t)
		_, back := authorizeCode(t, s, q)
		status, body := a.tokenRequest(s, url.Values{"grant_type": {"authorization_code"}, "code": {back.Get("code")}, "redirect_uri": {"http://127.0.0.1:1/other"}}, false)
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Errorf("token = %d %v; want 400 invalid_grant", status, body)
		}
	})
	t.Run("unknown client", func(t *testing.T) {
		q2 := url.Values{"client_id": {"other"}, "redirect_uri": {redirect}, "response_type": {"code"}}
		status, _ := authorizeCode(t, s, q2)
		if status != http.StatusBadRequest {
			t.Errorf("authorize with unknown client = %d; want 400", status)
		}
	})
}

func TestRefreshTokenRotation(t *testing.T) {
	s, a := setup(t, Options{})
	first := s.IssueRefreshToken()
	status, body := a.tokenRequest(s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}}, false)
	if status != http.StatusOK {
		t.Fatalf("refresh = %d %v", status, body)
	}
	second, _ := body["refresh_token"].(string)
	if second == "" || second == first {
		t.Fatalf("refresh_token = %q; want a new one", second)
	}
	// The old token is spent: reuse is invalid_grant.
	status, body = a.tokenRequest(s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}}, true)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("reusing a rotated refresh token = %d %v; want 400 invalid_grant", status, body)
	}
	// The new one works once.
	status, body = a.tokenRequest(s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second}}, true)
	if status != http.StatusOK {
		t.Errorf("refresh with the rotated token = %d %v; want 200", status, body)
	}
	// Wrong secret is invalid_client.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.IssueRefreshToken()}, "client_id": {s.ClientID()}, "client_secret": {"wrong"}}
	req, _ := http.NewRequest(http.MethodPost, s.DirectURL()+"/connect/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if status, body := a.send(req); status != http.StatusBadRequest || body["error"] != "invalid_client" {
		t.Errorf("wrong client secret = %d %v; want 400 invalid_client", status, body)
	}
	// JSON bodies are refused: the token endpoint is form-encoded only.
	req, _ = http.NewRequest(http.MethodPost, s.DirectURL()+"/connect/token", strings.NewReader(`{"grant_type":"refresh_token"}`))
	req.Header.Set("Content-Type", "application/json")
	if status, body := a.send(req); status != http.StatusBadRequest || body["error"] != "invalid_request" {
		t.Errorf("JSON token request = %d %v; want 400 invalid_request", status, body)
	}
	// Revocation kills a refresh token.
	rt := s.IssueRefreshToken()
	rev := url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}, "client_id": {s.ClientID()}, "client_secret": {s.ClientSecret()}}
	req, _ = http.NewRequest(http.MethodPost, s.DirectURL()+"/connect/revocation", strings.NewReader(rev.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if status, _ := a.send(req); status != http.StatusOK {
		t.Errorf("revocation = %d; want 200", status)
	}
	if status, _ := a.tokenRequest(s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true); status != http.StatusBadRequest {
		t.Errorf("refresh with a revoked token = %d; want 400", status)
	}
}

func TestReusableRefreshTokens(t *testing.T) {
	s, a := setup(t, Options{ReusableRefreshTokens: true})
	rt := s.IssueRefreshToken()
	for i := range 2 {
		status, body := a.tokenRequest(s, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, true)
		if status != http.StatusOK || body["refresh_token"] != rt {
			t.Fatalf("refresh #%d = %d %v; want 200 with the same refresh token", i+1, status, body)
		}
	}
}

func TestAccessTokens(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	s, a := setup(t, Options{Clock: clock.now, AccessTokenTTL: 10 * time.Minute})
	a.must(http.StatusOK, "GET", "/v2/customers", nil)

	clock.advance(11 * time.Minute)
	m := a.wantError(http.StatusUnauthorized, 4005, "GET", "/v2/customers", nil)
	if !strings.Contains(m["DeveloperErrorMessage"].(string), "Authorization has been denied") {
		t.Errorf("401 message = %q", m["DeveloperErrorMessage"])
	}

	a.token = s.IssueAccessToken()
	a.must(http.StatusOK, "GET", "/v2/customers", nil)
	s.ExpireAccessTokens()
	a.wantError(http.StatusUnauthorized, 4005, "GET", "/v2/customers", nil)

	a.token = ""
	a.wantError(http.StatusUnauthorized, 4005, "GET", "/v2/articles", nil)
	a.token = "not-a-token"
	a.wantError(http.StatusUnauthorized, 4005, "GET", "/v2/articles", nil)
}

func TestPKCE(t *testing.T) {
	s, a := setup(t, Options{})
	const redirect = "http://127.0.0.1:9999/cb"
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge := "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" // RFC 7636 appendix B
	q := url.Values{"client_id": {s.ClientID()}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"ea:api offline_access ea:sales"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	tests := []struct {
		name, verifier string
		want           int
	}{
		{"right verifier", verifier, http.StatusOK},
		{"wrong verifier", verifier + "x", http.StatusBadRequest},
		{"no verifier", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := a.on(t)
			_, back := authorizeCode(t, s, q)
			form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Get("code")}, "redirect_uri": {redirect}}
			if tt.verifier != "" {
				form.Set("code_verifier", tt.verifier)
			}
			if status, body := a.tokenRequest(s, form, true); status != tt.want {
				t.Errorf("token = %d %v; want %d", status, body, tt.want)
			}
		})
	}
	_, back := authorizeCode(t, s, with2(q, "code_challenge_method", "S512"))
	if back.Get("error") != "invalid_request" {
		t.Errorf("authorize with an unknown challenge method: %v; want error invalid_request", back)
	}
}

func with2(q url.Values, k, v string) url.Values {
	c := url.Values{}
	for key, vals := range q {
		c[key] = vals
	}
	c.Set(k, v)
	return c
}

func TestScopes(t *testing.T) {
	s, a := setup(t, Options{})
	const redirect = "http://127.0.0.1:9999/cb"
	token := func(scope string) string {
		_, back := authorizeCode(t, s, url.Values{"client_id": {s.ClientID()}, "redirect_uri": {redirect}, "response_type": {"code"}, "scope": {scope}})
		status, body := a.tokenRequest(s, url.Values{"grant_type": {"authorization_code"}, "code": {back.Get("code")}, "redirect_uri": {redirect}}, true)
		if status != http.StatusOK {
			t.Fatalf("token for %q = %d %v", scope, status, body)
		}
		if _, ok := body["refresh_token"]; ok != strings.Contains(scope, "offline_access") {
			t.Errorf("refresh_token present = %v for scope %q", ok, scope)
		}
		return body["access_token"].(string)
	}
	tests := []struct {
		scope, method, path string
		want                int
	}{
		{"ea:api ea:sales", "GET", "/v2/customers", 200},
		{"ea:api ea:sales_readonly", "GET", "/v2/customers", 200},
		{"ea:api ea:sales_readonly", "POST", "/v2/customers", 403},
		{"ea:api ea:sales", "GET", "/v2/vatcodes", 403},
		{"ea:api ea:accounting_readonly", "GET", "/v2/vatcodes", 200},
		{"ea:api ea:accounting_readonly", "GET", "/v2/fiscalyears", 200},
		{"ea:api ea:purchase_readonly", "GET", "/v2/termsofpayments", 200},
		{"ea:sales offline_access", "GET", "/v2/customers", 403},
	}
	for _, tt := range tests {
		t.Run(tt.scope+" "+tt.method+" "+tt.path, func(t *testing.T) {
			a := a.on(t)
			a.token = token(tt.scope)
			var body any
			if tt.method == "POST" {
				body = customerBody("", "Scope AB")
			}
			if tt.want == http.StatusForbidden {
				a.wantError(http.StatusForbidden, 4006, tt.method, tt.path, body)
				return
			}
			if status, m := a.do(tt.method, tt.path, body); status != tt.want {
				t.Errorf("%s %s with %q = %d %v; want %d", tt.method, tt.path, tt.scope, status, m, tt.want)
			}
		})
	}
}
