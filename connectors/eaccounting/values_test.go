package eaccounting

import (
	"slices"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// TestFieldValues: reference data lists a field's values in one read of
// its list; customers, found through $filter, are not listed at all.
func TestFieldValues(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.srv.ResetCounters()
	terms := connectors.ValueLister(e.object(t, "termsofpayments"))
	values, ok, err := terms.FieldValues(t.Context(), "Name")
	if err != nil || !ok || len(values) == 0 {
		t.Fatalf("termsofpayments Name values: %v, %v, %v; want some", values, ok, err)
	}
	if !slices.Contains(values, any("30 dagar netto")) {
		t.Errorf("termsofpayments Name values %v; want 30 dagar netto among them", values)
	}
	if n := e.srv.Requests("GET /v2/termsofpayments"); n != 1 {
		t.Errorf("%d reads of the terms of payment; want 1", n)
	}

	e.srv.ResetCounters()
	customers := connectors.ValueLister(e.object(t, "customers"))
	if values, ok, err := customers.FieldValues(t.Context(), "Name"); err != nil || ok || values != nil {
		t.Errorf("customers Name values: %v, %v, %v; want none listed", values, ok, err)
	}
	if n := e.srv.Requests("*"); n != 0 {
		t.Errorf("%d requests to list customers; want none", n)
	}
}
