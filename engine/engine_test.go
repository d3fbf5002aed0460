package engine

import (
	"context"
	"os"
	"path/filepath"
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
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Email", Type: connectors.TypeString, Key: true},
		{Name: "Name", Type: connectors.TypeString, Required: true},
		{Name: "Note", Type: connectors.TypeString},
		{Name: "Number", Type: connectors.TypeString, ReadOnly: true},
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
	store := connectortest.NewStore()
	store.Define("crm", "contacts", contactSchema)
	store.Define("crm", "orders", orderSchema)
	store.Define("books", "customers", customerSchema)
	store.Define("books", "orders", targetOrderSchema)
	reg := connectors.NewRegistry()
	if err := reg.Register(connectortest.Factory(store)); err != nil {
		t.Fatal(err)
	}
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
	for _, c := range fp.Changes {
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
