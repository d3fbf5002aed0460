package hubspot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// sleeps records the waits of a client instead of sleeping them.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// fastOptions are options scaled down for tests: no real waits, no
// client-side throttling unless a test asks for it.
func fastOptions(rec *sleeps) options {
	o := defaultOptions()
	if rec != nil {
		o.sleep = rec.sleep
	}
	o.retryBase = time.Millisecond
	o.retryMax = 10 * time.Millisecond
	o.secondly = 20 * time.Millisecond
	o.burstMax = 100000
	o.burstInterval = time.Second
	o.searchMax = 1 << 20
	o.assocMax = 1 << 20
	o.indexLag = 0
	return o
}

func newTestClient(t *testing.T, h http.HandlerFunc, mod func(*options)) (*Client, *sleeps) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rec := &sleeps{}
	o := fastOptions(rec)
	if mod != nil {
		mod(&o)
	}
	u, _ := url.Parse(srv.URL)
	return newClient(u, srv.Client(), staticToken("pat-test"), slog.New(slog.DiscardHandler), o), rec
}

func doPost(c *Client, ctx context.Context, path string) error {
	req, err := c.NewRequest(ctx, http.MethodPost, path, nil, map[string]string{"a": "b"})
	if err != nil {
		return err
	}
	var v map[string]any
	_, err = c.Do(req, &v)
	return err
}

func TestDoRetries(t *testing.T) {
	tests := []struct {
		name      string
		answers   []func(w http.ResponseWriter) // by attempt; the last repeats
		ctx       func() (context.Context, context.CancelFunc)
		wantCalls int
		wantErr   func(error) bool
		wantSleep func([]time.Duration) bool
	}{
		{
			name:      "5xx retried until success",
			answers:   []func(http.ResponseWriter){status(503), status(502), ok},
			wantCalls: 3,
			wantErr:   func(err error) bool { return err == nil },
			wantSleep: func(d []time.Duration) bool { return len(d) == 2 },
		},
		{
			name:      "5xx gives up after max attempts",
			answers:   []func(http.ResponseWriter){status(500)},
			wantCalls: 5,
			wantErr: func(err error) bool {
				var ae *connectors.APIError
				return errors.As(err, &ae) && ae.Status == 500
			},
		},
		{
			name:      "400 not retried",
			answers:   []func(http.ResponseWriter){status(400)},
			wantCalls: 1,
			wantErr: func(err error) bool {
				var ae *connectors.APIError
				return errors.As(err, &ae) && ae.Status == 400
			},
		},
		{
			name:      "static token 401 is ErrAuth",
			answers:   []func(http.ResponseWriter){status(401)},
			wantCalls: 1,
			wantErr:   func(err error) bool { return errors.Is(err, connectors.ErrAuth) },
		},
		{
			name:      "Retry-After obeyed",
			answers:   []func(http.ResponseWriter){limited("SECONDLY", "2"), ok},
			wantCalls: 2,
			wantErr:   func(err error) bool { return err == nil },
			wantSleep: func(d []time.Duration) bool { return len(d) == 1 && d[0] == 2*time.Second },
		},
		{
			name:      "ten-secondly waits for the window",
			answers:   []func(http.ResponseWriter){limited("TEN_SECONDLY_ROLLING", ""), ok},
			wantCalls: 2,
			wantErr:   func(err error) bool { return err == nil },
			wantSleep: func(d []time.Duration) bool { return len(d) == 1 && d[0] > 9*time.Second && d[0] <= 10*time.Second },
		},
		{
			name:      "secondly backs off",
			answers:   []func(http.ResponseWriter){limited("SECONDLY", ""), limited("SECONDLY", ""), ok},
			wantCalls: 3,
			wantErr:   func(err error) bool { return err == nil },
			wantSleep: func(d []time.Duration) bool {
				return len(d) == 2 && d[0] >= 10*time.Millisecond && d[0] <= 20*time.Millisecond && d[1] >= 20*time.Millisecond && d[1] <= 40*time.Millisecond
			},
		},
		{
			name:      "daily stops with the reset time",
			answers:   []func(http.ResponseWriter){limited("DAILY", "")},
			wantCalls: 1,
			wantErr: func(err error) bool {
				var rl *connectors.RateLimitError
				if !errors.As(err, &rl) || rl.Policy != "DAILY" {
					return false
				}
				y, m, d := time.Now().UTC().Date()
				return rl.Reset.Equal(time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC))
			},
		},
		{
			name:    "wait past the deadline stops",
			answers: []func(http.ResponseWriter){limited("TEN_SECONDLY_ROLLING", "")},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), time.Second)
			},
			wantCalls: 1,
			wantErr: func(err error) bool {
				var rl *connectors.RateLimitError
				return errors.As(err, &rl) && rl.Policy == "TEN_SECONDLY_ROLLING" && !rl.Reset.IsZero()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				if got := r.Header.Get("Authorization"); got != "Bearer pat-test" {
					t.Errorf("Authorization = %q", got)
				}
				if b, _ := io.ReadAll(r.Body); string(b) != `{"a":"b"}` {
					t.Errorf("attempt %d body = %q; want the same body on every attempt", n, b)
				}
				tt.answers[min(n, len(tt.answers))-1](w)
			}, nil)
			ctx, cancel := context.WithCancel(context.Background())
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			err := doPost(c, ctx, "/crm/v3/objects/contacts/batch/read")
			if !tt.wantErr(err) {
				t.Errorf("Do() error = %v", err)
			}
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("requests = %d; want %d", got, tt.wantCalls)
			}
			if tt.wantSleep != nil && !tt.wantSleep(rec.all()) {
				t.Errorf("waits = %v", rec.all())
			}
		})
	}
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"results":[]}`)
}

func status(code int) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"status":"error","message":"failed","correlationId":"00000000-0000-4000-8000-000000000000","category":"X"}`)
	}
}

func limited(policy, retryAfter string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		if policy != "SECONDLY" {
			w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
			w.Header().Set("X-HubSpot-RateLimit-Max", "100")
			w.Header().Set("X-HubSpot-RateLimit-Remaining", "0")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(429)
		_, _ = io.WriteString(w, `{"status":"error","message":"You have reached your limit.","errorType":"RATE_LIMIT","correlationId":"c","policyName":"`+policy+`"}`)
	}
}

func TestDoAdoptsRateLimitHeaders(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-HubSpot-RateLimit-Max", "190")
		w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		ok(w)
	}, nil)
	if err := doPost(c, t.Context(), "/crm/v3/objects/contacts/batch/read"); err != nil {
		t.Fatal(err)
	}
	if m, iv := c.burst().Limit(); m != 190 || iv != 10*time.Second {
		t.Errorf("limits = %d per %v; want 190 per 10s", m, iv)
	}
	want := []connectors.Budget{{Name: "burst", Limit: 190, Per: 10 * time.Second, Used: 1},
		{Name: "daily", Limit: 625000, Per: 24 * time.Hour, Used: 1}}
	if got := c.Budgets(); !slices.Equal(got, want) {
		t.Errorf("Budgets() = %v; want %v", got, want)
	}
}

func TestDoThrottlesSearchSeparately(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { ok(w) }, func(o *options) {
		o.searchMax, o.searchInterval = 1, 50*time.Millisecond
	})
	start := time.Now()
	for range 5 {
		if err := doPost(c, t.Context(), "/crm/objects/2026-03/contacts/search"); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Errorf("5 searches at 1 per 50ms took %v; want at least 200ms", d)
	}
	start = time.Now()
	for range 5 {
		if err := doPost(c, t.Context(), "/crm/objects/2026-03/contacts/batch/read"); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 150*time.Millisecond {
		t.Errorf("5 batch reads took %v; the search limit must not slow them", d)
	}
}

func TestDoLostAnswer(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		hj, _ := w.(http.Hijacker)
		conn, _, _ := hj.Hijack()
		conn.Close()
	}, nil)
	err := doPost(c, noReplay(t.Context()), "/crm/v3/objects/contacts/batch/create")
	var lost *lostAnswerError
	if !errors.As(err, &lost) || calls.Load() != 1 {
		t.Errorf("create with dropped answer: %v after %d requests; want a lost answer after 1", err, calls.Load())
	}
	calls.Store(0)
	err = doPost(c, t.Context(), "/crm/v3/objects/contacts/batch/read")
	if err == nil || errors.As(err, &lost) || calls.Load() != 5 {
		t.Errorf("read with dropped answers: %v after %d requests; want a plain error after 5", err, calls.Load())
	}
}

func TestTenSecondlyPauseIsShared(t *testing.T) {
	var calls atomic.Int32
	c, rec := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			limited("TEN_SECONDLY_ROLLING", "")(w)
			return
		}
		ok(w)
	}, nil)
	if err := doPost(c, t.Context(), "/crm/v3/objects/contacts/batch/read"); err != nil {
		t.Fatal(err)
	}
	// Another request of the connection waits for the same window (the
	// recorded sleeps do not pass real time).
	if err := doPost(c, t.Context(), "/crm/v3/objects/deals/batch/read"); err != nil {
		t.Fatal(err)
	}
	if d := rec.all(); len(d) != 2 || d[1] < 9*time.Second {
		t.Errorf("waits = %v; want the second request to wait out the window too", d)
	}
	// Search has its own limit and does not wait for the burst window.
	if err := doPost(c, t.Context(), "/crm/v3/objects/deals/search"); err != nil {
		t.Fatal(err)
	}
	if d := rec.all(); len(d) != 2 {
		t.Errorf("a search waited for the burst window: %v", d)
	}
}
