// Package dashboard is kopla's web dashboard: the flows, runs, records and
// failures of a project's state, as server-rendered pages (html/template,
// with htmx for navigation without full reloads; every page reads without
// JavaScript). kopla serve mounts it under / and kopla ui serves it alone.
package dashboard

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kopla-dev/kopla/engine/state"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Retrier retries the failed records of a flow: it plans and applies the
// flow for those source keys only, and returns the run it recorded.
type Retrier interface {
	RetryRecords(ctx context.Context, flow string, keys []string) (runID string, err error)
}

// Project is what the dashboard shows of the project's configuration. It
// holds no secrets: connections are named, never their settings.
type Project struct {
	Flows         []Flow
	Connections   []string // kind.name
	Variables     []Variable
	Notifications []Notification
	// LogRetentionDays is how long the activity log is kept; 0 is the default.
	LogRetentionDays int
}

// Flow is one flow of the project.
type Flow struct {
	Name, Source, Target string
	// Schedule is when the flow runs when served; "" when it runs on demand.
	Schedule       string
	Disabled       bool
	DisabledReason string
}

// Variable is one variable; the value of a sensitive one is not given.
type Variable struct {
	Name, Value string
	Sensitive   bool
}

// Notification is one notify block: its name, rules and flows.
type Notification struct {
	Name  string
	Rules []string
	Flows []string
}

// Auth is the credential the dashboard asks for. With neither set, every
// visitor is the local user: only for a listener on loopback.
type Auth struct {
	// Token is compared in constant time with what the login form gets.
	Token string
	// PasswordHash is a bcrypt hash of the password.
	PasswordHash string
}

// Configured reports whether a credential is set.
func (a Auth) Configured() bool { return a.Token != "" || a.PasswordHash != "" }

// Options configure the dashboard.
type Options struct {
	Store   *state.Store
	Project Project
	// Retrier retries failed records; nil leaves retry out (a read-only
	// dashboard).
	Retrier Retrier
	// ReadOnly leaves out what writes the state (ignore, forget).
	ReadOnly bool
	// Lock guards the writes of ignore and forget; nil takes the state's
	// lock for each write (kopla ui, beside no apply).
	Lock func(ctx context.Context) (unlock func() error, err error)
	Auth Auth
	// SecureCookies marks cookies Secure (the listener serves HTTPS).
	SecureCookies bool
	Logger        *slog.Logger
	Now           func() time.Time
	// PageSize is the rows of a list page; 0 means 50.
	PageSize int
	// RecordURL is the address of a record in its system's web app
	// (object as a flow names it: "hubspot.shop.contacts"), "" when none
	// is known; nil links to none.
	RecordURL func(ctx context.Context, object, id string) string
}

type server struct {
	opts  Options
	pages map[string]*template.Template
	log   *slog.Logger
	now   func() time.Time
	sess  *sessions

	// counts caches the summaries of finished runs, which change
	// only by ignore and forget (which clear it).
	mu     sync.Mutex
	counts map[int64]state.RunSummary
}

// New returns the dashboard's handler.
func New(opts Options) (http.Handler, error) {
	_, h, err := newServer(opts)
	return h, err
}

func newServer(opts Options) (*server, http.Handler, error) {
	if opts.Store == nil {
		return nil, nil, errors.New("dashboard: no state store")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 50
	}
	pages, err := parsePages()
	if err != nil {
		return nil, nil, err
	}
	s := &server{opts: opts, pages: pages, log: opts.Logger, now: opts.Now, sess: newSessions(opts.Now),
		counts: map[int64]state.RunSummary{}}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.authed(s.logout))
	mux.HandleFunc("GET /{$}", s.authed(s.flowsPage))
	mux.HandleFunc("GET /runs", s.authed(s.runsPage))
	mux.HandleFunc("GET /runs/{id}", s.authed(s.runPage))
	mux.HandleFunc("GET /record", s.authed(s.recordPage))
	mux.HandleFunc("GET /search", s.authed(s.searchPage))
	mux.HandleFunc("POST /search", s.authed(s.search))
	mux.HandleFunc("GET /failures", s.authed(s.failuresPage))
	mux.HandleFunc("POST /failures/retry", s.authed(s.retry))
	mux.HandleFunc("POST /failures/ignore", s.authed(s.ignore))
	mux.HandleFunc("GET /settings", s.authed(s.settingsPage))
	mux.HandleFunc("POST /forget", s.authed(s.forgetConfirm))
	mux.HandleFunc("POST /forget/confirm", s.authed(s.forget))
	return s, securityHeaders(mux), nil
}

func parsePages() (map[string]*template.Template, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/entries.html", "templates/chart.html")
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		if n == "templates/layout.html" || n == "templates/entries.html" || n == "templates/chart.html" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("dashboard: %w", err)
		}
		pages[n[len("templates/"):]] = t
	}
	return pages, nil
}

// securityHeaders sets the headers of every answer: a Content-Security-
// Policy that allows no inline script or style and no other origin, and
// no framing, sniffing or referrer.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
