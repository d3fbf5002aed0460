package eaccountingtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/fakekit"
)

// Options configure a Server. The zero value is a server with the real limits.
type Options struct {
	// ClientID and ClientSecret are the credentials the identity server
	// accepts; empty means generated.
	ClientID, ClientSecret string
	// RateLimit is the number of requests per RateWindow per endpoint
	// (0 = 600, the real limit); RateWindow defaults to one minute. Tests
	// scale both down.
	RateLimit  int
	RateWindow time.Duration
	// Clock is the time source (nil = time.Now).
	Clock func() time.Time
	// Logger receives one debug line per request (nil = discard).
	Logger *slog.Logger
	// AccessTokenTTL is the access token lifetime (0 = 1 hour).
	AccessTokenTTL time.Duration
	// ReusableRefreshTokens makes refresh tokens non-rotating, like the
	// identity clients Visma created after its "Changes to Identity Server
	// clients" notice. The default is rotating (single-use) refresh tokens.
	ReusableRefreshTokens bool
	// MaxURLLength is the longest request URI (path and query) accepted;
	// longer ones get 414 (0 = 2048).
	MaxURLLength int
}

// Fault makes matching requests misbehave (see fakekit.Fault). A 429
// Status answers the per-endpoint rate-limit body.
type Fault = fakekit.Fault

// Server is the fake. It is an http.Handler and safe for concurrent use.
type Server struct {
	log          *slog.Logger
	now          func() time.Time
	clientID     string
	clientSecret string
	tokenTTL     time.Duration
	rateLimit    int
	rateWindow   time.Duration
	maxURL       int
	rotate       bool
	mux          *http.ServeMux

	counts fakekit.Counters
	faults fakekit.Faults
	hits   fakekit.Windows // rate-limit window per endpoint

	mu      sync.Mutex
	codes   map[string]authCode
	access  map[string]token
	refresh map[string]token
	data    *store
	direct  string // set by NewTestServer
	// connRefresh is the refresh token Connection hands out, issued on its
	// first call.
	connRefresh string
	// pdfLinks are the issued invoice PDF links, by token (see pdf.go).
	pdfLinks map[string]pdfLink
}

type authCode struct {
	redirectURI     string
	scope           string
	expires         time.Time
	challenge       string // PKCE
	challengeMethod string
}

type token struct {
	scope   string
	expires time.Time // zero for refresh tokens
}

// New returns a server with empty data; call SeedDemoCompany or Seed to fill it.
func New(opts Options) *Server {
	s := &Server{
		log:          opts.Logger,
		now:          opts.Clock,
		clientID:     opts.ClientID,
		clientSecret: opts.ClientSecret,
		tokenTTL:     opts.AccessTokenTTL,
		rateLimit:    opts.RateLimit,
		rateWindow:   opts.RateWindow,
		maxURL:       opts.MaxURLLength,
		rotate:       !opts.ReusableRefreshTokens,
		codes:        map[string]authCode{},
		access:       map[string]token{},
		refresh:      map[string]token{},
		pdfLinks:     map[string]pdfLink{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.clientID == "" {
		s.clientID = "kopla-test-" + randomHex(4)
	}
	if s.clientSecret == "" {
		s.clientSecret = randomHex(16)
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = time.Hour
	}
	if s.rateLimit <= 0 {
		s.rateLimit = 600
	}
	if s.rateWindow <= 0 {
		s.rateWindow = time.Minute
	}
	if s.maxURL <= 0 {
		s.maxURL = 2048
	}
	s.data = newStore()
	s.mux = http.NewServeMux()
	s.routes()
	return s
}

// contractSlot serialises test servers bound to the fixed contract-check
// address (EACCOUNTINGTEST_ADDR), which only one of them can hold at a time.
var contractSlot = make(chan struct{}, 1)

// NewTestServer starts New(opts) on a local httptest server, closed when the
// test ends, and returns it with its base URL: the API is at base+"/v2" and
// the identity server at base+"/connect/...".
//
// For contract checks the server can sit behind specproxy: when both
// SPECPROXY_URL and EACCOUNTINGTEST_ADDR are set, the server listens on
// EACCOUNTINGTEST_ADDR (the proxy's upstream, waiting while another test
// holds it) and the returned base URL is SPECPROXY_URL, so that every
// request of the test passes through the proxy.
func NewTestServer(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := New(opts)
	proxy, addr := os.Getenv("SPECPROXY_URL"), os.Getenv("EACCOUNTINGTEST_ADDR")
	if proxy == "" || addr == "" {
		ts := httptest.NewServer(s)
		t.Cleanup(ts.Close)
		s.direct = ts.URL
		return s, ts.URL
	}
	select {
	case contractSlot <- struct{}{}:
	case <-time.After(time.Minute):
		t.Fatalf("eaccountingtest: another test server holds EACCOUNTINGTEST_ADDR %s; in contract-check mode a test can run one server at a time", addr)
	}
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		<-contractSlot
		t.Fatalf("eaccountingtest: listen on EACCOUNTINGTEST_ADDR %s: %v", addr, err)
	}
	ts := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s}}
	// No keep-alive: the proxy must not keep pooled connections to this
	// address, which the next test's server will own.
	ts.Config.SetKeepAlivesEnabled(false)
	ts.Start()
	s.direct = ts.URL
	t.Cleanup(func() {
		ts.Close()
		<-contractSlot
	})
	return s, strings.TrimSuffix(proxy, "/")
}

// DirectURL is the base URL of the server itself, set by NewTestServer.
// It differs from the base URL NewTestServer returns only in contract-check
// mode, where that one is the proxy's: the identity endpoints are not in the
// API's Swagger, so tests send token requests here to keep them out of the
// contract report.
func (s *Server) DirectURL() string { return s.direct }

// ClientID returns the client id the identity server accepts.
func (s *Server) ClientID() string { return s.clientID }

// ClientSecret returns the client secret the identity server accepts.
func (s *Server) ClientSecret() string { return s.clientSecret }

// Requests returns how many requests reached an endpoint, keyed by method
// and route as in the Swagger ("GET /v2/customers/{customerId}"); "*" is the
// total. Requests refused by rate limits, faults or auth are counted too.
func (s *Server) Requests(key string) int { return s.counts.Get(key) }

// ResetCounters sets every request counter to zero.
func (s *Server) ResetCounters() { s.counts.Reset() }

// InjectFault adds a fault; faults are tried in the order they were added.
func (s *Server) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.faults.Clear() }

// WaitCommits waits until the writes a fault delays (Fault.CommitDelay)
// are committed.
func (s *Server) WaitCommits() { s.faults.WaitCommits("") }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RequestURI()) > s.maxURL {
		s.count("*")
		// Answered by the web server in front of the API, not by the API:
		// no JSON envelope.
		http.Error(w, "Request URI Too Long", http.StatusRequestURITooLong)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) count(keys ...string) { s.counts.Add(keys...) }

// handle registers an API endpoint: counted, subject to faults, bearer
// auth and the per-endpoint rate limit.
func (s *Server) handle(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.serve(pattern, true, w, r, h)
	})
}

// handleIdentity registers an identity-server endpoint: counted and subject
// to faults, but neither authenticated by bearer token nor rate limited.
func (s *Server) handleIdentity(pattern string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.serve(pattern, false, w, r, h)
	})
}

func (s *Server) serve(pattern string, api bool, w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	s.count("*", pattern)
	start := s.now()
	f := s.faults.Take(r)
	if f != nil && f.Status != 0 && !f.DropAfterCommit {
		// Answered before authentication, as a failing gateway would.
		fakekit.Serve(w, r, f, s.writeFault, nil)
		return
	}
	if api && !s.admit(pattern, w, r) {
		f.Release()
		return
	}
	if r.Method != http.MethodGet && (f == nil || f.CommitDelay == 0) {
		// A write waits for one still committing to the same collection
		// (Fault.CommitDelay), as a store's locks would have it; reads see
		// what is committed.
		s.faults.WaitCommits(r.URL.Path)
	}
	fakekit.Serve(w, r, f, s.writeFault, func(w http.ResponseWriter) { h(w, r) })
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "eaccountingtest request",
		slog.String("http.method", r.Method), slog.String("route", pattern),
		slog.Duration("elapsed", s.now().Sub(start)))
}

// admit authenticates an API request and applies the rate limit; it
// answers the refusal itself.
func (s *Server) admit(pattern string, w http.ResponseWriter, r *http.Request) bool {
	tok, ok := s.bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, codeNotAuthorized, "AuthorizationException - Authorization has been denied for this request.")
		return false
	}
	if need := requiredScopes(r.Method, pattern); !hasScope(tok.scope, need) {
		writeError(w, http.StatusForbidden, codeNoScopes,
			"NoAccessToScopes - This endpoint requires any of the following scopes: "+strings.Join(need, ", ")+" (and ea:api).")
		return false
	}
	if _, wait, ok := s.hits.Allow(pattern, s.rateLimit, s.rateWindow, s.now()); !ok {
		s.writeRateLimited(w, wait)
		return false
	}
	return true
}

func (s *Server) writeFault(w http.ResponseWriter, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		s.writeRateLimited(w, s.rateWindow)
	case status == http.StatusUnauthorized:
		writeError(w, status, codeNotAuthorized, "AuthorizationException - Authorization has been denied for this request.")
	case status == http.StatusNotFound:
		writeError(w, status, codeNotFound, "ResourceNotFoundException - The resource was not found.")
	case status >= 500:
		writeError(w, status, codeInternal, "An internal server error occurred. Please contact support with the ErrorId.")
	default:
		writeError(w, status, codeInvalidInput, http.StatusText(status))
	}
}

func (s *Server) writeRateLimited(w http.ResponseWriter, wait time.Duration) {
	per := "Minute"
	if s.rateWindow != time.Minute {
		per = s.rateWindow.String()
	}
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	writeError(w, http.StatusTooManyRequests, codeTooManyRequests,
		fmt.Sprintf("API calls quota exceeded! maximum admitted %d per %s. Try again in %d seconds.", s.rateLimit, per, secs))
}

// bearer returns the valid access token of a request.
func (s *Server) bearer(r *http.Request) (token, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(h, "bearer ")
	}
	if !ok || tok == "" {
		return token{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.access[tok]
	return t, ok && s.now().Before(t.expires)
}

// requiredScopes lists the scopes of which an endpoint needs any one (on
// top of ea:api), after the "Requires any of the following scopes" notes
// of the Swagger's operations; reads also accept the _readonly variants.
func requiredScopes(method, pattern string) []string {
	_, path, _ := strings.Cut(pattern, " ")
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/v2/"), "/")
	var base []string
	switch seg {
	case "termsofpayments", "currencies":
		base = []string{"ea:sales", "ea:purchase"}
	case "vatcodes", "accounts":
		base = []string{"ea:accounting"}
	case "fiscalyears", "costcenters", "costcenteritems":
		base = []string{"ea:sales", "ea:accounting"}
	case "projects":
		base = []string{"ea:accounting"}
		if method == http.MethodGet {
			base = []string{"ea:accounting", "ea:sales", "ea:purchase"}
		}
	case "bankaccounts":
		base = []string{"ea:accounting", "ea:purchase"}
	default: // customers, articles, sales documents, labels, units, delivery, countries, company settings
		base = []string{"ea:sales"}
	}
	if method != http.MethodGet {
		return base
	}
	need := slices.Clone(base)
	for _, b := range base {
		need = append(need, b+"_readonly")
	}
	return need
}

func hasScope(granted string, anyOf []string) bool {
	have := strings.Fields(granted)
	if !slices.Contains(have, "ea:api") {
		return false
	}
	for _, s := range anyOf {
		if slices.Contains(have, s) {
			return true
		}
	}
	return false
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Kind is the connector kind the fake stands in for (fakekit.Sandboxed).
func (s *Server) Kind() string { return "eaccounting" }

// Connection points an eaccounting connection at the fake served at base:
// the API under /v2, the identity server at the root, and a refresh token
// issued once, so that every connection (and every printed credential)
// starts from the same one. Serve the fake with ReusableRefreshTokens for
// it to stay valid.
func (s *Server) Connection(base string) []fakekit.Setting {
	s.mu.Lock()
	refresh := s.connRefresh
	s.mu.Unlock()
	if refresh == "" {
		refresh = s.IssueRefreshToken()
		s.mu.Lock()
		if s.connRefresh == "" {
			s.connRefresh = refresh
		}
		refresh = s.connRefresh
		s.mu.Unlock()
	}
	return []fakekit.Setting{
		{Name: "base_url", Value: base + "/v2"},
		{Name: "identity_url", Value: base},
		{Name: "client_id", Value: s.ClientID()},
		{Name: "client_secret", Value: s.ClientSecret(), Sensitive: true},
		{Name: "refresh_token", Value: refresh, Sensitive: true},
	}
}

// EnvPrefixes are the prefixes of eaccounting connections' variables
// (Visma's name included).
func (s *Server) EnvPrefixes() []string { return []string{"EACCOUNTING_", "VISMA_"} }

var _ fakekit.Sandboxed = (*Server)(nil)
