package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/engine/plan"
)

var dealSchema = connectors.Schema{Fields: []connectors.Field{
	{Name: "ref", Type: connectors.TypeString, Key: true},
	{Name: "contact", Type: connectors.TypeString},
	{Name: "contacts", Type: connectors.TypeList},
}}

// dealsFlow ensures the customer of a deal by the id of its contact, and
// the customers of all its contacts by their ids.
const dealsFlow = customersFlow + `
flow "deals" {
  source = memory.crm.deals
  target = memory.books.orders
  key    = "Reference"
  mode   = "create"

  ensure "customer" {
    flow = flow.customers
    id   = "source.contact"
  }
  ensure "all" {
    flow = flow.customers
    ids  = "source.contacts"
  }

  fields {
    Reference  = "'D-' + source.ref"
    CustomerId = "ensured.customer?.id ?? 'none'"
    Amount     = "len(ensured.all)"
  }
}
`

func dealsHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, dealsFlow)
	h.store.Define("crm", "deals", dealSchema)
	return h
}

func deal(id, ref string, contact any, contacts ...any) connectors.Record {
	return connectors.Record{ID: id, Fields: map[string]any{"ref": ref, "contact": contact, "contacts": contacts}}
}

// TestEnsureByID: the ensured flow plans its own source records, read by
// id in one Get per batch, once each however many deals name them, and once
// with its own read; a nil id ensures nothing; an unknown id is the deal's
// error.
func TestEnsureByID(t *testing.T) {
	h := dealsHarness(t)
	h.store.Put("crm", "contacts",
		contact("c1", "ada@example.com", "Ada", "Byron", true),
		contact("c2", "bob@example.com", "Bob", "Stone", true),
	)
	h.store.Put("crm", "deals",
		deal("d1", "1", "c1", "c1", "c2"),
		deal("d2", "2", "c2", "c2", nil),
		deal("d3", "3", nil),
		deal("d4", "4", "c9"),
	)
	h.store.ResetCalls()
	pl := h.plan(PlanOptions{Flows: []string{"deals"}})
	if n := h.store.Calls("crm", "contacts", connectortest.OpGet); n != 1 {
		t.Errorf("contacts Get calls = %d; want 1 (one batch)", n)
	}
	if n := h.store.Calls("crm", "contacts", connectortest.OpRead); n != 0 {
		t.Errorf("contacts Read calls = %d; want 0 (customers is only a dependency)", n)
	}
	cust := changesOf(pl.Flow("customers"))
	if len(cust) != 2 {
		t.Fatalf("customer changes = %+v; want c1 and c2 created once each", cust)
	}
	got := map[string]string{}
	for _, ch := range changesOf(pl.Flow("deals")) {
		detail := string(ch.Action)
		if ch.Action == plan.Error {
			detail += ": " + ch.Reason
		}
		for _, fc := range ch.Fields {
			if fc.Name == "Amount" {
				detail += " " + showValue(fc.After)
			}
			if fc.Name == "CustomerId" && !fc.Unknown {
				detail += " " + showValue(fc.After)
			}
		}
		got[ch.SourceKey] = detail
	}
	want := map[string]string{
		"d1": "create 2",
		"d2": "create 2",
		"d3": `create "none" 0`,
		"d4": "error: ensure customer: the source memory.crm.contacts of flow customers has no record c9",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("deal changes (-want +got):\n%s", diff)
	}

	// Planned with the customers flow's own read too: each contact once.
	pl = h.plan(PlanOptions{})
	if n := len(changesOf(pl.Flow("customers"))); n != 2 {
		t.Errorf("customer changes with the flow's own read = %d; want 2", n)
	}
}

// TestEnsureByIDSeesTheRecordAsRead: the ensured record is the source
// record with the fields and includes the flow reads, as its own read gives
// it.
func TestEnsureByIDSeesTheRecordAsRead(t *testing.T) {
	src := strings.Replace(dealsFlow, `where  = "source.active"`, "include = [\"notes\"]\n  where   = \"source.active\"", 1)
	src = strings.Replace(src, `Name  = "source.first + ' ' + source.last"`, `Name  = "source.first + ' ' + source.last + ' ' + string(len(source.notes ?? []))"`, 1)
	h := newHarness(t, src)
	h.store.Define("crm", "deals", dealSchema)
	withNotes := contactSchema
	withNotes.Includes = []connectors.Include{{Name: "notes", Object: "notes"}}
	h.store.Define("crm", "contacts", withNotes)
	h.store.Define("crm", "notes", connectors.Schema{Fields: []connectors.Field{{Name: "text", Type: connectors.TypeString}}})
	h.store.Put("crm", "contacts", connectors.Record{ID: "c1", Fields: map[string]any{
		"email": "ada@example.com", "first": "Ada", "last": "Byron", "active": true, "company": "Acme",
		"notes": []any{map[string]any{"text": "a"}, map[string]any{"text": "b"}},
	}})
	h.store.Put("crm", "deals", deal("d1", "1", "c1"))

	byRef := changesOf(h.plan(PlanOptions{Flows: []string{"deals"}}).Flow("customers"))
	read := changesOf(h.plan(PlanOptions{Flows: []string{"customers"}}).Flow("customers"))
	if len(byRef) != 1 || len(read) != 1 {
		t.Fatalf("changes by reference %d, by read %d; want 1 each", len(byRef), len(read))
	}
	if byRef[0].SourceKey != read[0].SourceKey || string(byRef[0].Source) != string(read[0].Source) {
		t.Errorf("ensured record %s %s; read record %s %s: want the same", byRef[0].SourceKey, byRef[0].Source, read[0].SourceKey, read[0].Source)
	}
	if !strings.Contains(string(read[0].Source), `"notes"`) || strings.Contains(string(read[0].Source), "Acme") {
		t.Errorf("read record %s; want the notes included and only the fields the flow reads", read[0].Source)
	}
	for _, fc := range byRef[0].Fields {
		if fc.Name == "Name" && fc.After != "Ada Byron 2" {
			t.Errorf("ensured Name = %v; want Ada Byron 2", fc.After)
		}
	}
}

// TestSyntheticInputNeverClears: a record an ensure builds without a field
// leaves the target's value of that field alone; a field it has updates.
func TestSyntheticInputNeverClears(t *testing.T) {
	src := strings.Replace(ordersFlow,
		`input = "find(memory.crm.contacts, 'email', source.email)"`,
		`input = "{email: source.email, first: 'Ada'}"`, 1)
	src = strings.Replace(src, `Name  = "source.first + ' ' + source.last"`, `Name  = "source.first"
    Note  = "source.company"`, 1)
	src = strings.Replace(src, "create_only {\n    Note = \"'imported'\"\n  }", "", 1)
	src = strings.Replace(src, `where  = "source.active"`, ``, 1)
	h := newHarness(t, src)
	h.store.Put("books", "customers", connectors.Record{ID: "k1", Fields: map[string]any{"Email": "ada@example.com", "Name": "Old", "Note": "VIP"}})
	h.store.Put("crm", "orders", order("o1", "1001", "ada@example.com", 10))
	pl := h.plan(PlanOptions{Flows: []string{"orders"}})
	ch := changesOf(pl.Flow("customers"))
	if len(ch) != 1 || ch[0].Action != plan.Update {
		t.Fatalf("customer changes = %+v; want one update", ch)
	}
	var names []string
	for _, fc := range ch[0].Fields {
		names = append(names, fc.Name)
	}
	if diff := cmp.Diff([]string{"Name"}, names); diff != "" {
		t.Errorf("updated fields (-want +got):\n%s", diff)
	}
}
