package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// warnFlow warns, through a function and after a find() that needs a
// fetch, about contacts without a last name, and in the where about
// contacts marked odd.
const warnFlow = `
connection "memory" "crm" {}
connection "memory" "books" {}

function "surname" {
  params = ["c"]
  expr   = "c.last == '' ? warn('contact ' + c.email + ' has no last name', 'Unknown') : c.last"
}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  where  = "source.active && (source.first == 'Odd' ? warn('odd contact') == nil : true)"
  key    = "Email"
  fields {
    Email = "lower(trim(source.email))"
    Name  = "(find(memory.books.customers, 'Email', source.email)?.Prefix ?? '') + source.first + ' ' + surname(source)"
  }
}
`

// TestWarnAttachesToItsRecord: warn(message, value) gives value and puts
// the message on the record's change, once however often the record is
// evaluated (find fetch rounds), and never on another record's change;
// an unchanged record has no change to carry one.
func TestWarnAttachesToItsRecord(t *testing.T) {
	h := newHarness(t, warnFlow)
	h.eng = New(Options{Registry: h.eng.opts.Registry, BatchSize: 3})
	var recs []connectors.Record
	wants := map[string][]string{}
	for i := range 10 {
		email := fmt.Sprintf("p%d@example.com", i)
		first, last := fmt.Sprintf("F%d", i), fmt.Sprintf("L%d", i)
		var want []string
		if i%3 == 1 {
			last = ""
			want = append(want, "contact "+email+" has no last name")
		}
		if i == 4 {
			first = "Odd"
			want = append([]string{"odd contact"}, want...)
		}
		rec := contact(fmt.Sprintf("c%d", i), email, first, last, true)
		recs = append(recs, rec)
		wants[rec.ID] = want
	}
	// c7 is unchanged: a no-op, although it warns.
	h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "p7@example.com", "Name": "F7 Unknown"}})
	h.store.Put("crm", "contacts", recs...)

	pl := h.plan(PlanOptions{})
	got := map[string]*plan.Change{}
	for _, ch := range changesOf(pl.Flow("customers")) {
		got[ch.SourceKey] = ch
	}
	for _, rec := range recs {
		ch := got[rec.ID]
		if rec.ID == "c7" {
			if ch != nil {
				t.Errorf("c7: change %+v; want none (no-op)", ch)
			}
			continue
		}
		if ch == nil || ch.Action != plan.Create {
			t.Fatalf("%s: change %+v; want a create", rec.ID, ch)
		}
		if !slices.Equal(ch.Warnings, wants[rec.ID]) {
			t.Errorf("%s: warnings %q; want %q", rec.ID, ch.Warnings, wants[rec.ID])
		}
		if name := ch.Fields[1].After.(string); len(wants[rec.ID]) > 0 && rec.ID != "c4" && !strings.HasSuffix(name, " Unknown") {
			t.Errorf("%s: Name = %q; want the value warn gave", rec.ID, name)
		}
	}
}
