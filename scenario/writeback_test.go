package scenario

import (
	"net/http"
	"testing"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine/plan"
)

const (
	ordersWriteBack    = "orders_to_eaccounting_orders.write_back"
	customersWriteBack = "contacts_to_customers.write_back"
	hubspotOrderUpdate = "POST /crm/objects/2026-03/orders/batch/update"
)

// TestWriteBackInSameApply: one apply creates the eAccounting orders and
// writes their numbers to the HubSpot orders in batches; an order whose
// eAccounting write fails gets no write-back and is reported blocked; a
// second apply plans no write-back.
func TestWriteBackInSameApply(t *testing.T) {
	w := newWorld(t)
	// eAccounting refuses the first order it is sent.
	w.sb.EAccounting().InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Status: http.StatusBadRequest})
	w.sb.HubSpot().ResetCounters()
	_, res := w.apply()

	eaOrders := w.read("eaccounting", "orders")
	hsOrders := w.read("hubspot", "orders")
	produced, written := results(res, "orders_to_eaccounting_orders"), results(res, ordersWriteBack)
	var created, failed int
	for id, r := range produced {
		switch r.Action {
		case plan.Create:
			created++
			want := str(one(t, eaOrders, "YourReference", "HS-"+id)["Number"])
			if got := str(hsOrders[id]["eaccounting_order_number"]); want == "" || got != want {
				t.Errorf("HubSpot order %s eaccounting_order_number = %q; want the eAccounting order's number %q", id, got, want)
			}
			if wb := written[id]; wb == nil || wb.Action != plan.Update {
				t.Errorf("write-back of order %s = %+v; want an update", id, wb)
			}
		case plan.Error, plan.Blocked:
			failed++
			if wb := written[id]; wb == nil || wb.Action != plan.Blocked {
				t.Errorf("write-back of the failed order %s = %+v; want blocked", id, wb)
			}
			if n := hsOrders[id]["eaccounting_order_number"]; n != nil && n != "" {
				t.Errorf("the failed order %s got the number %v", id, n)
			}
		}
	}
	if created < 2 || failed != 1 { // the refused order
		t.Fatalf("%d orders created, %d failed; want several of each", created, failed)
	}
	// Every number of the run in one batch update (100 per call).
	if n := w.sb.HubSpot().Requests(hubspotOrderUpdate); n != 1 {
		t.Errorf("%d HubSpot order batch updates for %d write-backs; want 1", n, created)
	}
	// The customer numbers reach the contacts in the same apply too.
	hsContacts := w.read("hubspot", "contacts")
	for id, r := range results(res, customersWriteBack) {
		if r.Action != plan.Update {
			continue
		}
		if hsContacts[id]["eaccounting_customer_number"] == nil {
			t.Errorf("contact %s has no customer number after its write-back", id)
		}
	}

	t.Run("a second apply writes back only what failed", func(t *testing.T) {
		_, pl := w.plan()
		for key, ch := range changes(pl, ordersWriteBack) {
			if ch.Action == plan.Update && produced[key].Action == plan.Create {
				t.Errorf("the write-back of order %s, written in the first apply, is planned again: %+v", key, ch.Fields)
			}
		}
		for key, ch := range changes(pl, customersWriteBack) {
			if ch.Action == plan.Update {
				t.Errorf("the customer number of contact %s is planned again: %+v", key, ch.Fields)
			}
		}
	})
}
