package scenario

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// TestApplyRechecksCreatedCustomer: between the plan and the writes (an
// apply waiting at its prompt), someone other than kopla creates in
// eAccounting one of the customers the plan creates. An apply that
// rechecks its creates does not create that customer twice, reports it,
// and the next apply converges on the customer that exists.
func TestApplyRechecksCreatedCustomer(t *testing.T) {
	w := newWorld(t)
	p, pl := w.plan("contacts_to_customers")
	var planned *plan.Change
	for ch := range pl.Flow("contacts_to_customers").Changes() {
		if ch.Action == plan.Create {
			planned = ch
			break
		}
	}
	if planned == nil {
		t.Fatal("the plan creates no customer")
	}
	email := str(planned.Key)

	// The same customer, created through the API by another program.
	fields := map[string]any{}
	for _, fc := range planned.Fields {
		if !fc.Unknown && fc.After != nil {
			fields[fc.Name] = fc.After
		}
	}
	customers, err := w.open("eaccounting").Object("customers")
	if err != nil {
		t.Fatal(err)
	}
	if res := customers.(connectors.Writer).Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: fields, KeyField: "EmailAddress"}}); res[0].Err != nil {
		t.Fatalf("create the customer beside kopla: %v", res[0].Err)
	}

	res, diags := p.Apply(t.Context(), pl, engine.ApplyOptions{State: w.st, Holder: "scenario test", RecheckCreates: true})
	if diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	rr := results(res, "contacts_to_customers")[planned.SourceKey]
	if rr == nil || rr.Action != plan.Error || rr.Field != "EmailAddress" || !strings.Contains(rr.Error, "was created in eaccounting.books.customers after the plan was made") {
		t.Fatalf("result of the customer created meanwhile = %+v; want an error naming EmailAddress", rr)
	}
	if strings.Contains(rr.Error, email) {
		t.Errorf("the error shows the sensitive e-mail: %s", rr.Error)
	}
	c := res.Counts()
	if c.Create == 0 {
		t.Errorf("apply created no other customer: %+v", c)
	}
	one(t, w.read("eaccounting", "customers"), "EmailAddress", email)

	// The next plan finds the customer by its e-mail: nothing is created.
	_, pl = w.plan("contacts_to_customers")
	if ch := changes(pl, "contacts_to_customers")[planned.SourceKey]; ch != nil && ch.Action == plan.Create {
		t.Errorf("the next plan creates %s again", email)
	}
	if n := pl.Counts().Create; n != 0 {
		t.Errorf("the next plan creates %d customers; want 0", n)
	}
	w.apply("contacts_to_customers")
	one(t, w.read("eaccounting", "customers"), "EmailAddress", email)
}

// TestLockHeldFromPlanToApply: an apply that takes the lock before it
// plans keeps a second one out until it has written; the second, once in,
// plans after the first's writes and books no customer twice.
func TestLockHeldFromPlanToApply(t *testing.T) {
	w := newWorld(t)
	lock, diags := engine.LockState(t.Context(), w.st, engine.LockOptions{Holder: "first apply"})
	if diags.HasErrors() {
		t.Fatalf("lock: %s", diagText(diags))
	}
	p, pl := w.plan("contacts_to_customers")

	// A second process (its own store on the same file) is refused at
	// once, before it reads anything.
	other, err := state.Open(t.Context(), filepath.Join(w.dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, diags := engine.LockState(t.Context(), other, engine.LockOptions{Holder: "second apply"}); !diags.HasErrors() ||
		diags[0].Summary != "State is locked" || !strings.Contains(diags[0].Detail, "first apply, pid") || !strings.Contains(diags[0].Detail, "-lock-timeout") {
		t.Fatalf("second lock = %s; want State is locked, naming the first apply", diagText(diags))
	}

	res, diags := p.Apply(t.Context(), pl, engine.ApplyOptions{State: w.st, Lock: lock})
	if diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	if diags := lock.Unlock(); diags.HasErrors() {
		t.Fatalf("unlock: %s", diagText(diags))
	}
	created := res.Counts().Create
	if created == 0 {
		t.Fatal("the first apply created no customer")
	}
	before := w.read("eaccounting", "customers")

	lock2, diags := engine.LockState(t.Context(), other, engine.LockOptions{Holder: "second apply"})
	if diags.HasErrors() {
		t.Fatalf("second lock after the first apply: %s", diagText(diags))
	}
	defer lock2.Unlock()
	_, pl = w.plan("contacts_to_customers")
	if n := pl.Counts().Create; n != 0 {
		t.Errorf("the second apply plans %d creates after the first created %d", n, created)
	}
	if got := w.read("eaccounting", "customers"); len(got) != len(before) {
		t.Errorf("customers: %d, then %d", len(before), len(got))
	}
}
