package scenario

import (
	"net/http"
	"sync"
	"testing"

	"github.com/kopla-dev/kopla/engine"
)

// getCounter counts the eAccounting GETs by collection.
type getCounter struct {
	mu   sync.Mutex
	gets map[string]int
}

func (c *getCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet {
		c.mu.Lock()
		c.gets[collection(req.URL.Path)]++
		c.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

// TestVerificationReadsPerBatch: apply verifies the orders it creates by
// the totals their create answers carry, with the customers and articles
// their expected totals need read once per write batch, not per order.
func TestVerificationReadsPerBatch(t *testing.T) {
	w := newWorld(t)
	c := &getCounter{gets: map[string]int{}}
	w.httpClient = &http.Client{Transport: c}
	p, pl := w.plan()
	c.mu.Lock()
	c.gets = map[string]int{} // the plan's reads are not counted
	c.mu.Unlock()
	orders := pl.Flow("orders_to_eaccounting_orders")
	if orders == nil || orders.Counts().Create < 3 {
		t.Fatalf("the plan creates too few orders to tell: %v", orders)
	}
	res, diags := p.Apply(t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test", Parallelism: 1})
	if diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	verified := 0
	for _, r := range results(res, "orders_to_eaccounting_orders") {
		if r.Verification != nil {
			verified++
			if r.Verification.Failed() {
				t.Errorf("order %s: %s", r.SourceKey, r.Verification.Message())
			}
		}
	}
	if verified < 3 {
		t.Fatalf("%d orders verified; want every created one", verified)
	}
	t.Logf("%d orders verified; eAccounting GETs during apply: %v", verified, c.gets)
	if n := c.gets["customers"]; n >= verified {
		t.Errorf("%d reads of customers for %d verified orders; want them read per batch", n, verified)
	}
	if n := c.gets["articles"]; n >= verified {
		t.Errorf("%d reads of articles for %d verified orders; want them read per batch", n, verified)
	}
	if n := c.gets["orders"]; n > 0 {
		t.Errorf("%d reads of orders: the create answers carry the stored totals", n)
	}
}
