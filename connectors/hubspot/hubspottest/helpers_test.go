package hubspottest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// client talks to a fake over real HTTP. With SPECPROXY_URL set (see
// contractcheck.sh) requests go through the contract-checking proxy.
type client struct {
	t      testing.TB
	base   string // the proxy in contract mode, else the fake
	direct string // the fake itself
	token  string
	srv    *Server
}

// newClient serves a fake for one test. In contract mode (see TestMain)
// the fake is served behind the contract-checking proxy.
func newClient(t testing.TB, opts Options) *client {
	t.Helper()
	if contract != nil {
		// HubSpot's documents declare property values non-nullable.
		opts.OmitNullProperties = true
		s := New(opts)
		contract.Use(t, s)
		return &client{t: t, base: os.Getenv("SPECPROXY_URL"), direct: "http://" + os.Getenv("HUBSPOTTEST_LISTEN"), token: s.Token(), srv: s}
	}
	return newDirectClient(t, opts)
}

// newDirectClient never goes through the proxy: for requests that break the
// spec on purpose and for routes the specs do not describe.
func newDirectClient(t testing.TB, opts Options) *client {
	t.Helper()
	s, base := NewTestServer(t, opts)
	return &client{t: t, base: base, direct: base, token: s.Token(), srv: s}
}

// reply is a decoded answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (c *client) do(method, path string, body any) reply {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return r
}

// must calls and checks the status.
func (c *client) must(want int, method, path string, body any) reply {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s = %d %s; want %d", method, path, r.status, r.raw, want)
	}
	return r
}

// props returns the properties of an object in a decoded body.
func props(o any) map[string]any {
	m, _ := o.(map[string]any)
	p, _ := m["properties"].(map[string]any)
	return p
}

func results(r reply) []any {
	res, _ := r.body["results"].([]any)
	return res
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// both runs a test for each path style.
var styles = []struct{ name, objects, props, assoc, v4 string }{
	{"v3", "/crm/v3/objects", "/crm/v3/properties", "/crm/v4/associations", "/crm/v4/objects"},
	{"2026-03", "/crm/objects/2026-03", "/crm/properties/2026-03", "/crm/associations/2026-03", "/crm/objects/2026-03"},
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
