package scenario

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// TestMalformedVATNumberCaughtAtPlan: a company whose HubSpot vat_number
// is a Swedish organisation number without the 01 of a VAT number is its
// customer's error at plan, on VatNumber, saying what a Swedish VAT number
// is; its order is an error too and nothing of it reaches eAccounting. The
// other buyer's customer and order are booked, with reverse charge.
func TestMalformedVATNumberCaughtAtPlan(t *testing.T) {
	w := newWorld(t)
	w.apply() // the demo first: the apply below is about the two new orders
	bad := seedVATOrder(t, w, 1, vatBuyer{country: "SE", countryName: "Sweden", company: "Felnummer AB", vatNumber: "SE5590000001"})
	good := seedVATOrder(t, w, 2, vatBuyer{country: "DE", countryName: "Germany", company: "Steuer GmbH", vatNumber: "DE123456789"})

	pl, res := w.apply()
	cust := changes(pl, "contacts_to_customers")
	var badCust, goodCust *plan.Change
	for key, ch := range cust {
		switch {
		case strings.Contains(key, "1901"):
			badCust = ch
		case strings.Contains(key, "1902"):
			goodCust = ch
		}
	}
	if badCust == nil || badCust.Action != plan.Error || badCust.Field != "VatNumber" ||
		!strings.Contains(badCust.Reason, `"SE5590000001" is not a VAT number for SE`) || !strings.Contains(badCust.Reason, "organisation number and 01") {
		t.Errorf("plan of the customer with a malformed VAT number: %s; want an error on VatNumber saying what is wrong", brief(badCust))
	}
	if goodCust == nil || goodCust.Action != plan.Create {
		t.Errorf("plan of the other customer: %s; want a create", brief(goodCust))
	}
	if ch := changes(pl, ordersFlow)[bad]; ch == nil || ch.Action != plan.Error {
		t.Errorf("plan of order %s: %s; want an error (its customer's)", bad, brief(ch))
	}
	for _, r := range results(res, "contacts_to_customers") {
		if r.Error != "" {
			t.Errorf("customer %s failed at apply: %s; want it caught at plan", r.SourceKey, r.Error)
		}
	}

	customers := w.read("eaccounting", "customers")
	if n := len(findBy(customers, "Name", "Felnummer AB")); n != 0 {
		t.Errorf("%d eAccounting customers Felnummer AB; want none", n)
	}
	orders := w.read("eaccounting", "orders")
	if n := len(findBy(orders, "YourReference", "HS-"+bad)); n != 0 {
		t.Errorf("%d eAccounting orders HS-%s; want none", n, bad)
	}
	debtor := one(t, customers, "Name", "Steuer GmbH")
	if debtor["VatNumber"] != "DE123456789" {
		t.Errorf("Steuer GmbH VatNumber = %v; want DE123456789", debtor["VatNumber"])
	}
	o := one(t, orders, "YourReference", "HS-"+good)
	net, vat := num(o["Amount"]), num(o["VatAmount"])
	if o["IncludesVat"] == true {
		net -= vat
	}
	total := net + vat + num(o["RoundingsAmount"])
	if math.Abs(net-200) > 0.005 || vat != 0 || math.Abs(total-200) > 0.005 {
		t.Errorf("order HS-%s booked net %.2f + VAT %.2f = %.2f; want 200 + 0 = 200 (reverse charge)", good, net, vat, total)
	}
	if o["CurrencyCode"] != "SEK" || o["CustomerId"] != debtor["Id"] {
		t.Errorf("order HS-%s: currency %v, customer %v; want SEK, %v", good, o["CurrencyCode"], o["CustomerId"], debtor["Id"])
	}
	terms := w.read("eaccounting", "termsofpayments")
	if got, want := terms[str(o["TermsOfPaymentId"])]["Name"], termsByMethod["card"]; got != want {
		t.Errorf("order HS-%s paid by card has terms %v; want %s", good, got, want)
	}
}

// brief is a planned change as a failure message shows it.
func brief(ch *plan.Change) string {
	if ch == nil {
		return "none"
	}
	return fmt.Sprintf("%s on %q: %s", ch.Action, ch.Field, ch.Reason)
}

// TestMisspeltTermsNameTheClosest: a default_terms_of_payment that names
// no terms of payment leaves new customers without TermsOfPaymentId: each
// is an error at plan that names the find() that matched nothing and the
// closest terms eAccounting has, and no customer is created.
func TestMisspeltTermsNameTheClosest(t *testing.T) {
	w := newWorld(t)
	w.vars["default_terms_of_payment"] = "30 dagar neto"
	_, pl := w.plan()
	n := 0
	for _, ch := range changes(pl, "contacts_to_customers") {
		if ch.Action != plan.Error {
			continue
		}
		n++
		if ch.Field != "TermsOfPaymentId" || !strings.Contains(ch.Reason, `find(eaccounting.books.termsofpayments, "Name", "30 dagar neto") matched no record; the closest existing Name values are "30 dagar netto"`) {
			t.Errorf("plan of customer %s: %s; want an error on TermsOfPaymentId naming the closest terms", ch.SourceKey, brief(ch))
		}
	}
	if n == 0 {
		t.Error("no customer is an error; want every new one to be")
	}
	if c := pl.Flow("contacts_to_customers").Counts(); c.Create != 0 {
		t.Errorf("%d customers would be created without terms of payment", c.Create)
	}
}
