package scenario

import (
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// orderLists is the key of the fake's counter of order list pages.
const orderLists = "GET /crm/objects/2026-03/orders"

// TestFlowsShareOneReadOfTheirSource: the flows that read HubSpot orders
// (the library's order flow, with its write-back, and a project's own export of
// the orders) read them once in a plan, and each plans what it plans alone.
func TestFlowsShareOneReadOfTheirSource(t *testing.T) {
	w := newWorld(t)
	w.withRows(nil, map[string]string{"export.hcl": `
flow "order_export" {
  source  = hubspot.shop.orders
  include = ["line_items"]
  target  = file.rows.orders
  key     = "ref"
  fields {
    ref   = "string(source.hs_object_id)"
    lines = "len(source.line_items ?? [])"
  }
}
`})
	flows := []string{"orders_to_eaccounting_orders", "order_export"}
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

// TestSandboxPlanListsEachSourceOnce: the whole flow library's plan lists
// the HubSpot orders and contacts once each, whatever order_target is,
// although several flows (and write-backs) use them.
func TestSandboxPlanListsEachSourceOnce(t *testing.T) {
	for _, target := range []string{"order", "draft", "invoice"} {
		t.Run(target, func(t *testing.T) {
			w := newWorld(t)
			w.vars["order_target"] = target
			w.sb.HubSpot().ResetCounters()
			w.plan()
			for _, list := range []string{orderLists, "GET /crm/objects/2026-03/contacts"} {
				if got := w.sb.HubSpot().Requests(list); got != 1 {
					t.Errorf("%s requests = %d; want 1", list, got)
				}
			}
		})
	}
}
