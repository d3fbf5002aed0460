package eaccounting

import (
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// env is a connection to a fake eAccounting, over real HTTP.
type env struct {
	srv      *eaccountingtest.Server
	base     string // the fake's (or the contract proxy's) base URL
	identity string // the identity server's base URL
	conn     *conn
	stateDir string
}

// newEnv starts a fake with the demo company and opens a connection to it,
// seeded with a refresh token. Under contract-check (SPECPROXY_URL and
// EACCOUNTINGTEST_ADDR set) the API calls go through specproxy; the identity
// server, which is not part of the API's Swagger, is called directly.
func newEnv(t testing.TB, opts eaccountingtest.Options, settings connectors.Config) *env {
	t.Helper()
	srv, base := eaccountingtest.NewTestServer(t, opts)
	if err := srv.SeedDemoCompany(); err != nil {
		t.Fatalf("SeedDemoCompany: %v", err)
	}
	identity := base
	if os.Getenv("SPECPROXY_URL") != "" && os.Getenv("EACCOUNTINGTEST_ADDR") != "" {
		identity = "http://" + os.Getenv("EACCOUNTINGTEST_ADDR")
	}
	e := &env{srv: srv, base: base, identity: identity, stateDir: t.TempDir()}
	cfg := connectors.Config{
		"client_id":     srv.ClientID(),
		"client_secret": srv.ClientSecret(),
		"base_url":      base + "/v2",
		"identity_url":  identity,
		"refresh_token": srv.IssueRefreshToken(),
		"rate_limit":    int64(600 * 100),
	}
	for k, v := range settings {
		if v == nil {
			delete(cfg, k)
		} else {
			cfg[k] = v
		}
	}
	e.conn = e.open(t, cfg)
	if identity != base {
		// Behind specproxy, the proxy may hold idle connections to the
		// previous test's fake on the same address. A POST on such a
		// connection fails without a retry, so a few GETs (which the
		// proxy's transport retries) clear them first.
		for range 3 {
			resp, err := http.Get(base + "/v2/currencies") // unauthenticated: a 401 will do
			if err != nil {
				t.Fatalf("warm-up: %v", err)
			}
			resp.Body.Close()
		}
		srv.ResetCounters()
	}
	return e
}

// open opens another connection with the given settings, sharing the state
// directory.
func (e *env) open(t testing.TB, cfg connectors.Config) *conn {
	t.Helper()
	c, err := New().New(t.Context(), cfg, connectors.Deps{Name: "books", StateDir: e.stateDir})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	cn := c.(*conn)
	// Scaled-down waits: tests take milliseconds, not the real seconds.
	cn.client.core.Retry.Base = time.Millisecond
	cn.client.core.Retry.Max = 10 * time.Millisecond
	cn.client.core.Retry.AttemptTimeout = 5 * time.Second
	return cn
}

func (e *env) object(t testing.TB, name string) *object {
	t.Helper()
	o, err := e.conn.Object(name)
	if err != nil {
		t.Fatal(err)
	}
	switch o := o.(type) {
	case *object:
		return o
	case *writableObject:
		return o.object
	case *salesObject:
		return o.object
	}
	t.Fatalf("object %s is a %T", name, o)
	return nil
}

func (e *env) writer(t testing.TB, name string) *writableObject {
	t.Helper()
	o, err := e.conn.Object(name)
	if err != nil {
		t.Fatal(err)
	}
	switch w := o.(type) {
	case *writableObject:
		return w
	case *salesObject:
		return w.writableObject
	}
	t.Fatalf("object %s is not writable", name)
	return nil
}

// customer returns valid fields of a new customer.
func customer(i int) map[string]any {
	return map[string]any{
		"CustomerNumber":    fmt.Sprintf("C%05d", i),
		"Name":              fmt.Sprintf("Customer %d AB", i),
		"EmailAddress":      fmt.Sprintf("billing%d@example.com", i),
		"InvoiceCity":       "Stockholm",
		"InvoicePostalCode": "11122",
		"IsActive":          true,
		"IsPrivatePerson":   false,
		"TermsOfPaymentId":  eaccountingtest.DemoTermsOfPayment30,
	}
}

// article returns valid fields of a new article (25 % VAT coding).
func article(i int) map[string]any {
	return map[string]any{
		"Number":     fmt.Sprintf("ART-%04d", i),
		"Name":       fmt.Sprintf("Widget %d", i),
		"IsActive":   true,
		"CodingId":   eaccountingtest.DemoCodingGoods25,
		"UnitId":     eaccountingtest.DemoUnitPiece,
		"NetPrice":   100.0,
		"GrossPrice": 125.0,
	}
}

// create writes creates and fails the test on any error.
func create(t testing.TB, w *writableObject, key string, fields ...map[string]any) []connectors.Record {
	t.Helper()
	writes := make([]connectors.Write, len(fields))
	for i, f := range fields {
		writes[i] = connectors.Write{Action: connectors.Create, Fields: f, KeyField: key}
	}
	res := w.Write(t.Context(), writes)
	out := make([]connectors.Record, len(res))
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("create %d: %v", i, r.Err)
		}
		out[i] = r.Record
	}
	return out
}
