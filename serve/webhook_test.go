package serve

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/sandbox"
)

const ordersFlow = "orders_to_eaccounting_orders"

// TestWebhookReachesEAccounting: webhook events of paid orders in the
// HubSpot fake, posted to a real listener, make a targeted run each that
// creates the eAccounting orders, well within 60 s (p95 over the orders).
func TestWebhookReachesEAccounting(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	var lat []time.Duration
	for i, id := range []string{"4001", "4002", "4003"} {
		at := time.Now()
		resp := h.post([]map[string]any{orderEvent(100+i, id, "creation")})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %s", resp.Status)
		}
		r := h.waitRun(60 * time.Second)
		lat = append(lat, time.Since(at))
		if r.Err != nil || r.Trigger != "webhook" || r.Counts["create"] == 0 {
			t.Fatalf("run of order %s: trigger %s, counts %v, failed %v, err %v", id, r.Trigger, r.Counts, r.Failed, r.Err)
		}
		target := h.link(ordersFlow, id)
		if target == "" {
			t.Fatalf("order %s has no eAccounting order after the run", id)
		}
		got := h.eaGet("/orders/" + target)
		if got["YourReference"] != "HS-"+id {
			t.Errorf("eAccounting order %s: YourReference %v; want HS-%s", target, got["YourReference"], id)
		}
	}
	slices.Sort(lat)
	p95 := lat[len(lat)-1]
	t.Logf("webhook -> eAccounting latency: %v (p95 %v)", lat, p95)
	if p95 > 60*time.Second {
		t.Errorf("p95 latency %v; want at most 60s", p95)
	}
}
