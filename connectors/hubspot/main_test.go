package hubspot

import (
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
)

// contract, in contract mode, serves each test's fake behind the
// contract-checking proxy (see hubspottest.RunTests).
var contract *hubspottest.Switchboard

func TestMain(m *testing.M) {
	os.Exit(hubspottest.RunTests(m, func(b *hubspottest.Switchboard) { contract = b }))
}

// env is one test's fake HubSpot and a connection to it.
type env struct {
	srv      *hubspottest.Server
	base     string // what the connector talks to: the fake, or the proxy
	direct   string // the fake itself
	stateDir string
	conn     *Connector
	sleeps   *sleeps
}

type envConfig struct {
	fake       hubspottest.Options
	version    string
	oauth      bool
	opts       func(*options)
	middleware func(http.Handler) http.Handler
	seed       string
}

// newEnv serves a fake (behind the proxy in contract mode) and opens a
// token connection to it with test-sized options.
func newEnv(t *testing.T, cfg envConfig) *env {
	t.Helper()
	if contract != nil {
		// HubSpot answers null for requested properties without a value;
		// its OpenAPI documents declare them non-nullable.
		cfg.fake.OmitNullProperties = true
	}
	srv := hubspottest.New(cfg.fake)
	if cfg.seed != "" {
		if err := srv.Seed(strings.NewReader(cfg.seed)); err != nil {
			t.Fatal(err)
		}
	}
	var h http.Handler = srv
	if cfg.middleware != nil {
		h = cfg.middleware(h)
	}
	e := &env{srv: srv, stateDir: t.TempDir(), sleeps: &sleeps{}}
	if contract != nil {
		contract.Use(t, h)
		e.base = os.Getenv("SPECPROXY_URL")
		e.direct = "http://" + os.Getenv("HUBSPOTTEST_LISTEN")
	} else {
		ts := newHTTPServer(t, h)
		e.base, e.direct = ts, ts
	}
	e.conn = e.open(t, cfg)
	return e
}

func newHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

func (e *env) config(cfg envConfig) connectors.Config {
	c := connectors.Config{"base_url": e.base}
	if cfg.version != "" {
		c["api_version"] = cfg.version
	}
	if cfg.oauth {
		oc := e.srv.OAuthClient()
		c["oauth"] = map[string]any{"client_id": oc.ClientID, "client_secret": oc.ClientSecret,
			"scopes": []any{"crm.objects.contacts.read", "crm.objects.contacts.write"}}
	} else {
		c["token"] = e.srv.Token()
	}
	return c
}

func (e *env) deps() connectors.Deps {
	return connectors.Deps{Name: "shop", StateDir: e.stateDir, HTTPClient: &http.Client{Timeout: 10 * time.Second}}
}

func (e *env) open(t *testing.T, cfg envConfig) *Connector {
	t.Helper()
	o := fastOptions(nil)
	if cfg.opts != nil {
		cfg.opts(&o)
	}
	o.authURL = e.direct + "/oauth/authorize" // never through the proxy: HubSpot serves it on app.hubspot.com
	c, err := open(e.config(cfg), e.deps(), o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) object(t *testing.T, name string) *object {
	t.Helper()
	o, err := e.conn.Object(name)
	if err != nil {
		t.Fatal(err)
	}
	return o.(*object)
}
