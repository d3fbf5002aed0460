package connectortest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

// Harness tells RunConformance how to make records of one object.
type Harness struct {
	// Object is the object under test. It must implement connectors.Writer:
	// every check starts from records the suite creates.
	Object connectors.Object
	// KeyField is a field the Finder can find by; NewFields gives it a value
	// unique per i.
	KeyField string
	// NewFields returns a valid new record, with values as the system
	// returns them (a CSV file returns strings).
	NewFields func(i int) map[string]any
	// Change returns an update of some writable fields of fields, other than
	// KeyField: only the fields to change.
	Change func(fields map[string]any) map[string]any
	// Invalid, when set, returns a record the system refuses with an
	// *connectors.APIError.
	Invalid func(i int) map[string]any
	// Eventually, when set, waits until what was written can be found
	// (search indexing); the suite calls it before every Find.
	Eventually func()
	// UnknownID, when set, is an ID no record has, in the system's ID
	// format. By default it is the first created ID with "0000" appended.
	UnknownID string
}

// batchSize is the number of records the suite creates in one Write.
const batchSize = 5

// RunConformance runs the checks every connector object passes, as
// subtests, in order: create a batch, find by key, get by ID, update (merge),
// read, and a batch with one invalid record. A check needing a capability
// the object lacks is skipped, naming the missing interface.
func RunConformance(t *testing.T, h Harness) {
	t.Helper()
	if h.Object == nil || h.KeyField == "" || h.NewFields == nil || h.Change == nil {
		t.Fatal("conformance: Harness needs Object, KeyField, NewFields and Change")
	}
	w, ok := h.Object.(connectors.Writer)
	if !ok {
		t.Skipf("conformance: object %q does not implement connectors.Writer, which every check starts from", h.Object.Name())
	}
	c := &conformance{h: h, w: w, want: map[string]map[string]any{}}

	if !t.Run("create batch", c.create) {
		return
	}
	t.Run("find by key", c.find)
	t.Run("find without match", c.findNone)
	t.Run("get by ID", c.get)
	t.Run("get unknown ID", c.getUnknown)
	t.Run("update merges", c.update)
	t.Run("read", c.read)
	t.Run("read incremental", c.readIncremental)
	t.Run("invalid record in batch", c.invalid)
}

type conformance struct {
	h    Harness
	w    connectors.Writer
	ids  []string                  // created, in order
	want map[string]map[string]any // by ID: fields the record must have
}

func (c *conformance) eventually() {
	if c.h.Eventually != nil {
		c.h.Eventually()
	}
}

func (c *conformance) key(i int) any { return c.h.NewFields(i)[c.h.KeyField] }

func (c *conformance) create(t *testing.T) {
	writes := make([]connectors.Write, batchSize)
	for i := range writes {
		fields := c.h.NewFields(i)
		if _, ok := fields[c.h.KeyField]; !ok {
			t.Fatalf("Harness.NewFields(%d) has no key field %q", i, c.h.KeyField)
		}
		writes[i] = connectors.Write{Action: connectors.Create, Fields: fields, KeyField: c.h.KeyField}
	}
	res := c.w.Write(t.Context(), writes)
	if len(res) != len(writes) {
		t.Fatalf("Write(%d creates) returned %d results; want %d", len(writes), len(res), len(writes))
	}
	seen := map[string]bool{}
	for i, r := range res {
		if r.Err != nil {
			t.Errorf("create %d: %v", i, r.Err)
			continue
		}
		if r.Record.ID == "" || seen[r.Record.ID] {
			t.Errorf("create %d: ID %q; want a new, distinct ID", i, r.Record.ID)
			continue
		}
		seen[r.Record.ID] = true
		checkFields(t, fmt.Sprintf("create %d result", i), writes[i].Fields, r.Record.Fields)
		c.ids = append(c.ids, r.Record.ID)
		c.want[r.Record.ID] = writes[i].Fields
	}
}

func (c *conformance) find(t *testing.T) {
	f, ok := c.h.Object.(connectors.Finder)
	if !ok {
		t.Skip("object does not implement connectors.Finder")
	}
	c.eventually()
	// Find three of the five: the two others must not come back.
	values := []any{c.key(0), c.key(2), c.key(4)}
	got, err := f.Find(t.Context(), c.h.KeyField, values)
	if err != nil {
		t.Fatalf("Find(%s, %v): %v", c.h.KeyField, values, err)
	}
	wantIDs := []string{c.ids[0], c.ids[2], c.ids[4]}
	if g := sortedIDs(got); !slices.Equal(g, sortedCopy(wantIDs)) {
		t.Errorf("Find(%s, %v) IDs = %v; want %v", c.h.KeyField, values, g, sortedCopy(wantIDs))
	}
	for _, r := range got {
		if want, ok := c.want[r.ID]; ok {
			checkFields(t, "found record "+r.ID, want, r.Fields)
		}
	}
}

func (c *conformance) findNone(t *testing.T) {
	f, ok := c.h.Object.(connectors.Finder)
	if !ok {
		t.Skip("object does not implement connectors.Finder")
	}
	c.eventually()
	for _, values := range [][]any{{c.key(1_000_003)}, {}} {
		got, err := f.Find(t.Context(), c.h.KeyField, values)
		if err != nil || len(got) != 0 {
			t.Errorf("Find(%s, %v) = %d records, %v; want none, no error", c.h.KeyField, values, len(got), err)
		}
	}
}

func (c *conformance) get(t *testing.T) {
	g, ok := c.h.Object.(connectors.Getter)
	if !ok {
		t.Skip("object does not implement connectors.Getter")
	}
	got, err := g.Get(t.Context(), c.ids)
	if err != nil {
		t.Fatalf("Get(%v): %v", c.ids, err)
	}
	if ids := sortedIDs(got); !slices.Equal(ids, sortedCopy(c.ids)) {
		t.Errorf("Get(%v) IDs = %v", c.ids, ids)
	}
	for _, r := range got {
		checkFields(t, "got record "+r.ID, c.want[r.ID], r.Fields)
	}
}

func (c *conformance) unknownID() string {
	if c.h.UnknownID != "" {
		return c.h.UnknownID
	}
	return c.ids[0] + "0000"
}

func (c *conformance) getUnknown(t *testing.T) {
	g, ok := c.h.Object.(connectors.Getter)
	if !ok {
		t.Skip("object does not implement connectors.Getter")
	}
	ids := []string{c.unknownID(), c.ids[1]}
	got, err := g.Get(t.Context(), ids)
	if err != nil {
		t.Fatalf("Get(%v): %v", ids, err)
	}
	if g := sortedIDs(got); !slices.Equal(g, []string{c.ids[1]}) {
		t.Errorf("Get(%v) IDs = %v; want only %s", ids, g, c.ids[1])
	}
}

func (c *conformance) update(t *testing.T) {
	id := c.ids[0]
	before := maps.Clone(c.want[id])
	change := c.h.Change(maps.Clone(before))
	if len(change) == 0 {
		t.Fatal("Harness.Change returned no fields")
	}
	if _, ok := change[c.h.KeyField]; ok {
		t.Fatalf("Harness.Change changes the key field %q", c.h.KeyField)
	}
	res := c.w.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: id, Fields: change, KeyField: c.h.KeyField}})
	if len(res) != 1 {
		t.Fatalf("Write(1 update) returned %d results", len(res))
	}
	if res[0].Err != nil {
		t.Fatalf("update %s: %v", id, res[0].Err)
	}
	if res[0].Record.ID != id {
		t.Errorf("update result ID = %q; want %q", res[0].Record.ID, id)
	}
	after := maps.Clone(before)
	maps.Copy(after, change)
	c.want[id] = after
	checkFields(t, "update result", after, res[0].Record.Fields)

	// Fields the update did not name keep their value: the update merges.
	if g, ok := c.h.Object.(connectors.Getter); ok {
		got, err := g.Get(t.Context(), []string{id})
		if err != nil || len(got) != 1 {
			t.Fatalf("Get(%s) after update = %d records, %v; want 1", id, len(got), err)
		}
		checkFields(t, "record after update", after, got[0].Fields)
	}
	if f, ok := c.h.Object.(connectors.Finder); ok {
		c.eventually()
		got, err := f.Find(t.Context(), c.h.KeyField, []any{c.key(0)})
		if err != nil || len(got) != 1 || got[0].ID != id {
			t.Fatalf("Find(%s, %v) after update = %v, %v; want record %s only", c.h.KeyField, c.key(0), sortedIDs(got), err, id)
		}
		checkFields(t, "found record after update", after, got[0].Fields)
	}
}

// readAll reads everything, failing the test on an error or a record seen
// twice.
func (c *conformance) readAll(t *testing.T, r connectors.Reader, cursor string) (map[string]connectors.Record, string) {
	t.Helper()
	got := map[string]connectors.Record{}
	next, err := r.Read(t.Context(), connectors.ReadRequest{Cursor: cursor}, func(page []connectors.Record) error {
		for _, rec := range page {
			if rec.ID == "" {
				t.Errorf("Read emitted a record without ID: %v", rec.Fields)
			}
			if _, dup := got[rec.ID]; dup {
				t.Errorf("Read emitted record %s twice", rec.ID)
			}
			got[rec.ID] = rec
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Read(cursor %q): %v", cursor, err)
	}
	return got, next
}

func (c *conformance) read(t *testing.T) {
	r, ok := c.h.Object.(connectors.Reader)
	if !ok {
		t.Skip("object does not implement connectors.Reader")
	}
	got, _ := c.readAll(t, r, "")
	for _, id := range c.ids {
		rec, ok := got[id]
		if !ok {
			t.Errorf("Read did not emit created record %s", id)
			continue
		}
		checkFields(t, "read record "+id, c.want[id], rec.Fields)
	}
}

func (c *conformance) readIncremental(t *testing.T) {
	r, ok := c.h.Object.(connectors.Reader)
	if !ok {
		t.Skip("object does not implement connectors.Reader")
	}
	_, cursor := c.readAll(t, r, "")
	if cursor == "" {
		t.Skip("object returns no cursor: it cannot be read incrementally")
	}
	id := c.ids[1]
	change := c.h.Change(maps.Clone(c.want[id]))
	res := c.w.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: id, Fields: change, KeyField: c.h.KeyField}})
	if len(res) != 1 || res[0].Err != nil {
		t.Fatalf("update %s: %+v", id, res)
	}
	maps.Copy(c.want[id], change)
	got, _ := c.readAll(t, r, cursor)
	rec, ok := got[id]
	if !ok {
		t.Fatalf("Read(cursor %q) did not emit %s, changed after the cursor", cursor, id)
	}
	checkFields(t, "incrementally read record "+id, c.want[id], rec.Fields)
}

func (c *conformance) invalid(t *testing.T) {
	if c.h.Invalid == nil {
		t.Skip("Harness.Invalid not set: the system refuses nothing the harness knows of")
	}
	writes := []connectors.Write{
		{Action: connectors.Create, Fields: c.h.NewFields(batchSize), KeyField: c.h.KeyField},
		{Action: connectors.Create, Fields: c.h.Invalid(batchSize + 1), KeyField: c.h.KeyField},
		{Action: connectors.Create, Fields: c.h.NewFields(batchSize + 2), KeyField: c.h.KeyField},
	}
	res := c.w.Write(t.Context(), writes)
	if len(res) != len(writes) {
		t.Fatalf("Write(%d creates) returned %d results", len(writes), len(res))
	}
	var apiErr *connectors.APIError
	if !errors.As(res[1].Err, &apiErr) {
		t.Errorf("invalid record: error %v; want an *connectors.APIError", res[1].Err)
	}
	for _, i := range []int{0, 2} {
		if res[i].Err != nil || res[i].Record.ID == "" {
			t.Errorf("valid record %d beside an invalid one: ID %q, error %v; want it created", i, res[i].Record.ID, res[i].Err)
			continue
		}
		checkFields(t, fmt.Sprintf("valid record %d result", i), writes[i].Fields, res[i].Record.Fields)
	}
}

// checkFields reports every field of want that got lacks or holds another
// value in (got may hold more fields: ones the system sets).
func checkFields(t *testing.T, what string, want, got map[string]any) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: field %q missing; want %#v", what, name, want[name])
		} else if !SameValue(g, want[name]) {
			t.Errorf("%s: field %q = %#v; want %#v", what, name, g, want[name])
		}
	}
}

func sortedIDs(recs []connectors.Record) []string {
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	slices.Sort(ids)
	return ids
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
