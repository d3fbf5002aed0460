package scenario

import (
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// orderLists is the key of the fake's counter of order list pages.
const orderLists = "GET /crm/objects/2026-03/orders"

// TestFlowsShareOneReadOfTheirSource: the flows that read HubSpot orders
// read them once in a plan, and each plans what it plans alone.
func TestFlowsShareOneReadOfTheirSource(t *testing.T) {
	w := newWorld(t)
	flows := []string{"orders_to_eaccounting_orders", "order_numbers_to_hubspot", "orders_to_invoices"}
	alone := map[string]plan.Counts{}
	for _, f := range flows {
		_, pl := w.plan(f)
		alone[f] = pl.Flow(f).Counts()
	}

	w.sb.HubSpot().ResetCounters()
	_, pl := w.plan(flows...)
	if got := w.sb.HubSpot().Requests(orderLists); got != 1 {
		t.Errorf("order list requests = %d; want 1 (one read shared by %d flows)", got, len(flows))
	}
	for _, f := range flows {
		if got := pl.Flow(f).Counts(); got != alone[f] {
			t.Errorf("flow %s planned with the others = %+v; alone %+v", f, got, alone[f])
		}
	}
	if c := alone["orders_to_eaccounting_orders"]; c.Create == 0 {
		t.Errorf("orders_to_eaccounting_orders alone = %+v; want creates, or the test shows nothing", c)
	}
}
