package hubspottest

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/fakekit"
)

// Options configure a Server. The zero value is a usable server with a
// generated token and HubSpot's real limits.
type Options struct {
	// Token is the accepted private-app Bearer token; "" generates a random
	// one (see Server.Token).
	Token string
	// OAuth is the app the token endpoint accepts; nil generates one (see
	// Server.OAuthClient).
	OAuth *OAuthClient
	// Limits are the rate limits; the zero value is HubSpot's real defaults.
	Limits Limits
	// SearchIndexDelay is how long new and updated records take to show up
	// in search, as HubSpot's index lags writes (0 = immediately).
	SearchIndexDelay time.Duration
	// Clock is the time source (nil = time.Now).
	Clock func() time.Time
	// Logger gets one debug line per request (nil = discard).
	Logger *slog.Logger
	// PortalID is the account id (hub_id) in answers (0 = 12345678).
	PortalID int
	// OmitNullProperties leaves requested properties without a value out of
	// answers. HubSpot sends them as null, but its OpenAPI documents declare
	// property values as non-nullable strings; set this when traffic is
	// checked against those documents (contract checks).
	OmitNullProperties bool
}

// Limits are the rate limits. Zero fields take HubSpot's defaults for a
// Professional account; a negative field disables that limit.
type Limits struct {
	// Burst is the number of requests allowed per Window for the private-app
	// token (0 = 190, a Professional private app).
	Burst int
	// OAuthBurst is the same for tokens issued by the OAuth endpoint
	// (0 = 110, a public app per installing account).
	OAuthBurst int
	// Window is the rolling window of Burst (0 = 10 s).
	Window time.Duration
	// Daily is the requests allowed per day (UTC) for the account's private
	// apps (0 = 625,000). OAuth requests do not count and carry no daily headers.
	Daily int
	// Search is the number of search requests allowed per SearchWindow for
	// the account (0 = 5).
	Search int
	// SearchWindow is the window of Search (0 = 1 s).
	SearchWindow time.Duration
	// Associations is the number of association batch requests allowed
	// per Window for the account (0 = 150, Professional); they are exempt
	// from Burst. The answers carry no headers of this limit.
	Associations int
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.Burst, 190)
	def(&l.OAuthBurst, 110)
	def(&l.Daily, 625000)
	def(&l.Search, 5)
	def(&l.Associations, 150)
	if l.Window <= 0 {
		l.Window = 10 * time.Second
	}
	if l.SearchWindow <= 0 {
		l.SearchWindow = time.Second
	}
	return l
}

// OAuthClient is an OAuth app's credentials.
type OAuthClient struct {
	ClientID     string
	ClientSecret string
}

// Fault makes matching requests fail (see fakekit.Fault): a Status is
// answered with HubSpot's error body.
type Fault = fakekit.Fault

// Server is an in-memory HubSpot account served over HTTP.
type Server struct {
	opts   Options
	limits Limits
	now    func() time.Time
	log    *slog.Logger

	mu        sync.Mutex
	token     string
	oauth     OAuthClient
	codes     map[string]authCode
	access    map[string]time.Time // issued OAuth access token -> expiry
	refresh   map[string]bool      // issued refresh tokens
	props     map[string]map[string]*Property
	groups    map[string][]propertyGroup
	objects   map[string]map[string]*record
	nextID    int64
	assocs    map[assocKey]map[int]bool
	order     map[string][]*record                             // type -> records in id order
	values    map[string]map[string]map[string]map[string]bool // see index.go
	links     map[linkKey]map[string]bool                      // see index.go
	pipelines map[string][]pipeline                            // type -> pipelines, default first
	counters  fakekit.Counters
	faults    fakekit.Faults
	windows   fakekit.Windows // "burst:<class>", "search", "associations"
	daily     int
	dailyDay  string
}

// New returns a server; it is an http.Handler and opens no listener.
func New(opts Options) *Server {
	s := &Server{
		opts:      opts,
		limits:    opts.Limits.withDefaults(),
		now:       opts.Clock,
		log:       opts.Logger,
		token:     opts.Token,
		codes:     map[string]authCode{},
		access:    map[string]time.Time{},
		refresh:   map[string]bool{},
		props:     map[string]map[string]*Property{},
		groups:    map[string][]propertyGroup{},
		objects:   map[string]map[string]*record{},
		nextID:    1001,
		assocs:    map[assocKey]map[int]bool{},
		order:     map[string][]*record{},
		values:    map[string]map[string]map[string]map[string]bool{},
		links:     map[linkKey]map[string]bool{},
		pipelines: map[string][]pipeline{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.opts.PortalID == 0 {
		s.opts.PortalID = 12345678
	}
	if s.token == "" {
		s.token = "pat-na1-" + randomHex(16)
	}
	if opts.OAuth != nil {
		s.oauth = *opts.OAuth
	} else {
		s.oauth = OAuthClient{ClientID: randomHex(8), ClientSecret: randomHex(16)}
	}
	created := formatTime(s.now())
	for _, t := range objectTypes {
		// An object's own properties are in its information group, named
		// as HubSpot names it: contactinformation, lineiteminformation.
		group := strings.ReplaceAll(t.singular, "_", "") + "information"
		s.props[t.name] = map[string]*Property{}
		for _, p := range standardProperties(t) {
			p.CreatedAt, p.UpdatedAt = created, created
			if p.GroupName == "information" {
				p.GroupName = group
			}
			s.props[t.name][p.Name] = p
		}
		s.groups[t.name] = defaultGroups(t, group)
		s.objects[t.name] = map[string]*record{}
		if pls := defaultPipelines(t.name); pls != nil {
			s.pipelines[t.name] = pls
		}
	}
	return s
}

// NewTestServer serves s over httptest until the test ends and returns the
// base URL (no trailing slash).
func NewTestServer(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// Token is the accepted private-app token.
func (s *Server) Token() string { return s.token }

// OAuthClient is the app the token endpoint accepts.
func (s *Server) OAuthClient() OAuthClient { return s.oauth }

// PortalID is the account id.
func (s *Server) PortalID() int { return s.opts.PortalID }

// Requests returns how many requests the server received for key: a method
// and path template ("GET /crm/v3/objects/{objectType}/{objectId}"), the
// same with the object type filled in by its name
// ("POST /crm/v3/objects/contacts/batch/create"), or "*" for all requests.
// Requests refused by a fault, auth or a rate limit count too.
func (s *Server) Requests(key string) int { return s.counters.Get(key) }

// ResetCounters sets every counter to zero.
func (s *Server) ResetCounters() { s.counters.Reset() }

// InjectFault adds a fault; faults are tried in the order they were added.
func (s *Server) InjectFault(f Fault) { s.faults.Inject(f) }

// ClearFaults removes every fault.
func (s *Server) ClearFaults() { s.faults.Clear() }

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt := s.route(r)
	if rt.concrete != rt.template {
		s.counters.Add("*", rt.template, rt.concrete)
	} else {
		s.counters.Add("*", rt.template)
	}
	fault := s.faults.Take(r)

	// HubSpot's Date is its clock; the fake's is Clock (a client may take
	// its cursors from it).
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.log.Debug("hubspottest request", "http.method", r.Method, "http.route", rt.template, "http.status", rec.status)
	}()
	fakekit.Serve(rec, r, fault, s.writeFault, func(w http.ResponseWriter) { s.serve(w, r, rt) })
}

// writeFault answers an injected fault's status.
func (s *Server) writeFault(w http.ResponseWriter, status int) {
	writeError(w, newError(status, "INTERNAL_ERROR", "%s", http.StatusText(status)))
}

// serve authenticates, rate-limits and handles one request.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, rt route) {
	if rt.handler == nil {
		writeError(w, rt.err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !rt.public {
		class, err := s.authenticate(r)
		if err != nil {
			writeError(w, err)
			return
		}
		if err := s.limit(w, class, rt); err != nil {
			writeJSON(w, http.StatusTooManyRequests, err)
			return
		}
	}
	if err := rt.handler(w, r, rt.params); err != nil {
		writeError(w, err)
	}
}

// statusRecorder remembers the status for the log line.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Kind is the connector kind the fake stands in for (fakekit.Sandboxed).
func (s *Server) Kind() string { return "hubspot" }

// Connection points a hubspot connection at the fake served at base: the
// fake answers at its root, as api.hubapi.com does, and takes its private
// app token (the connector refuses a token together with an oauth block).
func (s *Server) Connection(base string) []fakekit.Setting {
	return []fakekit.Setting{
		{Name: "base_url", Value: base},
		{Name: "token", Value: s.Token(), Sensitive: true},
		{Name: "oauth"},
	}
}

// EnvPrefixes are the prefixes of hubspot connections' variables.
func (s *Server) EnvPrefixes() []string { return []string{"HUBSPOT_"} }

var _ fakekit.Sandboxed = (*Server)(nil)
