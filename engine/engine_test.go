package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// harness is a project on the memory connector with its own state.
type harness struct {
	t     *testing.T
	dir   string
	store *connectortest.Store
	st    *state.Store
	eng   *Engine
}

var (
	contactSchema = connectors.Schema{Fields: []connectors.Field{
		{Name: "email", Type: connectors.TypeString, Key: true},
		{Name: "first", Type: connectors.TypeString},
		{Name: "last", Type: connectors.TypeString},
		{Name: "active", Type: connectors.TypeBool},
		{Name: "company", Type: connectors.TypeString},
	}}
	customerSchema = connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true, Key: true},
		{Name: "Email", Type: connectors.TypeString, Key: true},
		{Name: "Name", Type: connectors.TypeString, Required: true},
		{Name: "Note", Type: connectors.TypeString},
		{Name: "Number", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Labels", Type: connectors.TypeList, CreateOnly: true},
	}}
	vatSchema = connectors.Schema{ReadOnly: true, Fields: []connectors.Field{
		{Name: "Code", Type: connectors.TypeString, Key: true},
		{Name: "Rate", Type: connectors.TypeNumber},
	}}
	orderSchema = connectors.Schema{Fields: []connectors.Field{
		{Name: "ref", Type: connectors.TypeString, Key: true},
		{Name: "email", Type: connectors.TypeString},
		{Name: "amount", Type: connectors.TypeNumber},
	}}
	targetOrderSchema = connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Reference", Type: connectors.TypeString, Key: true},
		{Name: "CustomerId", Type: connectors.TypeString, Required: true},
		{Name: "Amount", Type: connectors.TypeNumber},
	}}
)

func newHarness(t *testing.T, hcl string) *harness {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(hcl), 0o644); err != nil {
		t.Fatal(err)
	}
	store, reg := testRegistry(t)
	st, err := state.Open(t.Context(), filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &harness{t: t, dir: dir, store: store, st: st, eng: New(Options{Registry: reg})}
}

func (h *harness) project() *Project {
	h.t.Helper()
	cfg, diags := dsl.Load(h.dir, dsl.Options{})
	if diags.HasErrors() {
		h.t.Fatalf("load: %v", diags)
	}
	p, diags := h.eng.Compile(cfg)
	if diags.HasErrors() {
		h.t.Fatalf("compile: %v", diags)
	}
	return p
}

func (h *harness) plan(opts PlanOptions) *plan.Plan {
	h.t.Helper()
	opts.State = h.st
	pl, diags := h.project().Plan(context.Background(), opts)
	if diags.HasErrors() {
		h.t.Fatalf("plan: %v", diags)
	}
	return pl
}

func (h *harness) apply(pl *plan.Plan) *Result {
	h.t.Helper()
	res, diags := h.project().Apply(context.Background(), pl, ApplyOptions{State: h.st})
	if diags.HasErrors() {
		h.t.Fatalf("apply: %v", diags)
	}
	return res
}

// changesOf collects a flow plan's changes.
func changesOf(fp *plan.FlowPlan) []*plan.Change {
	var out []*plan.Change
	for ch := range fp.Changes() {
		out = append(out, ch)
	}
	return out
}

func contact(id, email, first, last string, active bool) connectors.Record {
	return connectors.Record{ID: id, Fields: map[string]any{"email": email, "first": first, "last": last, "active": active}}
}

const customersFlow = `
connection "memory" "crm" {}
connection "memory" "books" {}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  where  = "source.active"
  key    = "Email"
  fields {
    Email = "lower(trim(source.email))"
    Name  = "source.first + ' ' + source.last"
  }
  create_only {
    Note = "'imported'"
  }
}
`

func TestPlanApplyCycle(t *testing.T) {
	h := newHarness(t, customersFlow)
	h.store.Put("crm", "contacts",
		contact("c1", " Ada@Example.com ", "Ada", "Byron", true),
		contact("c2", "bob@example.com", "Bob", "Stone", true),
		contact("c3", "cy@example.com", "Cy", "Off", false),
	)
	pl := h.plan(PlanOptions{})
	if got, want := pl.Counts(), (plan.Counts{Create: 2, Skip: 1}); got != want {
		t.Fatalf("first plan counts = %+v; want %+v", got, want)
	}
	res := h.apply(pl)
	if got := res.Counts(); got.Create != 2 || got.Error != 0 {
		t.Fatalf("apply counts = %+v; want 2 creates", got)
	}
	if got := h.plan(PlanOptions{}).Counts(); got.Changes() {
		t.Fatalf("second plan has changes: %+v", got)
	}

	// A name change is one update of Name only; a note edited by hand in the
	// target survives.
	recs := h.store.Records("books", "customers")
	for _, r := range recs {
		if r.Fields["Email"] == "ada@example.com" {
			r.Fields["Note"] = "VIP"
			h.store.Put("books", "customers", r)
		}
	}
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Lovelace", true))
	pl = h.plan(PlanOptions{})
	fp := pl.Flow("customers")
	var updates []*plan.Change
	for _, c := range changesOf(fp) {
		if c.Action == plan.Update {
			updates = append(updates, c)
		}
	}
	if len(updates) != 1 || len(updates[0].Fields) != 1 || updates[0].Fields[0].Name != "Name" || updates[0].Fields[0].After != "Ada Lovelace" {
		t.Fatalf("updates = %+v; want one update of Name", updates)
	}
	h.apply(pl)
	for _, r := range h.store.Records("books", "customers") {
		if r.Fields["Email"] == "ada@example.com" && (r.Fields["Note"] != "VIP" || r.Fields["Name"] != "Ada Lovelace") {
			t.Errorf("customer after update = %v; want Name Ada Lovelace and Note VIP", r.Fields)
		}
	}
}

const ordersFlow = customersFlow + `
flow "orders" {
  source = memory.crm.orders
  target = memory.books.orders
  key    = "Reference"
  mode   = "create"

  ensure "customer" {
    flow  = flow.customers
    input = "find(memory.crm.contacts, 'email', source.email)"
  }

  fields {
    Reference  = "'HS-' + source.ref"
    CustomerId = "ensured.customer.id"
    Amount     = "round_money(source.amount)"
  }
}
`

func order(id, ref, email string, amount float64) connectors.Record {
	return connectors.Record{ID: id, Fields: map[string]any{"ref": ref, "email": email, "amount": amount}}
}

func TestEnsureKnownAfterApply(t *testing.T) {
	h := newHarness(t, ordersFlow)
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	h.store.Put("crm", "orders", order("o1", "1001", "ada@example.com", 10.005), order("o2", "1002", "ada@example.com", 20))

	pl := h.plan(PlanOptions{Flows: []string{"orders"}})
	cust := pl.Flow("customers")
	if cust == nil || !cust.Dependency || len(changesOf(cust)) != 1 || changesOf(cust)[0].Action != plan.Create {
		t.Fatalf("customers plan = %+v; want the ensured customer created once", cust)
	}
	orders := pl.Flow("orders")
	if len(changesOf(orders)) != 2 {
		t.Fatalf("orders changes = %d; want 2", len(changesOf(orders)))
	}
	for _, ch := range changesOf(orders) {
		var customerID plan.FieldChange
		for _, fc := range ch.Fields {
			if fc.Name == "CustomerId" {
				customerID = fc
			}
		}
		if !customerID.Unknown || customerID.After != plan.Unknown {
			t.Errorf("order %s CustomerId = %+v; want known after apply", ch.SourceKey, customerID)
		}
		if len(ch.Requires) != 1 || ch.Requires[0].Flow != "customers" {
			t.Errorf("order %s requires %+v; want the customer", ch.SourceKey, ch.Requires)
		}
	}

	res := h.apply(pl)
	if c := res.Counts(); c.Create != 3 || c.Error+c.Blocked != 0 {
		t.Fatalf("apply counts = %+v; want 3 creates", c)
	}
	custs := h.store.Records("books", "customers")
	if len(custs) != 1 {
		t.Fatalf("customers = %v; want 1", custs)
	}
	for _, o := range h.store.Records("books", "orders") {
		if o.Fields["CustomerId"] != custs[0].ID {
			t.Errorf("order %v CustomerId = %v; want %s", o.Fields["Reference"], o.Fields["CustomerId"], custs[0].ID)
		}
	}
	if got := h.store.Records("books", "orders")[0].Fields["Amount"]; got != 10.01 {
		t.Errorf("Amount = %v; want 10.01", got)
	}
	// Re-applying creates nothing new: orders exist (mode create skips them).
	if c := h.plan(PlanOptions{}).Counts(); c.Changes() {
		t.Errorf("second plan = %+v; want no changes", c)
	}
}

func TestPartialFailureBlocksDependents(t *testing.T) {
	h := newHarness(t, ordersFlow)
	h.store.Put("crm", "contacts",
		contact("c1", "ada@example.com", "Ada", "Byron", true),
		contact("c2", "bad@example.com", "Bad", "Record", true))
	h.store.Put("crm", "orders", order("o1", "1001", "ada@example.com", 10), order("o2", "1002", "bad@example.com", 20))
	h.store.FailWrite("books", "customers", func(w connectors.Write) error {
		if w.Fields["Email"] == "bad@example.com" {
			return &connectors.APIError{Service: "memory", Status: 400, Code: "VALIDATION", Message: "refused", Fields: []connectors.FieldError{{Field: "Email", Message: "refused"}}}
		}
		return nil
	})
	res, diags := h.project().Apply(t.Context(), h.plan(PlanOptions{}), ApplyOptions{State: h.st})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	byKey := map[string]*RecordResult{}
	for _, f := range res.Flows {
		for _, r := range f.Records {
			byKey[f.Flow+"/"+r.SourceKey] = r
		}
	}
	want := map[string]plan.Action{"customers/c1": plan.Create, "customers/c2": plan.Error, "orders/o1": plan.Create, "orders/o2": plan.Blocked}
	for k, a := range want {
		if byKey[k] == nil || byKey[k].Action != a {
			t.Errorf("%s = %+v; want %s", k, byKey[k], a)
		}
	}
	if r := byKey["customers/c2"]; r != nil && r.Field != "Email" {
		t.Errorf("failed record field = %q; want Email", r.Field)
	}
	if got := len(h.store.Records("books", "orders")); got != 1 {
		t.Errorf("orders written = %d; want 1", got)
	}
	acts, err := h.st.Activities(t.Context(), state.ActivityFilter{Flow: "orders"})
	if err != nil || len(acts) != 2 {
		t.Fatalf("orders activity = %d entries, %v; want 2", len(acts), err)
	}
}

func TestModes(t *testing.T) {
	for _, tc := range []struct {
		mode string
		want plan.Counts
	}{
		{"upsert", plan.Counts{Create: 1, Update: 1}},
		{"create", plan.Counts{Create: 1, Skip: 1}},
		{"update", plan.Counts{Update: 1, Skip: 1}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			h := newHarness(t, strings.Replace(customersFlow, `key    = "Email"`, `key    = "Email"
  mode   = "`+tc.mode+`"`, 1))
			h.store.Put("crm", "contacts",
				contact("c1", "ada@example.com", "Ada", "Lovelace", true),
				contact("c2", "new@example.com", "New", "Person", true))
			h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron"}})
			pl := h.plan(PlanOptions{})
			if got := pl.Counts(); got != tc.want {
				t.Fatalf("counts = %+v; want %+v", got, tc.want)
			}
			h.apply(pl)
			if got := h.plan(PlanOptions{}).Counts(); got.Changes() {
				t.Errorf("plan after apply = %+v; want no changes", got)
			}
		})
	}
}

func TestSavedPlanStale(t *testing.T) {
	h := newHarness(t, customersFlow)
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Lovelace", true), contact("c2", "new@example.com", "New", "Person", true))
	id := h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada Byron"}})[0]
	pl := h.plan(PlanOptions{})

	// The target record changes after the plan: the saved plan is refused.
	h.store.Put("books", "customers", connectors.Record{ID: id, Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada King"}})
	_, diags := h.project().Apply(t.Context(), pl, ApplyOptions{State: h.st, Saved: true})
	if !diags.HasErrors() || diags[0].Summary != "Saved plan is stale" || !strings.Contains(diags[0].Detail, "field Name") {
		t.Fatalf("apply of stale plan: %v; want Saved plan is stale naming field Name", diags)
	}
	if n := len(h.store.Records("books", "customers")); n != 1 {
		t.Fatalf("stale apply wrote records: %d customers", n)
	}

	// A record to create appears in the target.
	pl = h.plan(PlanOptions{})
	h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "new@example.com", "Name": "Someone"}})
	if _, diags := h.project().Apply(t.Context(), pl, ApplyOptions{State: h.st, Saved: true}); !diags.HasErrors() || !strings.Contains(diags[0].Detail, "now exists") {
		t.Fatalf("apply with a create that now exists: %v; want stale", diags)
	}

	// The configuration changes.
	pl = h.plan(PlanOptions{})
	if err := os.WriteFile(filepath.Join(h.dir, "main.hcl"), []byte(strings.Replace(customersFlow, "'imported'", "'changed'", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, diags := h.project().Apply(t.Context(), pl, ApplyOptions{State: h.st, Saved: true}); !diags.HasErrors() || !strings.Contains(diags[0].Detail, "flow files") {
		t.Fatalf("apply after config change: %v; want stale", diags)
	}
}

func TestLockContention(t *testing.T) {
	h := newHarness(t, customersFlow)
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Lovelace", true))
	pl := h.plan(PlanOptions{})
	other, err := state.Open(t.Context(), filepath.Join(h.dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	unlock, err := other.Lock(t.Context(), "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, diags := h.project().Apply(t.Context(), pl, ApplyOptions{State: h.st})
	if !diags.HasErrors() || diags[0].Summary != "State is locked" {
		t.Fatalf("second apply: %v; want State is locked", diags)
	}
	if n := len(h.store.Records("books", "customers")); n != 0 {
		t.Errorf("locked apply wrote %d records", n)
	}
}

// TestCrashAfterWrite simulates a process that dies after the target stored
// a create but before kopla stored the answer: the next apply must not
// create the record again.
func TestCrashAfterWrite(t *testing.T) {
	h := newHarness(t, customersFlow)
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Lovelace", true))
	pl := h.plan(PlanOptions{})
	crash := true
	h.store.AfterWrite(func(conn, object string, writes []connectors.Write, results []connectors.WriteResult) error {
		if crash {
			crash = false
			return errors.New("connection reset after the write committed")
		}
		return nil
	})
	res := h.apply(pl)
	if c := res.Counts(); c.Error != 1 {
		t.Fatalf("crashed apply counts = %+v; want the write reported failed", c)
	}
	if n := len(h.store.Records("books", "customers")); n != 1 {
		t.Fatalf("customers after crash = %d; want 1 (the write committed)", n)
	}
	// Re-planning finds the record by key; applying the old plan again
	// reconciles the interrupted create instead of duplicating it.
	res = h.apply(pl)
	if n := len(h.store.Records("books", "customers")); n != 1 {
		t.Fatalf("customers after re-apply = %d; want 1 (no duplicate)", n)
	}
	if c := res.Counts(); c.Error != 0 {
		t.Errorf("re-apply counts = %+v; want no errors", c)
	}
	if c := h.plan(PlanOptions{}).Counts(); c.Changes() {
		t.Errorf("plan after reconcile = %+v; want no changes", c)
	}
}

// TestReadOnlyKeyInUpdateMode writes back to records found by their system
// id: the id identifies them and is never written.
func TestReadOnlyKeyInUpdateMode(t *testing.T) {
	h := newHarness(t, `
connection "memory" "crm" {}
connection "memory" "books" {}

flow "notes" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Id"
  mode   = "update"
  fields {
    Id   = "source.company"
    Note = "'seen ' + source.first"
  }
}
`)
	id := h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "ada@example.com", "Name": "Ada"}})[0]
	rec := h.store.Records("books", "customers")[0]
	rec.Fields["Id"] = id
	h.store.Put("books", "customers", rec)
	h.store.Put("crm", "contacts", connectors.Record{ID: "c1", Fields: map[string]any{"company": id, "first": "Ada"}})
	pl := h.plan(PlanOptions{})
	chs := changesOf(pl.Flow("notes"))
	if len(chs) != 1 || chs[0].Action != plan.Update || len(chs[0].Fields) != 1 || chs[0].Fields[0].Name != "Note" {
		t.Fatalf("changes = %+v; want one update of Note only", chs)
	}
	h.apply(pl)
	if got := h.store.Records("books", "customers")[0].Fields["Note"]; got != "seen Ada" {
		t.Errorf("Note = %v; want seen Ada", got)
	}
}

// TestPositionalIDsMatchByKeyOnly inserts a row by hand before a linked one:
// the new row's positional ID is the old row's, and must not take over its
// target record.
func TestPositionalIDsMatchByKeyOnly(t *testing.T) {
	h := newHarness(t, customersFlow)
	positional := contactSchema
	positional.PositionalIDs = true
	h.store.Define("crm", "contacts", positional)
	h.store.Put("crm", "contacts", contact("line:2", "ann@example.com", "Ann", "One", true))
	h.apply(h.plan(PlanOptions{}))

	// Bob is inserted at line 2; Ann moves to line 3.
	h.store.Put("crm", "contacts", contact("line:2", "bob@example.com", "Bob", "Two", true), contact("line:3", "ann@example.com", "Ann", "One", true))
	pl := h.plan(PlanOptions{})
	if c := pl.Counts(); c.Create != 1 || c.Update != 0 {
		t.Fatalf("counts = %+v; want Bob created and Ann unchanged", c)
	}
	h.apply(pl)
	names := map[string]bool{}
	for _, r := range h.store.Records("books", "customers") {
		names[r.Fields["Name"].(string)] = true
	}
	if !names["Ann One"] || !names["Bob Two"] || len(names) != 2 {
		t.Errorf("customers = %v; want Ann One and Bob Two", names)
	}
}

// TestTargetInExpressions: fields see the matched target record as target
// (nil on create); the key is computed before, without it.
func TestTargetInExpressions(t *testing.T) {
	h := newHarness(t, strings.Replace(customersFlow, `Name  = "source.first + ' ' + source.last"`,
		`Name  = "target == nil ? source.first : target.Name + ' & ' + source.first"`, 1))
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true), contact("c2", "bob@example.com", "Bob", "Stone", true))
	h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "bob@example.com", "Name": "Robert"}})
	pl := h.plan(PlanOptions{})
	got := map[string]any{}
	for _, ch := range changesOf(pl.Flow("customers")) {
		for _, fc := range ch.Fields {
			if fc.Name == "Name" {
				got[ch.SourceKey] = fc.After
			}
		}
	}
	if got["c1"] != "Ada" || got["c2"] != "Robert & Bob" {
		t.Errorf("Name = %v; want Ada (create) and Robert & Bob (update)", got)
	}
}

// TestEnsureInputIsTheFlowsOwnRecord: an order ensures its customer from a
// copy of the contact (no id); the customers flow reads the same contact
// itself. One customer, no duplicate-key error.
func TestEnsureInputIsTheFlowsOwnRecord(t *testing.T) {
	h := newHarness(t, strings.Replace(ordersFlow,
		`input = "find(memory.crm.contacts, 'email', source.email)"`,
		`input = "{email: source.email, first: 'Ada', last: 'Byron', active: true}"`, 1))
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	h.store.Put("crm", "orders", order("o1", "1001", "ada@example.com", 10))
	pl := h.plan(PlanOptions{})
	if c := pl.Counts(); c.Error != 0 || c.Create != 2 {
		for _, fp := range pl.Flows {
			for _, ch := range changesOf(fp) {
				t.Logf("%s %s %s %s", fp.Flow, ch.SourceKey, ch.Action, ch.Reason)
			}
		}
		t.Fatalf("counts = %+v; want the customer and the order created, no errors", c)
	}
	h.apply(pl)
	if n := len(h.store.Records("books", "customers")); n != 1 {
		t.Errorf("customers = %d; want 1", n)
	}
	if o := h.store.Records("books", "orders"); len(o) != 1 || o[0].Fields["CustomerId"] != h.store.Records("books", "customers")[0].ID {
		t.Errorf("orders = %v; want one order of the customer", o)
	}
}

// TestMissingTextComparesAsNil: a text field that is missing compares
// unequal instead of failing the record.
func TestMissingTextComparesAsNil(t *testing.T) {
	h := newHarness(t, strings.Replace(customersFlow, `where  = "source.active"`, `where  = "source.company == 'Acme'"`, 1))
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	if c := h.plan(PlanOptions{}).Counts(); c.Error != 0 || c.Skip != 1 {
		t.Errorf("counts = %+v; want the contact without company filtered out, no error", c)
	}
}
