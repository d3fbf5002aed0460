package hubspottest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
)

// contract, when set, serves the current test's fake on a fixed address so
// that specproxy (started by contractcheck.sh before `go test`) can sit in
// front of it.
var contract *switchboard

// switchboard forwards to the fake of the test that runs now.
type switchboard struct {
	mu  sync.Mutex
	cur http.Handler
}

func (b *switchboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	h := b.cur
	b.mu.Unlock()
	if h == nil {
		http.Error(w, "no test is running", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

func (b *switchboard) use(t testing.TB, h http.Handler) {
	b.mu.Lock()
	b.cur = h
	b.mu.Unlock()
	t.Cleanup(func() {
		b.mu.Lock()
		b.cur = nil
		b.mu.Unlock()
	})
}

func TestMain(m *testing.M) {
	addr := os.Getenv("HUBSPOTTEST_LISTEN")
	if addr == "" || os.Getenv("SPECPROXY_URL") == "" {
		os.Exit(m.Run())
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hubspottest: contract mode:", err)
		os.Exit(2)
	}
	contract = &switchboard{}
	srv := &http.Server{Handler: contract}
	go func() { _ = srv.Serve(ln) }()
	code := m.Run()
	_ = srv.Close()
	os.Exit(code)
}
