package eaccounting

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

const tokenRoute = "POST /connect/token"

// readToken reads the stored token file and checks its mode.
func readToken(t *testing.T, e *env) oauth2.Token {
	t.Helper()
	path := e.conn.tokens.file.path
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("token file: %v", err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("token file mode = %o; want 600", mode)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatalf("token file: %v", err)
	}
	return tok
}

func companySettings(t testing.TB, c *conn) error {
	t.Helper()
	var m map[string]any
	return c.client.do(t.Context(), get("companysettings", nil), &m)
}

func TestTokenRotationIsPersisted(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	seed := e.conn.tokens.seed
	if err := companySettings(t, e.conn); err != nil {
		t.Fatal(err)
	}
	first := readToken(t, e)
	if first.RefreshToken == "" || first.RefreshToken == seed {
		t.Fatalf("stored refresh token = %q; want the rotated one, not the seed", first.RefreshToken)
	}
	if got := e.conn.tokens.file.path; !strings.HasSuffix(got, "/eaccounting/books/token.json") {
		t.Errorf("token path = %s; want .../eaccounting/books/token.json", got)
	}

	// The access token dies: the API answers 401, the client refreshes
	// once and saves the next rotated refresh token.
	e.srv.ExpireAccessTokens()
	if err := companySettings(t, e.conn); err != nil {
		t.Fatalf("after the access token expired: %v", err)
	}
	second := readToken(t, e)
	if second.RefreshToken == first.RefreshToken {
		t.Errorf("refresh token not rotated after a refresh")
	}

	// A new process starts from the stored token, not from the (dead) seed.
	e.srv.ExpireAccessTokens()
	cfg := connectors.Config{
		"client_id": e.srv.ClientID(), "client_secret": e.srv.ClientSecret(),
		"base_url": e.base + "/v2", "identity_url": e.identity, "refresh_token": seed,
	}
	again := e.open(t, cfg)
	if err := companySettings(t, again); err != nil {
		t.Fatalf("new connection from the stored token: %v", err)
	}
}

func TestConcurrentRefreshUsesTheRotatingTokenOnce(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	if err := companySettings(t, e.conn); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireAccessTokens()
	e.srv.ResetCounters()
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = companySettings(t, e.conn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("request %d: %v", i, err)
		}
	}
	if got := e.srv.Requests(tokenRoute); got != 1 {
		t.Errorf("token requests = %d; want 1 refresh for %d concurrent requests", got, n)
	}
}

func TestInvalidGrantAsksForLogin(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, connectors.Config{"refresh_token": "not-a-token-the-server-issued"})
	_, err := e.object(t, "customers").Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil })
	if !errors.Is(err, connectors.ErrAuth) {
		t.Fatalf("Read error = %v; want ErrAuth", err)
	}
	if !strings.Contains(err.Error(), "run kopla login eaccounting.books again") {
		t.Errorf("error %q does not say to run kopla login eaccounting.books again", err)
	}
	// Later requests fail at once, without asking the identity server again.
	e.srv.ResetCounters()
	res := e.writer(t, "customers").Write(t.Context(), []connectors.Write{
		{Action: connectors.Create, Fields: customer(1), KeyField: "CustomerNumber"},
		{Action: connectors.Create, Fields: customer(2), KeyField: "CustomerNumber"},
	})
	for i, r := range res {
		if !errors.Is(r.Err, connectors.ErrAuth) {
			t.Errorf("write %d: %v; want ErrAuth", i, r.Err)
		}
	}
	if n := e.srv.Requests(tokenRoute); n != 0 {
		t.Errorf("token requests after invalid_grant = %d; want 0", n)
	}
}

func TestRedirectURL(t *testing.T) {
	for _, tt := range []struct{ asked, got, want string }{
		{"127.0.0.1:0", "127.0.0.1:41234", "http://127.0.0.1:41234/callback"},
		{"localhost:8765", "127.0.0.1:8765", "http://localhost:8765/callback"},
		{":8765", "[::]:8765", "http://[::]:8765/callback"},
	} {
		got := redirectURL(tt.asked, fakeAddr(tt.got))
		if got != tt.want {
			t.Errorf("redirectURL(%q, %q) = %q; want %q", tt.asked, tt.got, got, tt.want)
		}
	}
}

type fakeAddr string

func (a fakeAddr) Network() string { return "tcp" }
func (a fakeAddr) String() string  { return string(a) }

func TestNoTokenAsksForLogin(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, connectors.Config{"refresh_token": nil})
	err := companySettings(t, e.conn)
	if !errors.Is(err, connectors.ErrAuth) || !strings.Contains(err.Error(), "kopla login eaccounting.books") {
		t.Fatalf("error = %v; want ErrAuth telling to run kopla login eaccounting.books", err)
	}
}

// A wrong client secret is not a refused refresh token: the message points
// at the connection block's credentials, not at kopla login, which would
// send the same secret again.
func TestWrongClientSecretNamesTheCredentials(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, connectors.Config{"client_secret": "not-the-secret"})
	err := companySettings(t, e.conn)
	var apiErr *connectors.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, connectors.ErrAuth) {
		t.Fatalf("error = %v; want an ErrAuth APIError", err)
	}
	if apiErr.Code != "invalid_client" {
		t.Errorf("code = %q; want invalid_client", apiErr.Code)
	}
	msg := err.Error()
	for _, want := range []string{"client_id or client_secret", "eaccounting.books", "connection block"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	for _, wrong := range []string{"refresh token", "kopla login"} {
		if strings.Contains(msg, wrong) {
			t.Errorf("error %q mentions %q: the refresh token is not at fault", msg, wrong)
		}
	}
	// Later requests fail at once, without asking the identity server again.
	e.srv.ResetCounters()
	if err := companySettings(t, e.conn); !errors.Is(err, connectors.ErrAuth) {
		t.Errorf("second request = %v; want the same ErrAuth at once", err)
	}
	if n := e.srv.Requests(tokenRoute); n != 0 {
		t.Errorf("token requests after invalid_client = %d; want 0", n)
	}
}

func TestPersistent401IsAnAuthError(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.srv.InjectFault(eaccountingtest.Fault{PathPrefix: "/v2/companysettings", Status: http.StatusUnauthorized, Times: -1})
	err := companySettings(t, e.conn)
	if !errors.Is(err, connectors.ErrAuth) {
		t.Fatalf("error = %v; want ErrAuth", err)
	}
	if got := e.srv.Requests("GET /v2/companysettings"); got != 2 {
		t.Errorf("requests = %d; want 2 (one refresh, then give up)", got)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, connectors.Config{"refresh_token": nil})
	var authURL string
	browser := &http.Client{}
	var out bytes.Buffer
	ui := connectors.LoginUI{
		Out: &out,
		OpenURL: func(u string) error {
			authURL = u
			go func() {
				// A forged redirect first: refused, and the login goes on.
				cb, _ := url.Parse(mustRedirectURI(t, u))
				q := url.Values{"code": {"forged"}, "state": {"wrong"}}
				cb.RawQuery = q.Encode()
				if resp, err := browser.Get(cb.String()); err == nil {
					if resp.StatusCode != http.StatusBadRequest {
						t.Errorf("callback with a wrong state: status %d; want 400", resp.StatusCode)
					}
					resp.Body.Close()
				}
				// The real browser: authorize redirects to the listener.
				resp, err := browser.Get(u)
				if err != nil {
					t.Errorf("browser: %v", err)
					return
				}
				resp.Body.Close()
			}()
			return nil
		},
	}
	if err := e.conn.Login(t.Context(), ui); err != nil {
		t.Fatalf("Login: %v\n%s", err, out.String())
	}
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"prompt": "select_account", "response_type": "code", "client_id": e.srv.ClientID(),
		"scope": "ea:api offline_access ea:sales ea:accounting_readonly", "code_challenge_method": "S256",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("authorize URL %s = %q; want %q", k, got, want)
		}
	}
	if u.Path != "/connect/authorize" || q.Get("state") == "" {
		t.Errorf("authorize URL %s: want /connect/authorize with a state", authURL)
	}
	tok := readToken(t, e)
	if tok.RefreshToken == "" || tok.AccessToken == "" {
		t.Errorf("stored token lacks access or refresh token")
	}
	if err := companySettings(t, e.conn); err != nil {
		t.Errorf("API call after login: %v", err)
	}
	if strings.Contains(out.String(), tok.RefreshToken) || strings.Contains(out.String(), tok.AccessToken) {
		t.Errorf("login output shows a token")
	}
}

func mustRedirectURI(t *testing.T, authURL string) string {
	u, err := url.Parse(authURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("redirect_uri")
}

func TestIdentityServerErrorsAreRetried(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	if err := companySettings(t, e.conn); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireAccessTokens()
	e.srv.ResetCounters()
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/connect/token", Status: http.StatusServiceUnavailable})
	if err := companySettings(t, e.conn); err != nil {
		t.Fatalf("after a 503 of the identity server: %v", err)
	}
	if n := e.srv.Requests(tokenRoute); n != 2 {
		t.Errorf("token requests = %d; want 2", n)
	}
}
