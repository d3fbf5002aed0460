package scenario

import (
	"net/http"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

// create adds one record through a connector opened on a fake, as a user
// entering it in that system would, and returns its id.
func (w *world) create(kind, object string, fields map[string]any) string {
	w.t.Helper()
	obj, err := w.open(kind).Object(object)
	if err != nil {
		w.t.Fatal(err)
	}
	res := obj.(connectors.Writer).Write(w.t.Context(), []connectors.Write{{Action: connectors.Create, Fields: fields}})
	if res[0].Err != nil {
		w.t.Fatalf("create %s %s: %v", kind, object, res[0].Err)
	}
	return res[0].Record.ID
}

// applyAllowingErrors plans and applies the named flows and returns the
// result even when records fail, as a run that was interrupted does.
func (w *world) applyAllowingErrors(flows ...string) *engine.Result {
	w.t.Helper()
	p, pl := w.plan(flows...)
	res, _ := p.Apply(w.t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test"})
	return res
}

// TestCompanyArrivesAfterAnInterruptedApply: customers_to_companies first
// makes sure of the company customer's person (a HubSpot contact), then
// writes the company. When the apply is cut off between the two writes
// (every company write fails), the next apply still writes the company,
// associated with the contact created the first time, and the one after
// changes nothing.
func TestCompanyArrivesAfterAnInterruptedApply(t *testing.T) {
	w := newWorld(t)
	const email, name = "inköp@fjallvagen.example", "Fjällvägen Bygg AB"
	id := w.create("eaccounting", "customers", map[string]any{
		"Name": name, "IsPrivatePerson": false, "IsActive": true, "EmailAddress": email,
		"ContactPersonName": "Stina Fjäll", "ContactPersonEmail": email,
		"InvoiceAddress1": "Fjällvägen 2", "InvoicePostalCode": "831 30", "InvoiceCity": "Östersund", "InvoiceCountryCode": "SE",
		"TermsOfPaymentId": eaccountingtest.DemoTermsOfPayment30,
	})
	number := str(w.read("eaccounting", "customers")[id]["CustomerNumber"])

	// The interruption: the contact batch goes through, every company write
	// fails, as when the process dies between the two.
	w.sb.HubSpot().InjectFault(hubspottest.Fault{Method: http.MethodPost, PathPrefix: "/crm/objects/2026-03/companies/batch/create", Status: http.StatusServiceUnavailable, Times: -1})
	w.sb.HubSpot().InjectFault(hubspottest.Fault{Method: http.MethodPost, PathPrefix: "/crm/v3/objects/companies/batch/create", Status: http.StatusServiceUnavailable, Times: -1})
	w.applyAllowingErrors("customers_to_companies")
	w.sb.HubSpot().ClearFaults()

	contact := one(t, w.read("hubspot", "contacts"), "email", email)
	if n := len(findBy(w.read("hubspot", "companies"), "name", name)); n != 0 {
		t.Fatalf("after the interrupted apply HubSpot has %d companies named %s; want none (the fault did not interrupt)", n, name)
	}

	pl, _ := w.apply("customers_to_companies")
	if ch := changes(pl, "customers_to_companies")[id]; ch == nil || ch.Action != plan.Create {
		t.Errorf("the plan after the interruption has %v for customer %s; want a create of its company", ch, number)
	}
	company := one(t, w.read("hubspot", "companies", "contacts"), "name", name)
	if company["eaccounting_customer_number"] != number {
		t.Errorf("company eaccounting_customer_number = %v; want %s", company["eaccounting_customer_number"], number)
	}
	linked := false
	for _, c := range list(company["contacts"]) {
		linked = linked || str(c["id"]) == str(contact["hs_object_id"])
	}
	if !linked {
		t.Errorf("company %s is associated with %v; want the contact %v created before the interruption", name, company["contacts"], contact["hs_object_id"])
	}

	_, pl = w.plan("customers_to_companies")
	if c := pl.Flow("customers_to_companies").Counts(); c.Changes() || c.Error > 0 {
		t.Errorf("the plan after the company arrived has %+v; want nothing to do", c)
	}
}
