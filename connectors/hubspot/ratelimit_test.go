package hubspot

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
	"github.com/kopla-dev/kopla/connectors/rest"
)

// statusCounter counts the fake's answers by status.
type statusCounter struct {
	mu sync.Mutex
	n  map[int]int
}

func (c *statusCounter) get(code int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[code]
}

func (c *statusCounter) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rw, r)
		c.mu.Lock()
		if c.n == nil {
			c.n = map[int]int{}
		}
		c.n[rw.code]++
		c.mu.Unlock()
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func realSleep(o *options) { o.sleep = rest.SleepContext }

func TestRateLimitHeadersAdopted(t *testing.T) {
	var sc statusCounter
	e := newEnv(t, envConfig{fake: hubspottest.Options{Limits: hubspottest.Limits{Burst: 5, Window: 100 * time.Millisecond}},
		middleware: sc.wrap, opts: realSleep,
		seed: seedJSON(t, map[string][]map[string]string{"companies": {{"id": "1", "name": "Acme"}}})})
	o := e.object(t, "companies")
	if _, err := o.Get(t.Context(), []string{"1"}); err != nil {
		t.Fatal(err)
	}
	if m, iv := e.conn.client.burst().Limit(); m != 5 || iv != 100*time.Millisecond {
		t.Fatalf("adopted limits = %d per %v; want 5 per 100ms", m, iv)
	}
	start := time.Now()
	for range 12 {
		if _, err := o.Get(t.Context(), []string{"1"}); err != nil {
			t.Fatal(err)
		}
	}
	// The window (5 per 100ms) keeps under the limit instead of running
	// into 429s: 13 requests in all need at least two windows.
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("12 requests took %v; want the client to pace them (>= 200ms)", d)
	}
	if n := sc.get(429); n != 0 {
		t.Errorf("%d answers were 429; want none", n)
	}
}

func TestRateLimitWaitsOutTenSecondly(t *testing.T) {
	var sc statusCounter
	e := newEnv(t, envConfig{fake: hubspottest.Options{Limits: hubspottest.Limits{Burst: 3, Window: 300 * time.Millisecond}},
		middleware: sc.wrap, opts: realSleep,
		seed: seedJSON(t, map[string][]map[string]string{"companies": {{"id": "1", "name": "Acme"}}})})
	o := e.object(t, "companies")
	start := time.Now()
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 8 { // all at once, before any answer told the client the limit
		wg.Go(func() {
			if got, err := o.Get(t.Context(), []string{"1"}); err != nil || len(got) != 1 {
				t.Errorf("Get: %d records, %v", len(got), err)
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if sc.get(429) == 0 {
		t.Error("no 429 answer: the test did not exercise the limit")
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("took %v; want at least one window (300ms) of waiting", d)
	}
}

func TestRateLimitSearchSecondly(t *testing.T) {
	var sc statusCounter
	var products []map[string]string
	for i := range 6 {
		products = append(products, map[string]string{"name": fmt.Sprint("P", i), "hs_sku": fmt.Sprint("S", i)})
	}
	e := newEnv(t, envConfig{fake: hubspottest.Options{Limits: hubspottest.Limits{Search: 2, SearchWindow: 200 * time.Millisecond}},
		middleware: sc.wrap, opts: func(o *options) { realSleep(o); o.secondly = 100 * time.Millisecond },
		seed: seedJSON(t, map[string][]map[string]string{"products": products})})
	o := e.object(t, "products")
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			got, err := o.Find(t.Context(), "hs_sku", []any{fmt.Sprint("S", i)})
			if err != nil || len(got) != 1 {
				t.Errorf("Find(S%d): %d records, %v", i, len(got), err)
			}
		})
	}
	wg.Wait()
	if sc.get(429) == 0 {
		t.Error("no 429 answer: the test did not exercise the search limit")
	}
}

func TestRateLimitClientSearchBucket(t *testing.T) {
	// The connector's own search bucket keeps below the account's limit.
	var sc statusCounter
	e := newEnv(t, envConfig{fake: hubspottest.Options{Limits: hubspottest.Limits{Search: 2, SearchWindow: 200 * time.Millisecond}},
		middleware: sc.wrap, opts: func(o *options) { realSleep(o); o.searchMax, o.searchInterval = 2, 220*time.Millisecond },
		seed: seedJSON(t, map[string][]map[string]string{"products": {{"name": "P", "hs_sku": "S"}}})})
	o := e.object(t, "products")
	for range 5 {
		if _, err := o.Find(t.Context(), "hs_sku", []any{"S"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := sc.get(429); n != 0 {
		t.Errorf("%d answers were 429; want none", n)
	}
	var _ connectors.Finder = o
}

// TestAssociationBudgetByTier: association batches draw on their own
// budget, sized by the tier the burst headers tell, not on the burst.
func TestAssociationBudgetByTier(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-HubSpot-RateLimit-Max", "190")
		w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
		ok(w)
	}, func(o *options) { o.assocMax = 0 })
	if err := doPost(c, t.Context(), "/crm/v3/objects/contacts/batch/read"); err != nil {
		t.Fatal(err)
	}
	if err := doPost(c, t.Context(), "/crm/associations/2026-03/deals/contacts/batch/read"); err != nil {
		t.Fatal(err)
	}
	got := map[string]connectors.Budget{}
	for _, b := range c.Budgets() {
		got[b.Name] = b
	}
	if b := got["associations"]; b.Limit != 150 || b.Per != 10*time.Second || b.Used != 1 {
		t.Errorf("associations budget = %+v; want 150 per 10s, 1 used", b)
	}
	if b := got["burst"]; b.Used != 1 {
		t.Errorf("burst budget = %+v; want the association batch not counted", b)
	}
}
