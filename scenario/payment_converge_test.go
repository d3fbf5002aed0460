package scenario

import (
	"math"
	"net/http"
	"testing"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// TestPaymentArrivesAfterAFailedPayment: with order_target = "invoice", an
// order paid at checkout is booked and paid in one write. When every
// payment fails after its invoice is booked, the invoices stay open; the
// next apply registers each payment once (order_payments_to_invoices),
// and the one after plans nothing: each invoice is paid in full, once.
func TestPaymentArrivesAfterAFailedPayment(t *testing.T) {
	w := newWorld(t)
	w.vars["order_target"] = "invoice"
	d := readDemo(w)

	w.sb.EAccounting().InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customerinvoices/", Status: http.StatusServiceUnavailable, Times: -1})
	w.applyAllowingErrors()
	w.sb.EAccounting().ClearFaults()

	paidOrders := map[string]bool{}
	for _, id := range sortedKeys(d.orders) {
		o := d.orders[id]
		if m := str(o["hs_payment_processing_method"]); sent(o) && (m == "card" || m == "paypal") {
			paidOrders[id] = true
		}
	}
	open := 0
	for id := range paidOrders {
		for _, inv := range findBy(w.read("eaccounting", "customerinvoices"), "YourReference", "HS-"+id) {
			if r, _ := inv["RemainingAmountInvoiceCurrency"].(float64); r >= 0.005 {
				open++
			}
		}
	}
	if open == 0 {
		t.Fatal("after the failed payments no invoice of an order paid at checkout is open; want the fault to have left them open")
	}

	pl, _ := w.apply()
	if c := pl.Flow("order_payments_to_invoices").Counts(); c.Update != open {
		t.Errorf("the apply after the failure plans %+v in order_payments_to_invoices; want %d updates (the open invoices)", c, open)
	}
	invoices := w.read("eaccounting", "customerinvoices")
	for id := range paidOrders {
		found := findBy(invoices, "YourReference", "HS-"+id)
		if len(found) != 1 {
			t.Errorf("order %s: %d invoices; want 1", id, len(found))
			continue
		}
		inv := found[0]
		total, _ := inv["TotalAmountInvoiceCurrency"].(float64)
		remaining, _ := inv["RemainingAmountInvoiceCurrency"].(float64)
		if total <= 0 || math.Abs(remaining) >= 0.005 || str(inv["PaymentStatus"]) != "0" {
			t.Errorf("order %s: invoice %v total %v %v, remaining %v, PaymentStatus %v; want paid in full (remaining 0, status 0)",
				id, inv["InvoiceNumber"], total, inv["CurrencyCode"], remaining, inv["PaymentStatus"])
		}
	}

	_, pl = w.plan()
	if c := pl.Flow("order_payments_to_invoices").Counts(); c.Changes() || c.Error > 0 {
		t.Errorf("the third plan has %+v in order_payments_to_invoices; want nothing to do", c)
	}
}
