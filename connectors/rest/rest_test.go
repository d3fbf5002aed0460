package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// testAuth hands out tok-1, tok-2, ... one per refresh.
type testAuth struct {
	mu        sync.Mutex
	n         int
	refreshes int
	canRefill bool
	err       error
}

func (a *testAuth) Token(context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		err := a.err
		a.err = nil
		return "", err
	}
	return "tok-" + string(rune('1'+a.n)), nil
}

func (a *testAuth) Refresh(context.Context, string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refreshes++
	if !a.canRefill {
		return false, nil
	}
	a.n++
	return true, nil
}

// classify is a service's hook for the tests: 2xx success, 401 expired,
// 429 rate limited (pausing), 503 retryable, the rest permanent.
func classify(resp *http.Response, body []byte, _ int) Verdict {
	err := &connectors.APIError{Service: "test", Status: resp.StatusCode, Message: string(body)}
	switch c := resp.StatusCode; {
	case c < 300:
		return Verdict{Class: Success}
	case c == 401:
		err.Kind = connectors.ErrAuth
		return Verdict{Class: AuthExpired, Err: err}
	case c == 429:
		return Verdict{Class: RateLimited, Err: err, Policy: "TEST", Pause: true}
	case c == 503:
		return Verdict{Class: Retryable, Err: err}
	}
	return Verdict{Class: Permanent, Err: err}
}

// sleeps records waits instead of sleeping them (up to 100).
type sleeps chan time.Duration

func (s sleeps) sleep(ctx context.Context, d time.Duration) error {
	s <- d
	return ctx.Err()
}

// all drains the recorded waits.
func (s sleeps) all() []time.Duration {
	var out []time.Duration
	for {
		select {
		case d := <-s:
			out = append(out, d)
		default:
			return out
		}
	}
}

func newTestClient(t *testing.T, auth *testAuth, h func(n int, w http.ResponseWriter, r *http.Request)) (*Client, string, sleeps, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(int(calls.Add(1)), w, r)
	}))
	t.Cleanup(srv.Close)
	c := New(srv.Client(), auth, Service{Name: "test", Classify: classify,
		Budgets: func(c *Client, req *http.Request) []*Limiter {
			return []*Limiter{c.Budget("all", func() *Limiter { return NewLimiter("all", 1000, time.Second) })}
		}}, nil)
	rec := make(sleeps, 100)
	c.Sleep = rec.sleep
	c.Retry.Base, c.Retry.Max = time.Millisecond, 10*time.Millisecond
	return c, srv.URL, rec, &calls
}

func post(t *testing.T, c *Client, ctx context.Context, url string) error {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	_, err = c.Do(req, &v)
	return err
}

func TestDo(t *testing.T) {
	tests := []struct {
		name      string
		answer    func(n int, w http.ResponseWriter, r *http.Request)
		auth      *testAuth
		noReplay  bool
		wantCalls int
		wantErr   func(error) bool
		wantSleep []time.Duration // nil: not checked
	}{
		{
			name: "503 retried until success, the same body each time",
			answer: func(n int, w http.ResponseWriter, r *http.Request) {
				if b, _ := io.ReadAll(r.Body); string(b) != `{"a":1}` {
					w.WriteHeader(400)
					return
				}
				if n < 3 {
					w.WriteHeader(503)
					return
				}
				_, _ = io.WriteString(w, `{"ok":true}`)
			},
			wantCalls: 3,
			wantErr:   func(err error) bool { return err == nil },
		},
		{
			name:      "503 gives up after max attempts",
			answer:    func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) },
			wantCalls: 5,
			wantErr: func(err error) bool {
				var ae *connectors.APIError
				var lost *LostError
				return errors.As(err, &ae) && ae.Status == 503 && !errors.As(err, &lost)
			},
		},
		{
			name:      "permanent not retried",
			answer:    func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(400) },
			wantCalls: 1,
			wantErr: func(err error) bool {
				var ae *connectors.APIError
				return errors.As(err, &ae) && ae.Status == 400
			},
		},
		{
			name: "401 refreshes once and retries with the new token",
			answer: func(_ int, w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer tok-2" {
					w.WriteHeader(401)
				}
			},
			auth:      &testAuth{canRefill: true},
			wantCalls: 2,
			wantErr:   func(err error) bool { return err == nil },
		},
		{
			name:      "401 after the refresh is ErrAuth",
			answer:    func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) },
			auth:      &testAuth{canRefill: true},
			wantCalls: 2,
			wantErr:   func(err error) bool { return errors.Is(err, connectors.ErrAuth) },
		},
		{
			name: "Retry-After is obeyed",
			answer: func(n int, w http.ResponseWriter, _ *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", "3")
					w.WriteHeader(429)
				}
			},
			wantCalls: 2,
			wantErr:   func(err error) bool { return err == nil },
			wantSleep: []time.Duration{3 * time.Second},
		},
		{
			name:      "rate limit that never lifts is a RateLimitError",
			answer:    func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(429) },
			wantCalls: 5,
			wantErr: func(err error) bool {
				var rl *connectors.RateLimitError
				return errors.As(err, &rl) && rl.Policy == "TEST" && rl.Service == "test"
			},
		},
		{
			name:      "a lost answer of a create is not replayed",
			answer:    func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) },
			noReplay:  true,
			wantCalls: 1,
			wantErr: func(err error) bool {
				var lost *LostError
				return errors.As(err, &lost)
			},
		},
		{
			name:      "a temporary token error is retried before sending",
			answer:    func(int, http.ResponseWriter, *http.Request) {},
			auth:      &testAuth{err: &TemporaryError{Err: errors.New("identity timed out")}},
			wantCalls: 1,
			wantErr:   func(err error) bool { return err == nil },
		},
		{
			name:      "a refused token stops before sending",
			answer:    func(int, http.ResponseWriter, *http.Request) {},
			auth:      &testAuth{err: errors.New("log in again")},
			wantCalls: 0,
			wantErr:   func(err error) bool { return err != nil && err.Error() == "log in again" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := tt.auth
			if auth == nil {
				auth = &testAuth{}
			}
			c, url, rec, calls := newTestClient(t, auth, tt.answer)
			ctx := t.Context()
			if tt.noReplay {
				ctx = NoReplay(ctx)
			}
			err := post(t, c, ctx, url)
			if !tt.wantErr(err) {
				t.Errorf("Do() error = %v", err)
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("requests = %d; want %d", got, tt.wantCalls)
			}
			if tt.wantSleep != nil {
				got := rec.all()
				if len(got) != len(tt.wantSleep) || len(got) > 0 && (got[0] > tt.wantSleep[0] || got[0] < tt.wantSleep[0]-100*time.Millisecond) {
					t.Errorf("waits = %v; want %v", got, tt.wantSleep)
				}
			}
			if n := c.Counts().Requests; n != tt.wantCalls {
				t.Errorf("Counts().Requests = %d; want %d", n, tt.wantCalls)
			}
		})
	}
}

// TestPausedBudgetHoldsBackOthers: a 429 that pauses its budget makes the
// next request of the budget wait too.
func TestPausedBudgetHoldsBackOthers(t *testing.T) {
	c, url, rec, _ := newTestClient(t, &testAuth{}, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "5")
			w.WriteHeader(429)
		}
	})
	if err := post(t, c, t.Context(), url); err != nil {
		t.Fatal(err)
	}
	if err := post(t, c, t.Context(), url); err != nil {
		t.Fatal(err)
	}
	// The recorded sleeps pass no time: both requests see the pause.
	if d := rec.all(); len(d) != 2 || d[1] < 4*time.Second {
		t.Errorf("waits = %v; want both requests to wait out the pause", d)
	}
}

// TestLimiterNeverExceedsItsWindow sends from several goroutines and checks
// that no window of Per saw more than Limit requests, and that the limiter
// let the full Limit through (a token bucket sized below the limit would not).
func TestLimiterNeverExceedsItsWindow(t *testing.T) {
	const limit, per = 10, 50 * time.Millisecond
	l := NewLimiter("test", limit, per)
	var mu sync.Mutex
	var sent []time.Time
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				if err := l.wait(t.Context()); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				sent = append(sent, time.Now())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	sortTimes(sent)
	for i := limit; i < len(sent); i++ {
		if d := sent[i].Sub(sent[i-limit]); d < per {
			t.Fatalf("requests %d and %d are %v apart; want at least %v", i-limit, i, d, per)
		}
	}
	if first := sent[limit-1].Sub(sent[0]); first > per/2 {
		t.Errorf("the first %d requests took %v; want them at once", limit, first)
	}
	if b := l.Budget(); b.Used != 40 || b.Limit != limit || b.Per != per {
		t.Errorf("Budget() = %+v", b)
	}
}

func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// TestLimiterSync books requests the API counted but this client did not
// send (another client of the same app).
func TestLimiterSync(t *testing.T) {
	l := NewLimiter("burst", 10, time.Hour)
	now := time.Now()
	for range 2 {
		if d, err := l.reserve(now); d != 0 || err != nil {
			t.Fatal(d, err)
		}
	}
	l.Sync(3, now) // the API says 7 used, this client sent 2
	for i := range 3 {
		if d, _ := l.reserve(now); d != 0 {
			t.Fatalf("request %d refused; want 3 more to go", i)
		}
	}
	if d, _ := l.reserve(now); d <= 0 {
		t.Error("an 11th request in the window went; want it held back")
	}
}

func TestQuotaStops(t *testing.T) {
	l := NewQuota("daily", "DAILY", 100, 24*time.Hour)
	reset := time.Now().Add(time.Hour)
	l.SetQuota(100, 100, reset)
	_, err := l.reserve(time.Now())
	var rl *connectors.RateLimitError
	if !errors.As(err, &rl) || rl.Policy != "DAILY" || !rl.Reset.Equal(reset) {
		t.Errorf("reserve on a used-up quota = %v; want a DAILY RateLimitError resetting at %v", err, reset)
	}
	if _, err := l.reserve(reset.Add(time.Second)); err != nil {
		t.Errorf("after the reset: %v", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"7", 7 * time.Second, true},
		{"0.5", 500 * time.Millisecond, true},
		{now.Add(9 * time.Second).Format(http.TimeFormat), 9 * time.Second, true},
		{"soon", 0, false},
	} {
		h := http.Header{}
		if tt.v != "" {
			h.Set("Retry-After", tt.v)
		}
		if got, ok := RetryAfter(h, now); got != tt.want || ok != tt.ok {
			t.Errorf("RetryAfter(%q) = %v, %v; want %v, %v", tt.v, got, ok, tt.want, tt.ok)
		}
	}
}

// BenchmarkLimiterPace paces requests through a rolling budget and reports
// the rate reached against the limit (pace-ratio, 1 = at the limit).
func BenchmarkLimiterPace(b *testing.B) {
	const limit, per = 50, 100 * time.Millisecond
	for b.Loop() {
		l := NewLimiter("test", limit, per)
		start := time.Now()
		n := 6 * limit
		for range n {
			if err := l.wait(b.Context()); err != nil {
				b.Fatal(err)
			}
		}
		// n requests need (n/limit - 1) windows after the first burst.
		bound := time.Duration(n/limit-1) * per
		b.ReportMetric(bound.Seconds()/time.Since(start).Seconds(), "pace-ratio")
	}
}
