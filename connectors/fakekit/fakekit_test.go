package fakekit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFaultsMatchAndUseUp(t *testing.T) {
	var fs Faults
	fs.Inject(Fault{Method: "POST", PathPrefix: "/v2/customers", Status: 503}) // once
	fs.Inject(Fault{PathPrefix: "/v2", Status: 500, Times: 2})
	post := httptest.NewRequest("POST", "/v2/customers", nil)
	get := httptest.NewRequest("GET", "/v2/customers", nil)
	var got []int
	for _, r := range []*http.Request{post, post, get, get} {
		if f := fs.Take(r); f != nil {
			got = append(got, f.Status)
		} else {
			got = append(got, 0)
		}
	}
	if want := []int{503, 500, 500, 0}; !equal(got, want) {
		t.Errorf("statuses = %v; want %v", got, want)
	}
	fs.Inject(Fault{Status: 502, Times: -1})
	for range 3 {
		if f := fs.Take(get); f == nil || f.Status != 502 {
			t.Fatal("a fault with negative Times wore off")
		}
	}
	fs.Clear()
	if fs.Take(get) != nil {
		t.Error("a fault survived Clear")
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestServe(t *testing.T) {
	var committed atomic.Int32
	handle := func(w http.ResponseWriter) {
		committed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"Total":100}`)
	}
	writeStatus := func(w http.ResponseWriter, code int) { w.WriteHeader(code) }
	tests := []struct {
		name       string
		fault      *Fault
		wantCode   int
		wantBody   string
		wantCommit int32
		wantDrop   bool
	}{
		{"no fault", nil, 200, `{"Total":100}`, 1, false},
		{"status instead of handling", &Fault{Status: 503}, 503, "", 0, false},
		{"status after commit", &Fault{Status: 504, DropAfterCommit: true}, 504, "", 1, false},
		{"answer rewritten", &Fault{Answer: func(b map[string]any) { b["Total"] = 99 }}, 200, `{"Total":99}`, 1, false},
		{"dropped after commit", &Fault{DropAfterCommit: true}, 0, "", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			committed.Store(0)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				Serve(w, r, tt.fault, writeStatus, handle)
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if tt.wantDrop {
				if err == nil {
					resp.Body.Close()
					t.Fatal("got an answer; want the connection dropped")
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.wantCode || strings.TrimSpace(string(b)) != tt.wantBody {
					t.Errorf("answer = %d %q; want %d %q", resp.StatusCode, b, tt.wantCode, tt.wantBody)
				}
			}
			if n := committed.Load(); n != tt.wantCommit {
				t.Errorf("handled %d times; want %d", n, tt.wantCommit)
			}
		})
	}
}

func TestWindowsRoll(t *testing.T) {
	var ws Windows
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if used, _, ok := ws.Allow("k", 3, time.Second, t0.Add(time.Duration(i)*100*time.Millisecond)); !ok || used != i+1 {
			t.Fatalf("request %d: used %d, ok %v", i, used, ok)
		}
	}
	used, wait, ok := ws.Allow("k", 3, time.Second, t0.Add(500*time.Millisecond))
	if ok || used != 3 || wait != 500*time.Millisecond {
		t.Errorf("4th in the window: used %d, wait %v, ok %v; want refused, 500ms until the first leaves", used, wait, ok)
	}
	if _, _, ok := ws.Allow("k", 3, time.Second, t0.Add(time.Second)); !ok {
		t.Error("refused after the first request left the window")
	}
	if n := ws.Used("other", time.Second, t0); n != 0 {
		t.Errorf("another key has %d", n)
	}
}
