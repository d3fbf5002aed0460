package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// TestLargePlanKeepsEveryChange plans more records than a plan holds in
// memory, in batches that do not line up with its spills: the memory the
// planner uses again after a spill must never show in a change.
func TestLargePlanKeepsEveryChange(t *testing.T) {
	const n = 4321
	h := newHarness(t, customersFlow)
	h.eng = New(Options{Registry: h.eng.opts.Registry, BatchSize: 700})
	var recs []connectors.Record
	for i := range n {
		recs = append(recs, contact(fmt.Sprintf("c%05d", i), fmt.Sprintf(" P%d@Example.com", i), fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i), i%7 != 3))
	}
	h.store.Put("crm", "contacts", recs...)
	pl := h.plan(PlanOptions{})
	defer pl.Close()

	got := map[string]*plan.Change{}
	for _, ch := range changesOf(pl.Flow("customers")) {
		got[ch.SourceKey] = ch
	}
	for i, rec := range recs {
		ch := got[rec.ID]
		if i%7 == 3 {
			if ch != nil {
				t.Errorf("%s: filtered record has change %+v", rec.ID, ch)
			}
			continue
		}
		if ch == nil {
			t.Errorf("%s: no change", rec.ID)
			continue
		}
		email := fmt.Sprintf("p%d@example.com", i)
		want := &plan.Change{
			SourceKey: rec.ID,
			Key:       email,
			Action:    plan.Create,
			Fields: []plan.FieldChange{
				{Name: "Email", After: email},
				{Name: "Name", After: fmt.Sprintf("First%d Last%d", i, i)},
				{Name: "Note", After: "imported", CreateOnly: true},
			},
		}
		var source map[string]any
		if err := json.Unmarshal(ch.Source, &source); err != nil {
			t.Errorf("%s: source %q: %v", rec.ID, ch.Source, err)
		} else if diff := cmp.Diff(rec.Fields, source); diff != "" {
			t.Errorf("%s: source differs (-read +planned):\n%s", rec.ID, diff)
		}
		gotCh := *ch
		gotCh.Source = nil
		if diff := cmp.Diff(want, &gotCh); diff != "" {
			t.Errorf("%s: change differs (-want +got):\n%s", rec.ID, diff)
		}
	}
	if c := pl.Counts(); c.Create != len(got) || c.Skip != n-len(got) {
		t.Errorf("counts %+v; want %d creates, %d skips", c, len(got), n-len(got))
	}
}

// TestAppendFieldsIsJSONEnc encodes records one after the other, with the
// same names, other names of the same number, fewer, and names to escape:
// always as jsonenc encodes them.
func TestAppendFieldsIsJSONEnc(t *testing.T) {
	records := []map[string]any{
		{"b": "x", "a": 1.5, "c": nil},
		{"a": "y", "c": []any{"<&>", 2.0}, "b": map[string]any{"z": true, "y": nil}},
		{"a": "y", "c": "z", "d": "other names, same number"},
		{"a": "fewer"},
		{},
		nil,
		{"q\"uote": "a", "<tag>": "b", "ünï": "c", "tab\t": "d"},
		{"q\"uote": "again", "<tag>": "b", "ünï": "c", "tab\t": "d"},
	}
	r := &flowRun{}
	for _, rec := range records {
		got := string(r.appendFields([]byte("prefix"), rec))
		want := "prefix" + string(jsonenc.Append(nil, rec, true))
		if got != want {
			t.Errorf("appendFields(%v) = %s; want %s", rec, got, want)
		}
	}
}

// TestRecordsDoNotSeeEachOther plans, in small batches, records that are
// matched and not, filtered, and failing, one after the other: each
// record's values, target and error are its own, though the planner uses
// the memory of one record again for another.
func TestRecordsDoNotSeeEachOther(t *testing.T) {
	h := newHarness(t, strings.Replace(customersFlow, `Name  = "source.first + ' ' + source.last"`,
		`Name  = "source.first == 'bad' ? fail('bad ' + source.last) : (target?.Name ?? 'none') + '/' + source.first"`, 1))
	h.eng = New(Options{Registry: h.eng.opts.Registry, BatchSize: 7})
	const n = 60
	var recs []connectors.Record
	for i := range n {
		email := fmt.Sprintf("p%d@example.com", i)
		first := fmt.Sprintf("F%d", i)
		if i%5 == 4 {
			first = "bad"
		}
		recs = append(recs, contact(fmt.Sprintf("c%02d", i), email, first, fmt.Sprintf("L%d", i), i%6 != 5))
		if i%2 == 0 {
			h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": email, "Name": fmt.Sprintf("Old%d", i)}})
		}
	}
	h.store.Put("crm", "contacts", recs...)
	pl := h.plan(PlanOptions{})
	got := map[string]*plan.Change{}
	for _, ch := range changesOf(pl.Flow("customers")) {
		got[ch.SourceKey] = ch
	}
	for i, rec := range recs {
		ch := got[rec.ID]
		switch {
		case i%6 == 5:
			if ch != nil {
				t.Errorf("%s: filtered record has a change: %+v", rec.ID, ch)
			}
		case i%5 == 4:
			if want := fmt.Sprintf("field Name: bad L%d", i); ch == nil || ch.Action != plan.Error || ch.Reason != want {
				t.Errorf("%s: change %+v; want the error %q", rec.ID, ch, want)
			}
		case i%2 == 0:
			want := fmt.Sprintf("Old%d/F%d", i, i)
			if ch == nil || ch.Action != plan.Update || len(ch.Fields) != 1 || ch.Fields[0].After != want {
				t.Errorf("%s: change %+v; want an update of Name to %q", rec.ID, ch, want)
			}
		default:
			want := fmt.Sprintf("none/F%d", i)
			if ch == nil || ch.Action != plan.Create || ch.Fields[1].After != want {
				t.Errorf("%s: change %+v; want a create with Name %q", rec.ID, ch, want)
			}
		}
	}
}
