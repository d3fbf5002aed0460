package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/kopla-dev/kopla/connectors"
)

// browser follows the authorize URL like a person's browser: the consent
// page redirects to the login's listener.
func browser(t *testing.T) func(string) error {
	return func(u string) error {
		resp, err := http.Get(u)
		if err != nil {
			t.Errorf("browser: %v", err)
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("browser: the redirect listener answered %d", resp.StatusCode)
		}
		return nil
	}
}

func readToken(t *testing.T, path string) oauth2.Token {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestLoginAndRefresh(t *testing.T) {
	for _, version := range []string{"2026-03", "v3"} {
		t.Run(version, func(t *testing.T) {
			e := newEnv(t, envConfig{oauth: true, version: version,
				seed: seedJSON(t, map[string][]map[string]string{"contacts": {{"id": "1", "email": "a@example.com"}}})})
			contacts := e.object(t, "contacts")

			// Before login, requests fail with ErrAuth and say what to do.
			if _, err := contacts.Get(t.Context(), []string{"1"}); !errorsIs(err, connectors.ErrAuth) || !strings.Contains(err.Error(), "kopla login") {
				t.Fatalf("Get before login: %v; want ErrAuth telling to run kopla login", err)
			}

			var out bytes.Buffer
			if err := e.conn.Login(t.Context(), connectors.LoginUI{Out: &out, OpenURL: browser(t)}); err != nil {
				t.Fatalf("Login: %v", err)
			}
			if !strings.Contains(out.String(), "Open this URL") {
				t.Errorf("login output = %q", out.String())
			}
			path := filepath.Join(e.stateDir, "hubspot", "shop", "token.json")
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("token file mode = %v; want 0600", fi.Mode().Perm())
			}
			first := readToken(t, path)
			if first.RefreshToken == "" || first.AccessToken == "" {
				t.Fatalf("stored token lacks access or refresh token")
			}

			if got, err := contacts.Get(t.Context(), []string{"1"}); err != nil || len(got) != 1 {
				t.Fatalf("Get after login = %d records, %v", len(got), err)
			}

			// HubSpot refuses the access token before its expiry: one 401,
			// one refresh, the request again.
			tokenPath := "POST /oauth/2026-03/token"
			if version == "v3" {
				tokenPath = "POST /oauth/v1/token"
			}
			e.srv.ExpireAccessTokens()
			if got, err := contacts.Get(t.Context(), []string{"1"}); err != nil || len(got) != 1 {
				t.Fatalf("Get after the token was refused = %d records, %v", len(got), err)
			}
			if n := e.srv.Requests(tokenPath); n != 2 {
				t.Errorf("Requests(%s) = %d; want 2 (code exchange, one refresh)", tokenPath, n)
			}
			second := readToken(t, path)
			if second.AccessToken == first.AccessToken {
				t.Error("the refreshed token was not written to the token file")
			}

			// A token past its expiry is refreshed before it is sent.
			second.Expiry = time.Now().Add(-time.Minute)
			if err := saveToken(path, &second); err != nil {
				t.Fatal(err)
			}
			conn := e.open(t, envConfig{oauth: true, version: version})
			o, _ := conn.Object("contacts")
			e.srv.ResetCounters()
			if _, err := o.(connectors.Getter).Get(t.Context(), []string{"1"}); err != nil {
				t.Fatal(err)
			}
			if n, all := e.srv.Requests(tokenPath), e.srv.Requests("*"); n != 1 || all != 2 {
				t.Errorf("refresh by expiry: %d token requests, %d in all; want 1 and 2 (no 401 first)", n, all)
			}
		})
	}
}

func TestLoginRefusesWrongState(t *testing.T) {
	e := newEnv(t, envConfig{oauth: true})
	forged := func(u string) error {
		auth, err := url.Parse(u)
		if err != nil {
			return err
		}
		cb, _ := url.Parse(auth.Query().Get("redirect_uri"))
		cb.RawQuery = url.Values{"code": {"stolen"}, "state": {"forged"}}.Encode()
		resp, err := http.Get(cb.String())
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	err := e.conn.Login(t.Context(), connectors.LoginUI{OpenURL: forged})
	if err == nil || !strings.Contains(err.Error(), "state") {
		t.Errorf("Login with a forged redirect: %v; want a state error", err)
	}
	if _, err := os.Stat(filepath.Join(e.stateDir, "hubspot", "shop", "token.json")); err == nil {
		t.Error("a token was stored after a forged redirect")
	}
	if n := e.srv.Requests("POST /oauth/2026-03/token"); n != 0 {
		t.Errorf("the forged code was exchanged (%d token requests)", n)
	}

	tokenConn := newEnv(t, envConfig{})
	if err := tokenConn.conn.Login(t.Context(), connectors.LoginUI{}); err == nil || !strings.Contains(err.Error(), "oauth block") {
		t.Errorf("Login on a token connection: %v; want an error asking for an oauth block", err)
	}
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func TestRefreshIsSerialised(t *testing.T) {
	e := newEnv(t, envConfig{oauth: true, seed: seedJSON(t, map[string][]map[string]string{"contacts": {{"id": "1", "email": "a@example.com"}}})})
	if err := e.conn.Login(t.Context(), connectors.LoginUI{OpenURL: browser(t)}); err != nil {
		t.Fatal(err)
	}
	e.srv.ExpireAccessTokens()
	contacts := e.object(t, "contacts")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got, err := contacts.Get(t.Context(), []string{"1"}); err != nil || len(got) != 1 {
				t.Errorf("Get: %d records, %v", len(got), err)
			}
		})
	}
	wg.Wait()
	// One exchange at login, then a single refresh for all eight requests.
	if n := e.srv.Requests("POST /oauth/2026-03/token"); n != 2 {
		t.Errorf("token requests = %d; want 2", n)
	}
}
