package pgshare_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/pgshare"
	"github.com/kopla-dev/kopla/connectors/pgshare/pgsharetest"
	"github.com/kopla-dev/kopla/connectors/rest"
)

// arrivals is an API that records when each request arrived.
type arrivals struct {
	mu sync.Mutex
	at []time.Time
}

func (a *arrivals) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	a.at = append(a.at, time.Now())
	a.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// busiest is the most requests that arrived within any window of per.
func (a *arrivals) busiest(per time.Duration) int {
	a.mu.Lock()
	at := slices.Clone(a.at)
	a.mu.Unlock()
	slices.SortFunc(at, func(x, y time.Time) int { return x.Compare(y) })
	most, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= per {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

type noAuth struct{}

func (noAuth) Token(context.Context) (string, error)         { return "t", nil }
func (noAuth) Refresh(context.Context, string) (bool, error) { return false, nil }

// client is one worker's connection to the API: a budget of limit per
// window, shared through s when s is not nil.
func client(s connectors.SharedBudgets, limit int, per time.Duration) *rest.Client {
	c := rest.New(http.DefaultClient, noAuth{}, rest.Service{
		Name: "test",
		Classify: func(*http.Response, []byte, int) rest.Verdict {
			return rest.Verdict{Class: rest.Success}
		},
		Budgets: func(c *rest.Client, _ *http.Request) []*rest.Limiter {
			return []*rest.Limiter{c.Budget("GET things", func() *rest.Limiter {
				return rest.NewLimiter("GET things", limit, per)
			})}
		},
	}, nil)
	c.Shared, c.SharedKey = s, "test.api"
	return c
}

// hammer sends requests from every client, 4 at a time each, for d.
func hammer(t *testing.T, url string, d time.Duration, clients ...*rest.Client) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	sent := 0
	var wg sync.WaitGroup
	for _, c := range clients {
		for range 4 {
			wg.Go(func() {
				for ctx.Err() == nil {
					req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/things", nil)
					if _, err := c.Do(req, nil); err != nil {
						// A wait past the end fails at once: the run is over.
						if !errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
							t.Errorf("request: %v", err)
						}
						return
					}
					mu.Lock()
					sent++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	return sent
}

// Two workers on one budget stay under the limit together, and each gets
// its share; two that pace alone exceed it (the control that shows the
// test can fail).
func TestTwoWorkersShareABudget(t *testing.T) {
	base := pgtest.URL(t)
	const limit, per, run = 20, time.Second, 2500 * time.Millisecond

	t.Run("alone", func(t *testing.T) {
		api := &arrivals{}
		srv := httptest.NewServer(api)
		defer srv.Close()
		hammer(t, srv.URL, run, client(nil, limit, per), client(nil, limit, per))
		if got := api.busiest(per); got <= limit {
			t.Fatalf("unshared workers: busiest window %d; want more than the limit %d (else the shared test proves nothing)", got, limit)
		}
	})

	t.Run("shared", func(t *testing.T) {
		schema := pgtest.Schema(t, base)
		api := &arrivals{}
		srv := httptest.NewServer(api)
		defer srv.Close()
		a, b := client(pgsharetest.Worker(t, base, schema), limit, per), client(pgsharetest.Worker(t, base, schema), limit, per)
		hammer(t, srv.URL, run, a, b)
		if got := api.busiest(per); got > limit {
			t.Fatalf("shared workers: busiest window of %v held %d requests; the limit is %d", per, got, limit)
		}
		ra, rb := a.Counts().Requests, b.Counts().Requests
		// Over 2.5 windows a budget of 20 allows 60; leases and the
		// margin cost some, a stalled machine more: half shows both
		// workers were served, not starved.
		if ra+rb < limit*5/4 || ra == 0 || rb == 0 {
			t.Fatalf("shared workers sent %d and %d requests in %v; want at least %d together, some each", ra, rb, run, limit*5/4)
		}
		t.Logf("shared: %d + %d requests, busiest window %d of %d", ra, rb, api.busiest(per), limit)
	})
}

// A take that finds the budget spent says how long until a grant frees.
func TestTakeWaitsForTheOldestGrant(t *testing.T) {
	base := pgtest.URL(t)
	s := pgsharetest.Worker(t, base, pgtest.Schema(t, base))
	ctx := context.Background()
	g, err := s.Take(ctx, "k", 3, time.Second, 5)
	if err != nil {
		t.Fatal(err)
	}
	if g.N != 3 {
		t.Fatalf("first take granted %d; want 3 (the limit)", g.N)
	}
	g, err = s.Take(ctx, "k", 3, time.Second, 1)
	if err != nil {
		t.Fatal(err)
	}
	if g.N != 0 || g.Wait <= time.Second-100*time.Millisecond || g.Wait > time.Second+pgshare.MinLease+10*time.Millisecond {
		t.Fatalf("second take: %+v; want none granted and a wait of about the window plus the lease", g)
	}
	// Another budget is not affected.
	if g, err := s.Take(ctx, "other", 3, time.Second, 1); err != nil || g.N != 1 {
		t.Fatalf("other budget: %+v, %v; want 1 granted", g, err)
	}
}

func httptestRequest(url string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, url+"/things", nil)
	return req
}

// A schema name that is not a plain SQL name is refused before anything
// connects, naming the setting.
func TestOpenRefusesBadSchema(t *testing.T) {
	for _, schema := range []string{"Shop", "1shop", "shop;drop", "a-b"} {
		_, err := pgshare.Open(t.Context(), "postgres://kopla@127.0.0.1:1/db?schema="+schema)
		if err == nil || !strings.Contains(err.Error(), "schema=") || strings.Contains(err.Error(), "connect") {
			t.Errorf("schema %q: %v; want an error naming schema=", schema, err)
		}
	}
}

// A failing update stores nothing and releases the lock.
func TestUpdateFailureStoresNothing(t *testing.T) {
	base := pgtest.URL(t)
	s := pgsharetest.Worker(t, base, pgtest.Schema(t, base))
	ctx := t.Context()
	if err := s.Update(ctx, "k", func([]byte) ([]byte, error) { return []byte("one"), nil }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("identity server down")
	if err := s.Update(ctx, "k", func([]byte) ([]byte, error) { return []byte("two"), boom }); !errors.Is(err, boom) {
		t.Fatalf("update: %v; want fn's error", err)
	}
	if b, err := s.Load(ctx, "k"); err != nil || string(b) != "one" {
		t.Fatalf("stored %q, %v; want the token before the failed update", b, err)
	}
	// The lock was released: another update goes through at once.
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.Update(ctx2, "k", func(stored []byte) ([]byte, error) { return append(stored, '!'), nil }); err != nil {
		t.Fatal(err)
	}
}
