package hubspot

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/rest"
)

const authorizeURL = "https://app.hubspot.com/oauth/authorize"

// oauthConfig is the app's OAuth configuration. The token endpoint is
// relative to base_url (so a test server can serve it); the authorize page is
// HubSpot's app domain, or base_url's /oauth/authorize for a test server.
func (c *Connector) oauthConfig(redirectURL string) *oauth2.Config {
	o := c.settings.oauth
	base := c.settings.baseURL.String()
	auth := authorizeURL
	if base != defaultBaseURL {
		auth = base + "/oauth/authorize"
	}
	if c.opts.authURL != "" {
		auth = c.opts.authURL
	}
	token := base + "/oauth/v1/token"
	if c.settings.version == "2026-03" {
		token = base + "/oauth/2026-03/token"
	}
	return &oauth2.Config{
		ClientID:     o.clientID,
		ClientSecret: o.clientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: auth, TokenURL: token, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  redirectURL,
		Scopes:       o.scopes,
	}
}

// tokenSource hands out the stored OAuth access token, refreshing it before
// it expires (HubSpot: refresh by expiry, not on 401) and once more after a
// 401. Refreshes are serialised, and every new token is written to the token
// file, since HubSpot may rotate the refresh token.
type tokenSource struct {
	conf   *oauth2.Config
	path   string
	http   *http.Client
	logger *slog.Logger

	mu     sync.Mutex
	tok    *oauth2.Token
	loaded bool
}

func newTokenSource(conf *oauth2.Config, path string, hc *http.Client, logger *slog.Logger) *tokenSource {
	return &tokenSource{conf: conf, path: path, http: hc, logger: logger}
}

var _ authenticator = (*tokenSource)(nil)

func (s *tokenSource) errNoLogin() error {
	return &connectors.APIError{Service: service, Status: http.StatusUnauthorized, Code: "NOT_LOGGED_IN",
		Message: "no OAuth token stored for this connection; run kopla login", Kind: connectors.ErrAuth}
}

// load reads the token file once. The caller holds s.mu.
func (s *tokenSource) load() error {
	if s.loaded {
		return nil
	}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s.errNoLogin()
	}
	if err != nil {
		return fmt.Errorf("hubspot: read token: %w", err)
	}
	var t oauth2.Token
	if err := json.Unmarshal(b, &t); err != nil {
		return fmt.Errorf("hubspot: token file %s is damaged (run kopla login again): %w", s.path, err)
	}
	s.tok, s.loaded = &t, true
	return nil
}

func (s *tokenSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return "", err
	}
	if s.tok.Valid() {
		return s.tok.AccessToken, nil
	}
	if err := s.refreshLocked(ctx); err != nil {
		return "", err
	}
	return s.tok.AccessToken, nil
}

// refresh gets a new access token after a 401, unless another request
// already replaced the stale one.
func (s *tokenSource) refresh(ctx context.Context, stale string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return false, err
	}
	if s.tok.AccessToken != stale && s.tok.Valid() {
		return true, nil
	}
	if err := s.refreshLocked(ctx); err != nil {
		return false, err
	}
	return true, nil
}

func (s *tokenSource) refreshLocked(ctx context.Context) error {
	if s.tok.RefreshToken == "" {
		return s.errNoLogin()
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.http)
	// An expired token makes the library's source refresh it.
	old := &oauth2.Token{RefreshToken: s.tok.RefreshToken, Expiry: time.Unix(1, 0)}
	nt, err := s.conf.TokenSource(ctx, old).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 {
			return &connectors.APIError{Service: service, Status: re.Response.StatusCode, Code: re.ErrorCode,
				Message: "refreshing the OAuth token failed (" + re.ErrorDescription + "); run kopla login again", Kind: connectors.ErrAuth}
		}
		// The token endpoint failed or timed out: nothing was sent yet, a retry may do.
		return &rest.TemporaryError{Err: fmt.Errorf("hubspot: refresh OAuth token: %w", err)}
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = s.tok.RefreshToken
	}
	s.tok = nt
	s.logger.DebugContext(ctx, "oauth token refreshed", "expiry", nt.Expiry)
	return saveToken(s.path, nt)
}

// set replaces the token (after a login) and stores it.
func (s *tokenSource) set(t *oauth2.Token) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok, s.loaded = t, true
	return saveToken(s.path, t)
}

// saveToken writes the token as JSON readable by its owner only.
func saveToken(path string, t *oauth2.Token) error {
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("hubspot: encode token: %w", err)
	}
	if err := writeFileAtomic(path, b, 0o600); err != nil {
		return fmt.Errorf("hubspot: save token: %w", err)
	}
	return nil
}

// Login runs the OAuth authorization-code flow: it listens on 127.0.0.1 for
// HubSpot's redirect, sends the person to the authorize page, checks the
// state, exchanges the code and stores the tokens (file mode 0600).
func (c *Connector) Login(ctx context.Context, ui connectors.LoginUI) error {
	if c.settings.oauth == nil {
		return fmt.Errorf("hubspot: connection %q uses a token; login needs an oauth block with client_id and client_secret", c.name)
	}
	addr := ui.ListenAddr
	if addr == "" {
		addr = "127.0.0.1:" + strconv.Itoa(c.settings.oauth.redirectPort)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("hubspot: login: listen for the redirect on %s: %w", addr, err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/callback"
	conf := c.oauthConfig(redirect)

	state, err := randomString()
	if err != nil {
		return fmt.Errorf("hubspot: login: %w", err)
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier))

	type outcome struct {
		code string
		err  error
	}
	done := make(chan outcome, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var o outcome
		switch {
		case q.Get("state") != state:
			o.err = errors.New("hubspot: login: the redirect's state does not match; start the login again")
		case q.Get("error") != "":
			o.err = fmt.Errorf("hubspot: login refused: %s %s", q.Get("error"), q.Get("error_description"))
		case q.Get("code") == "":
			o.err = errors.New("hubspot: login: the redirect carries no code")
		default:
			o.code = q.Get("code")
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if o.err != nil {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "<p>Login failed: %s</p>", html.EscapeString(o.err.Error()))
		} else {
			fmt.Fprint(w, "<p>kopla is logged in to HubSpot. You can close this window.</p>")
		}
		select {
		case done <- o:
		default:
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }() // ends with srv.Close below
	defer srv.Close()

	out := ui.Out
	if out != nil {
		fmt.Fprintf(out, "Open this URL to log in to HubSpot:\n\n  %s\n\nWaiting for HubSpot to redirect to %s ...\n", authURL, redirect)
	}
	if ui.OpenURL != nil {
		if err := ui.OpenURL(authURL); err != nil && out != nil {
			fmt.Fprintf(out, "Could not open a browser (%v); open the URL yourself.\n", err)
		}
	}
	var o outcome
	select {
	case <-ctx.Done():
		return fmt.Errorf("hubspot: login: %w", ctx.Err())
	case o = <-done:
	}
	if o.err != nil {
		return o.err
	}
	xctx := context.WithValue(ctx, oauth2.HTTPClient, c.client.http)
	tok, err := conf.Exchange(xctx, o.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return fmt.Errorf("hubspot: login: exchange the code for a token: %w", err)
	}
	if err := c.tokens.set(tok); err != nil {
		return err
	}
	if out != nil {
		fmt.Fprintf(out, "Logged in; the token is stored in %s.\n", c.tokens.path)
	}
	return nil
}

func randomString() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
