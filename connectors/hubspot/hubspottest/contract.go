package hubspottest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
)

// Contract mode: with SPECPROXY_URL (set by shared/tools/contract-check)
// and HUBSPOTTEST_LISTEN (the address given to it as --upstream) set, each
// test's fake is served on HUBSPOTTEST_LISTEN, so that the proxy in front of
// it checks every request and answer against HubSpot's OpenAPI documents:
//
//	HUBSPOTTEST_LISTEN=127.0.0.1:18080 ../shared/tools/contract-check \
//	    --upstream http://127.0.0.1:18080 --spec ../shared/specs/hubspot \
//	    -- go test -count=1 ./connectors/hubspot/

// Switchboard serves, on the fixed contract-mode address, the fake of the
// test that runs now.
type Switchboard struct {
	mu  sync.Mutex
	cur http.Handler
}

func (b *Switchboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	h := b.cur
	b.mu.Unlock()
	if h == nil {
		http.Error(w, "no test is running", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

// Use serves h until the test ends.
func (b *Switchboard) Use(t testing.TB, h http.Handler) {
	b.mu.Lock()
	b.cur = h
	b.mu.Unlock()
	t.Cleanup(func() {
		b.mu.Lock()
		b.cur = nil
		b.mu.Unlock()
	})
}

// RunTests runs a package's tests (from TestMain) and returns the exit
// code. In contract mode it first serves a Switchboard on
// HUBSPOTTEST_LISTEN and hands it to use; otherwise use gets nil.
func RunTests(m *testing.M, use func(*Switchboard)) int {
	addr := os.Getenv("HUBSPOTTEST_LISTEN")
	if addr == "" || os.Getenv("SPECPROXY_URL") == "" {
		use(nil)
		return m.Run()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hubspottest: contract mode:", err)
		return 2
	}
	b := &Switchboard{}
	use(b)
	srv := &http.Server{Handler: b}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	return m.Run()
}
