package eaccounting

import (
	"fmt"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

// otherClient opens a second connection to the run's fake: someone other
// than kopla editing the company.
func (r *customersRun) otherClient(t *testing.T) *writableObject {
	e := &env{srv: r.srv, base: r.base, identity: r.srv.DirectURL(), stateDir: t.TempDir()}
	e.conn = e.open(t, connectors.Config{
		"client_id": r.srv.ClientID(), "client_secret": r.srv.ClientSecret(), "base_url": r.base + "/v2",
		"identity_url": r.srv.DirectURL(), "refresh_token": r.srv.IssueRefreshToken(), "rate_limit": int64(600 * 10000),
	})
	return e.writer(t, "customers")
}

// renamePeople gives every source person a new name.
func (r *customersRun) renamePeople(n int, suffix string) {
	recs := make([]connectors.Record, n)
	for i := range recs {
		recs[i] = connectors.Record{ID: fmt.Sprintf("p%d", i), Fields: map[string]any{
			"number": fmt.Sprintf("C%05d", i), "name": fmt.Sprintf("Customer %d %s", i, suffix),
			"email": fmt.Sprintf("Billing%d@Example.com", i), "city": "Stockholm", "zip": "11122",
		}}
	}
	r.store.Put("crm", "people", recs...)
}

// setTelephone sets a field the flow does not manage, by another client.
func setTelephone(t *testing.T, w *writableObject, number, phone string) {
	t.Helper()
	found, err := w.Find(t.Context(), "CustomerNumber", []any{number})
	if err != nil || len(found) != 1 {
		t.Fatalf("find %s: %v, %d found", number, err, len(found))
	}
	res := w.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: found[0].ID, Fields: map[string]any{"Telephone": phone}}})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
}

func telephoneOf(t *testing.T, w *writableObject, number string) any {
	t.Helper()
	found, err := w.Find(t.Context(), "CustomerNumber", []any{number})
	if err != nil || len(found) != 1 {
		t.Fatalf("find %s: %v, %d found", number, err, len(found))
	}
	return found[0].Fields["Telephone"]
}

// TestUpdateCostsOneCall: an apply right after its plan updates each
// customer with one PUT, merged into the plan's read of the record (no GET
// before it), and keeps the fields the flow does not manage.
func TestUpdateCostsOneCall(t *testing.T) {
	const n = 30
	r := newCustomersRun(t, n, 600*10000)
	if c := r.run(); c.Create != n {
		t.Fatalf("first run: %+v", c)
	}
	other := r.otherClient(t)
	setTelephone(t, other, "C00003", "+46 8 123 45")
	r.renamePeople(n, "Ltd")
	pl := r.plan()
	if c := pl.Counts(); c.Update != n {
		t.Fatalf("plan: %+v; want %d updates", c, n)
	}
	r.srv.ResetCounters()
	r.apply(pl, false)
	if got := apiRequests(r.srv); got != n {
		t.Errorf("apply made %d API requests for %d updates; want one each", got, n)
	}
	if got := r.srv.Requests("PUT /v2/customers/{customerId}"); got != n {
		t.Errorf("%d PUTs; want %d", got, n)
	}
	if got := r.srv.Requests("GET /v2/customers/{customerId}"); got != 0 {
		t.Errorf("%d GETs of a customer before its PUT; want 0", got)
	}
	if got := telephoneOf(t, other, "C00003"); got != "+46 8 123 45" {
		t.Errorf("Telephone after the update = %v; the merge lost it", got)
	}
	if c := r.run(); c.Changes() {
		t.Errorf("third run: %+v; want nothing to change", c)
	}
}

// TestSavedPlanUpdateReadsChangedRecord: a saved plan whose record changed
// since, in a field the flow does not write, is not stale, but that record
// is read again before the merge: the other client's change survives. The
// records that did not change cost one call each.
func TestSavedPlanUpdateReadsChangedRecord(t *testing.T) {
	const n = 10
	r := newCustomersRun(t, n, 600*10000)
	r.run()
	r.renamePeople(n, "Oy")
	pl := r.plan()
	other := r.otherClient(t)
	setTelephone(t, other, "C00004", "+46 31 555 01")
	r.srv.ResetCounters()
	r.apply(pl, true)
	if got := r.srv.Requests("PUT /v2/customers/{customerId}"); got != n {
		t.Errorf("%d PUTs; want %d", got, n)
	}
	if got := telephoneOf(t, other, "C00004"); got != "+46 31 555 01" {
		t.Errorf("Telephone after the saved plan's update = %v; the merge used the plan's old read", got)
	}
	// The stale check reads the records (by list); the apply reads only
	// the changed one again.
	if got := r.srv.Requests("GET /v2/customers/{customerId}"); got != 1 {
		t.Errorf("%d GETs of a customer before its PUT; want 1, of the record changed since the plan", got)
	}
	if got, want := apiRequests(r.srv), r.srv.Requests("GET /v2/customers")+1+n; got != want {
		t.Errorf("%d API requests; want %d (the stale check's, one GET and %d PUTs)", got, want, n)
	}
}
