package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/connectors/fakekit"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
)

// Options configure a Sandbox. The zero value listens on free local ports
// with the default demo data and the real rate limits.
type Options struct {
	// HubSpotAddr and EAccountingAddr are the host:port to listen on;
	// "" means 127.0.0.1 with a free port.
	HubSpotAddr, EAccountingAddr string
	// Logger receives one debug line per request the fakes answer
	// (nil = discard).
	Logger *slog.Logger
	// Clock is the time source of the fakes and of the demo data's
	// timestamps (nil = time.Now). A clock that stands still makes the demo
	// data identical from run to run, but also stops the fakes' rate-limit
	// windows from sliding: keep the request count of such a test below
	// the limits, or loosen Limits.
	Clock func() time.Time
	// Seed is the demo data generator seed (0 = DefaultSeed), so the demo is
	// the same every time unless asked otherwise.
	Seed int64
	// LookupEnv is the real environment LookupEnv falls back from
	// (nil = os.LookupEnv); the CLI hands in its own for tests.
	LookupEnv func(string) (string, bool)
	// Limits are the fakes' rate limits; the zero value enforces the real
	// ones (HubSpot 190 requests per 10 s, eAccounting 600 per minute per
	// endpoint), so that the sandbox behaves like production.
	Limits Limits
	// BadRecord adds the demo's deliberately bad record: order 4002's gift
	// wrap line gets a SKU longer than the 40 characters an eAccounting
	// article number may have, which plan reports as that article's error
	// (and the order's) while every other record goes through.
	BadRecord bool
}

// Limits are the fakes' rate limits.
type Limits struct {
	// HubSpot are the HubSpot fake's limits (zero fields: HubSpot's).
	HubSpot hubspottest.Limits
	// EAccountingPerEndpoint is the number of requests per
	// EAccountingWindow per endpoint (0 = 600); the window defaults to a
	// minute.
	EAccountingPerEndpoint int
	EAccountingWindow      time.Duration
}

// Credential is one connection setting that points a connection at the
// sandbox, as `kopla sandbox` prints it.
type Credential struct {
	Kind    string // connector kind: "hubspot", "eaccounting"
	Setting string // setting name in the connection block: "token", "client_id", ...
	Value   string
	// Sensitive settings belong in the environment, not in flow files.
	Sensitive bool
}

// Sandbox is a running set of fakes (see registry) with the demo company.
type Sandbox struct {
	fakes []runningFake // in registry order
	env   func(string) (string, bool)

	servers   []*http.Server
	stop      func() bool // stops the context watch
	closeOnce sync.Once
	closeErr  error
}

// Start seeds both fakes with the demo company, listens and serves until
// Close is called or ctx is done.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opts.Clock
	if now == nil {
		now = time.Now
	}
	seed := opts.Seed
	if seed == 0 {
		seed = DefaultSeed
	}
	d := generate(seed, now(), opts.BadRecord)

	s := &Sandbox{env: opts.LookupEnv}
	if s.env == nil {
		s.env = os.LookupEnv
	}
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			_ = ln.Close()
		}
	}
	for _, spec := range registry {
		srv, err := spec.start(opts, d, log)
		if err == nil && srv.Kind() != spec.kind {
			err = fmt.Errorf("sandbox: the fake registered as %q says it is %q", spec.kind, srv.Kind())
		}
		if err != nil {
			closeAll()
			return nil, err
		}
		ln, err := listen(spec.addr(opts))
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("sandbox: %s: %w", spec.kind, err)
		}
		lns = append(lns, ln)
		s.fakes = append(s.fakes, runningFake{srv: srv, base: baseURL(ln.Addr())})
	}
	for i, ln := range lns {
		srv := &http.Server{Handler: s.fakes[i].srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
		s.servers = append(s.servers, srv)
		go func() {
			// Serve returns ErrServerClosed once Close shuts the server down.
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("sandbox: serve", "addr", ln.Addr().String(), "err", err)
			}
		}()
	}
	s.stop = context.AfterFunc(ctx, func() { _ = s.Close() })
	var started []any
	for _, f := range s.fakes {
		started = append(started, f.srv.Kind(), f.base)
	}
	log.Info("sandbox started", started...)
	return s, nil
}

func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return ln, nil
}

// baseURL is the URL clients reach a listener at: a listener on every
// interface (":8080", "0.0.0.0:8080") is reached at the loopback address.
func baseURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Close stops serving and frees both ports. It is safe to call more than once.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		var errs []error
		for _, srv := range s.servers {
			errs = append(errs, srv.Close())
		}
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}

// runningFake is one fake the sandbox serves.
type runningFake struct {
	srv  fakekit.Sandboxed
	base string // http://host:port, no trailing slash
}

// fake returns the running fake of a connector kind.
func (s *Sandbox) fake(kind string) (runningFake, bool) {
	for _, f := range s.fakes {
		if f.srv.Kind() == kind {
			return f, true
		}
	}
	return runningFake{}, false
}

// HubSpot is the HubSpot fake, for seeding more data and inspecting what a
// run did (Objects, Associations, Requests).
func (s *Sandbox) HubSpot() *hubspottest.Server {
	f, _ := s.fake("hubspot")
	return f.srv.(*hubspottest.Server)
}

// EAccounting is the eAccounting fake.
func (s *Sandbox) EAccounting() *eaccountingtest.Server {
	f, _ := s.fake("eaccounting")
	return f.srv.(*eaccountingtest.Server)
}

// setting returns the value of one of a kind's connection settings.
func (s *Sandbox) setting(kind, name string) string {
	f, ok := s.fake(kind)
	if !ok {
		return ""
	}
	for _, st := range f.srv.Connection(f.base) {
		if st.Name == name {
			return st.Value
		}
	}
	return ""
}

// HubSpotURL is the base_url of hubspot connections: the fake answers at
// its root, as api.hubapi.com does.
func (s *Sandbox) HubSpotURL() string { return s.setting("hubspot", "base_url") }

// EAccountingURL is the base_url of eaccounting connections: the /v2 API base.
func (s *Sandbox) EAccountingURL() string { return s.setting("eaccounting", "base_url") }

// IdentityURL is the identity_url of eaccounting connections (the token
// endpoint is under /connect).
func (s *Sandbox) IdentityURL() string { return s.setting("eaccounting", "identity_url") }

// Credentials are the settings that point connections at the sandbox, per
// fake in registry order.
func (s *Sandbox) Credentials() []Credential {
	var out []Credential
	for _, f := range s.fakes {
		for _, st := range f.srv.Connection(f.base) {
			if st.Value == "" {
				continue // a removal, not a credential
			}
			out = append(out, Credential{Kind: f.srv.Kind(), Setting: st.Name, Value: st.Value, Sensitive: st.Sensitive})
		}
	}
	return out
}
