package engine

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/plan"
)

// keyedWriteBackFlow upserts, for each active contact with a company, a
// crm order found by its ref: created with an amount, updated otherwise.
const keyedWriteBackFlow = `
connection "memory" "crm" {}
connection "memory" "books" {}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "lower(source.email)"
    Name  = "source.first"
  }
  write_back {
    target = memory.crm.orders
    key    = "ref"
    where  = "source.company != nil && result.Name != ''"
    fields {
      ref   = "'C-' + result.Email"
      email = "source.email"
    }
    create_only {
      amount = "len(result.Name)"
    }
  }
}
`

func TestKeyedWriteBack(t *testing.T) {
	h := newHarness(t, keyedWriteBackFlow)
	ada := contact("c1", "Ada@example.com", "Ada", "Byron", true)
	ada.Fields["company"] = "Analytical"
	bob := contact("c2", "bob@example.com", "Bob", "Stone", true)
	bob.Fields["company"] = "Stone AB"
	cy := contact("c3", "cy@example.com", "Cy", "Off", true) // no company: no write-back
	h.store.Put("crm", "contacts", ada, bob, cy)
	// Bob's order exists: it is updated, and keeps its amount.
	h.store.Put("crm", "orders", order("o-bob", "C-bob@example.com", "old@example.com", 99))

	pl := h.plan(PlanOptions{})
	wb := pl.Flow("customers" + WriteBackSuffix)
	if wb == nil {
		t.Fatal("no write-back in the plan")
	}
	byKey := map[string]*plan.Change{}
	for _, ch := range changesOf(wb) {
		byKey[ch.SourceKey] = ch
	}
	if ch := byKey["c1"]; ch == nil || ch.Action != plan.Create || ch.Key != "C-ada@example.com" {
		t.Fatalf("write-back of c1 = %+v; want a create keyed C-ada@example.com", ch)
	}
	if ch := byKey["c2"]; ch == nil || ch.Action != plan.Update || ch.TargetID != "o-bob" || len(ch.Fields) != 1 || ch.Fields[0].Name != "email" {
		t.Fatalf("write-back of c2 = %+v; want an update of email on o-bob", ch)
	}
	if ch := byKey["c3"]; ch != nil {
		t.Fatalf("write-back of c3 = %+v; want none (where)", ch)
	}
	if wb.Filtered != 1 {
		t.Errorf("write-back filtered %d records; want 1", wb.Filtered)
	}

	res := h.apply(pl)
	if got := res.Counts(); got.Error != 0 || got.Blocked != 0 {
		t.Fatalf("apply counts = %+v; want no errors", got)
	}
	orders := map[string]map[string]any{}
	for _, r := range h.store.Records("crm", "orders") {
		orders[r.Fields["ref"].(string)] = r.Fields
	}
	if o := orders["C-ada@example.com"]; o == nil || o["email"] != "Ada@example.com" || o["amount"] != 3 && o["amount"] != 3.0 {
		t.Errorf("Ada's order = %v; want email Ada@example.com and amount 3", o)
	}
	if o := orders["C-bob@example.com"]; o == nil || o["email"] != "bob@example.com" || o["amount"] != 99.0 {
		t.Errorf("Bob's order = %v; want email bob@example.com and amount 99 (create_only left alone)", o)
	}
	if len(orders) != 2 {
		t.Errorf("%d orders; want 2", len(orders))
	}
	if got := h.plan(PlanOptions{}).Counts(); got.Changes() {
		t.Errorf("second plan has changes: %+v", got)
	}
}

// A where that reads a result field known only after apply cannot select
// records at plan: the record is an error that says so.
func TestKeyedWriteBackWhereOnUnknownResult(t *testing.T) {
	h := newHarness(t, strings.Replace(keyedWriteBackFlow, `result.Name != ''`, `result.Number != nil`, 1))
	ada := contact("c1", "ada@example.com", "Ada", "Byron", true)
	ada.Fields["company"] = "Analytical"
	h.store.Put("crm", "contacts", ada)
	pl := h.plan(PlanOptions{})
	chs := changesOf(pl.Flow("customers" + WriteBackSuffix))
	if len(chs) != 1 || chs[0].Action != plan.Error || !strings.Contains(chs[0].Reason, "result.Number, which is known only after apply") {
		t.Fatalf("write-back changes = %+v; want one error about result.Number", chs)
	}
}
