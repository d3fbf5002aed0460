package eaccounting

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/rest"
)

// eAccountingServiceACR restricts the Visma Online company picker to
// companies that have eAccounting (developer.vismaonline.com, authentication).
const eAccountingServiceACR = "service:44643EB1-3F76-4C1C-A672-402AE8085934"

// tokenFile keeps one connection's OAuth token as JSON, readable by its
// owner only: the refresh token is as good as a password.
type tokenFile struct {
	path string
}

// load returns the stored token, or nil when none is stored.
func (f tokenFile) load() (*oauth2.Token, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read token: %w", err)
	}
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, fmt.Errorf("read token %s: %w", f.path, err)
	}
	return &tok, nil
}

// save writes the token atomically (temporary file, then rename), so that a
// crash never leaves a half-written file and with it a lost refresh token.
func (f tokenFile) save(tok *oauth2.Token) error {
	b, err := json.MarshalIndent(tok, "", "  ")
	if err != nil {
		return fmt.Errorf("encode token: %w", err)
	}
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".token-*.json")
	if err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save token: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save token: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("save token: %w", err)
	}
	return nil
}

// tokenSource hands out access tokens and refreshes them. Refreshes are
// serialised by mu: eAccounting clients created before the identity-server
// change rotate refresh tokens, and using one twice kills the chain, so two
// requests that find the token expired at the same time must lead to one
// refresh. Every refreshed token is saved before it is used.
type tokenSource struct {
	conn   string // the connection as kopla login takes it: "eaccounting.books"
	conf   *oauth2.Config
	file   tokenFile
	seed   string       // refresh_token setting: used when nothing is stored
	client *http.Client // transport for the identity server
	// shared, when set, keeps the token for all the project's workers
	// (under the key conn) and serialises their refreshes; file is then
	// only read once, to carry a token over from a single worker.
	shared connectors.SharedTokens

	mu     sync.Mutex
	tok    *oauth2.Token
	loaded bool
	// dead is set once the refresh token is refused: every later request
	// fails at once instead of asking the identity server again.
	dead error
}

// errLoginAgain builds the error that tells the user to log in again.
func (s *tokenSource) errLoginAgain(cause error) error {
	err := &connectors.APIError{
		Service: service,
		Status:  http.StatusUnauthorized,
		Code:    "invalid_grant",
		Message: fmt.Sprintf("the refresh token was refused; run kopla login %s again", s.conn),
		Kind:    connectors.ErrAuth,
	}
	if cause != nil {
		err.Message += " (" + cause.Error() + ")"
	}
	return err
}

// errBadClient builds the error for client credentials the identity
// server refused (invalid_client, unauthorized_client): the refresh token
// may be fine, the client_id or client_secret is not.
func (s *tokenSource) errBadClient(code string) error {
	return &connectors.APIError{
		Service: service,
		Status:  http.StatusUnauthorized,
		Code:    code,
		Message: fmt.Sprintf("the identity server refused the client_id or client_secret of connection %s (%s); "+
			"check both in its connection block against the app in the Visma Developer Portal", s.conn, code),
		Kind: connectors.ErrAuth,
	}
}

// current returns the token in use, loading it on first use. The caller holds mu.
func (s *tokenSource) current() (*oauth2.Token, error) {
	if s.dead != nil && s.shared != nil {
		// A kopla login elsewhere may have stored a new token for all the
		// workers: one read, while the connection is dead anyway.
		if tok, err := s.load(); err == nil && tok != nil && (s.tok == nil || tok.RefreshToken != s.tok.RefreshToken) {
			s.tok, s.dead = tok, nil
		}
	}
	if s.dead != nil {
		return nil, s.dead
	}
	if !s.loaded {
		tok, err := s.load()
		if err != nil {
			return nil, err
		}
		if tok == nil && s.seed != "" {
			tok = &oauth2.Token{RefreshToken: s.seed}
		}
		// Shared, nothing stored yet: another worker or a login may store
		// one, so look again next time.
		s.tok, s.loaded = tok, tok != nil || s.shared == nil
	}
	if s.tok == nil {
		return nil, &connectors.APIError{
			Service: service,
			Message: fmt.Sprintf("no token stored for connection %q; run kopla login %s, or set refresh_token in its connection block", s.conn, s.conn),
			Kind:    connectors.ErrAuth,
		}
	}
	return s.tok, nil
}

// load reads the stored token: the shared one, or the file (also when
// nothing is shared yet), nil when there is none.
func (s *tokenSource) load() (*oauth2.Token, error) {
	if s.shared == nil {
		return s.file.load()
	}
	// Called under mu without the request's context: bound the wait.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := s.shared.Load(ctx, s.conn)
	if err != nil {
		return nil, &rest.TemporaryError{Err: fmt.Errorf("read the shared token of %s: %w", s.conn, err)}
	}
	if b == nil {
		return s.file.load()
	}
	return decodeToken(b, s.conn)
}

func decodeToken(b []byte, conn string) (*oauth2.Token, error) {
	var tok oauth2.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return nil, fmt.Errorf("read the shared token of %s: %w", conn, err)
	}
	return &tok, nil
}

// token returns a valid access token, refreshing it when it has expired.
func (s *tokenSource) token(ctx context.Context) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, err := s.current()
	if err != nil {
		return nil, err
	}
	if tok.Valid() {
		return tok, nil
	}
	return s.refreshLocked(ctx, tok)
}

// refresh replaces a token the API refused (401). When another request has
// refreshed it meanwhile, the newer token is returned without a second
// refresh.
func (s *tokenSource) refresh(ctx context.Context, refused *oauth2.Token) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok, err := s.current()
	if err != nil {
		return nil, err
	}
	if tok.AccessToken != refused.AccessToken && tok.Valid() {
		return tok, nil
	}
	return s.refreshLocked(ctx, tok)
}

// refreshLocked redeems the refresh token and persists the answer. The
// caller holds mu.
func (s *tokenSource) refreshLocked(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
	if s.shared != nil {
		return s.refreshShared(ctx, old)
	}
	tok, err := s.redeemChain(ctx, old)
	if err != nil {
		return nil, err
	}
	if err := s.file.save(tok); err != nil {
		// Keep going with the new token in memory: it is valid, and the next
		// refresh tries to save again.
		s.tok = tok
		return nil, fmt.Errorf("refreshed token not saved, run kopla login %s if the next run fails: %w", s.conn, err)
	}
	s.tok = tok
	return tok, nil
}

// refreshShared refreshes under the shared store's lock: it re-reads the
// stored token first, since another worker may have rotated it meanwhile
// (redeeming the spent refresh token would kill the chain), and stores
// the new one before the lock is released. The caller holds mu.
func (s *tokenSource) refreshShared(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
	var tok *oauth2.Token
	var refErr error
	redeemed := false
	err := s.shared.Update(ctx, s.conn, func(stored []byte) ([]byte, error) {
		cur := old
		if stored != nil {
			st, err := decodeToken(stored, s.conn)
			if err != nil {
				return nil, err
			}
			if st.AccessToken != old.AccessToken && st.Valid() {
				tok = st // refreshed by another worker
				return nil, nil
			}
			if st.RefreshToken != "" {
				cur = st // ours may be spent: the stored one is the chain's end
			}
		}
		t, err := s.redeemChain(ctx, cur)
		if err != nil {
			refErr = err
			return nil, err
		}
		b, err := json.Marshal(t)
		if err != nil {
			return nil, fmt.Errorf("encode token: %w", err)
		}
		tok, redeemed = t, true
		return b, nil
	})
	if refErr != nil {
		return nil, refErr
	}
	if err != nil {
		if redeemed {
			// Redeemed but not stored: the other workers still hold the
			// spent refresh token. Keep the new one here and say so.
			s.tok = tok
			return nil, fmt.Errorf("refreshed token not stored for the other workers, run kopla login %s if they fail: %w", s.conn, err)
		}
		return nil, &rest.TemporaryError{Err: fmt.Errorf("refresh token of %s under the shared lock: %w", s.conn, err)}
	}
	s.tok = tok
	return tok, nil
}

// redeemChain redeems old's refresh token (or the refresh_token setting
// once the stored chain is dead) and classifies the identity server's
// refusals. The caller holds mu.
func (s *tokenSource) redeemChain(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
	if old.RefreshToken == "" {
		return nil, s.errLoginAgain(nil)
	}
	tok, err := s.redeem(ctx, old.RefreshToken)
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_grant" && s.seed != "" && s.seed != old.RefreshToken {
		// A new refresh_token setting (CI secret) replaces a dead stored chain.
		tok, err = s.redeem(ctx, s.seed)
	}
	if err != nil {
		if errors.As(err, &re) {
			switch re.ErrorCode {
			case "invalid_client", "unauthorized_client":
				// The app's credentials are wrong: logging in again would
				// send the same ones.
				s.dead = s.errBadClient(re.ErrorCode)
				return nil, s.dead
			case "invalid_grant":
				s.dead = s.errLoginAgain(err)
				return nil, s.dead
			}
		}
		// The identity server failed or timed out: nothing was sent yet.
		return nil, &rest.TemporaryError{Err: fmt.Errorf("refresh token: %w", err)}
	}
	if tok.RefreshToken == "" {
		// Non-rotating clients may answer without a new refresh token.
		tok.RefreshToken = old.RefreshToken
	}
	return tok, nil
}

func (s *tokenSource) redeem(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.client)
	return s.conf.TokenSource(ctx, &oauth2.Token{RefreshToken: refreshToken}).Token()
}

// Login runs the OAuth2 authorization-code flow: it prints (and opens) the
// authorize URL, waits for the browser to come back to a local listener,
// checks the state, redeems the code and stores the token.
func (c *conn) Login(ctx context.Context, ui connectors.LoginUI) error {
	addr := ui.ListenAddr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("eaccounting: login: listen for the redirect on %s: %w", addr, err)
	}
	defer ln.Close()

	conf := *c.tokens.conf
	conf.RedirectURL = redirectURL(addr, ln.Addr())
	state, err := randomString()
	if err != nil {
		return fmt.Errorf("eaccounting: login: %w", err)
	}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL(state,
		oauth2.SetAuthURLParam("prompt", "select_account"),
		oauth2.SetAuthURLParam("acr_values", eAccountingServiceACR),
		oauth2.S256ChallengeOption(verifier),
	)

	type result struct {
		tok *oauth2.Token
		err error
	}
	done := make(chan result, 1)
	var once sync.Once
	finish := func(r result) { once.Do(func() { done <- r }) }

	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch {
		case q.Get("state") != state:
			// Not ours (a stale tab, or forged): refuse, keep waiting.
			http.Error(w, "kopla: unexpected state; start kopla login again", http.StatusBadRequest)
			return
		case q.Get("error") != "":
			msg := q.Get("error")
			if d := q.Get("error_description"); d != "" {
				msg += ": " + d
			}
			http.Error(w, "kopla: login refused: "+msg, http.StatusBadRequest)
			finish(result{err: fmt.Errorf("eaccounting: login refused by the identity server: %s", msg)})
			return
		case q.Get("code") == "":
			http.Error(w, "kopla: no authorization code in the redirect", http.StatusBadRequest)
			return
		}
		xctx := context.WithValue(r.Context(), oauth2.HTTPClient, c.tokens.client)
		tok, err := conf.Exchange(xctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			http.Error(w, "kopla: the authorization code was not accepted; see the terminal", http.StatusBadGateway)
			var re *oauth2.RetrieveError
			if errors.As(err, &re) && (re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client") {
				err = c.tokens.errBadClient(re.ErrorCode)
			}
			finish(result{err: fmt.Errorf("eaccounting: login: redeem the authorization code: %w", err)})
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<p>kopla: connection %s is logged in. You can close this window.</p>", html.EscapeString(c.name))
		finish(result{tok: tok})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed after Shutdown below
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx) //nolint:errcheck // best effort
	}()

	if ui.Out != nil {
		fmt.Fprintf(ui.Out, "Open this URL to log in connection %s to Visma eAccounting:\n\n  %s\n\nWaiting for the browser on %s ...\n", c.name, authURL, conf.RedirectURL)
	}
	if ui.OpenURL != nil {
		if err := ui.OpenURL(authURL); err != nil && ui.Out != nil {
			fmt.Fprintf(ui.Out, "Could not open a browser (%v); open the URL above yourself.\n", err)
		}
	}

	select {
	case <-ctx.Done():
		return fmt.Errorf("eaccounting: login: %w", ctx.Err())
	case r := <-done:
		if r.err != nil {
			return r.err
		}
		c.tokens.mu.Lock()
		defer c.tokens.mu.Unlock()
		if err := c.tokens.file.save(r.tok); err != nil {
			return fmt.Errorf("eaccounting: login: %w", err)
		}
		if sh := c.tokens.shared; sh != nil {
			b, err := json.Marshal(r.tok)
			if err == nil {
				err = sh.Update(ctx, c.tokens.conn, func([]byte) ([]byte, error) { return b, nil })
			}
			if err != nil {
				return fmt.Errorf("eaccounting: login: store the token for the other workers: %w", err)
			}
		}
		c.tokens.tok, c.tokens.loaded, c.tokens.dead = r.tok, true, nil
		if ui.Out != nil {
			fmt.Fprintf(ui.Out, "Logged in; token saved to %s\n", c.tokens.file.path)
		}
		return nil
	}
}

func randomString() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// redirectURL is the callback URL of the listener. It keeps the host the
// user gave ("localhost:8765"), since the identity server compares it with
// the registered redirect URI verbatim, and takes the port from the
// listener when the address asked for any port.
func redirectURL(asked string, got net.Addr) string {
	host, _, err := net.SplitHostPort(asked)
	_, port, err2 := net.SplitHostPort(got.String())
	if err != nil || err2 != nil || host == "" {
		return "http://" + got.String() + "/callback"
	}
	return "http://" + net.JoinHostPort(host, port) + "/callback"
}
