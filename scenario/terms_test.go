package scenario

import (
	"math"
	"testing"
)

// termsByMethod are the demo company's terms of payment that the library's
// payment_terms map each HubSpot payment method to.
var termsByMethod = map[string]string{"card": "Kortbetalning", "paypal": "Kortbetalning", "invoice": "30 dagar netto"}

// TestPaymentTerms: whatever order_target, each document carries the terms
// of payment its order's payment method maps to (not the customer's
// "30 dagar netto" for a card payment), and with order_target = "invoice"
// an order paid at checkout (card, PayPal) is booked as a paid invoice:
// nothing remains to pay, so it is no open receivable. An order paid by
// invoice stays open, due by its terms.
func TestPaymentTerms(t *testing.T) {
	for _, tc := range []struct{ target, object string }{
		{"order", "orders"},
		{"draft", "customerinvoicedrafts"},
		{"invoice", "customerinvoices"},
	} {
		t.Run(tc.target, func(t *testing.T) {
			w := newWorld(t)
			w.vars["order_target"] = tc.target
			d := readDemo(w)
			_, res := w.apply()
			if c := res.Counts(); c.Unverified != 0 {
				t.Errorf("%d documents failed their verification; want none", c.Unverified)
			}
			terms := w.read("eaccounting", "termsofpayments")
			docs := w.read("eaccounting", tc.object)
			checked := map[string]int{}
			for _, id := range sortedKeys(d.orders) {
				o := d.orders[id]
				method := str(o["hs_payment_processing_method"])
				want, mapped := termsByMethod[method]
				found := findBy(docs, "YourReference", "HS-"+id)
				if !sent(o) || !mapped || len(found) != 1 {
					continue
				}
				doc := found[0]
				got := terms[str(doc["TermsOfPaymentId"])]["Name"]
				if got != want {
					t.Errorf("order %s paid by %s: the %s has terms %v; want %s", id, method, tc.target, got, want)
				}
				checked[method]++
				if tc.target != "invoice" {
					continue
				}
				remaining, _ := doc["RemainingAmountInvoiceCurrency"].(float64)
				total, _ := doc["TotalAmountInvoiceCurrency"].(float64)
				paidAtCheckout := method != "invoice"
				switch {
				case paidAtCheckout && (math.Abs(remaining) >= 0.005 || str(doc["PaymentStatus"]) != "0"):
					t.Errorf("order %s paid by %s: invoice %v has %v of %v %v remaining, PaymentStatus %v; want it paid (0 remaining, status 0)",
						id, method, doc["InvoiceNumber"], remaining, total, doc["CurrencyCode"], doc["PaymentStatus"])
				case !paidAtCheckout && (math.Abs(remaining-total) >= 0.005 || str(doc["PaymentStatus"]) == "0"):
					t.Errorf("order %s paid by invoice: invoice %v has %v of %v remaining; want it open", id, doc["InvoiceNumber"], remaining, total)
				}
			}
			if checked["card"]+checked["paypal"] == 0 || checked["invoice"] == 0 {
				t.Fatalf("checked %v documents by payment method; want card or PayPal orders and invoice orders", checked)
			}
		})
	}
}
