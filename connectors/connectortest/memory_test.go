package connectortest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
)

var contactSchema = connectors.Schema{Fields: []connectors.Field{
	{Name: "id", Type: connectors.TypeString, ReadOnly: true},
	{Name: "email", Type: connectors.TypeString, Key: true, Unique: true, Required: true},
	{Name: "name", Type: connectors.TypeString},
	{Name: "age", Type: connectors.TypeInteger},
	{Name: "tags", Type: connectors.TypeList},
}}

// open returns the object "contacts" of connection "crm" of a store.
func open(t *testing.T, store *connectortest.Store) connectors.Object {
	t.Helper()
	f := connectortest.Factory(store)
	c, err := f.New(t.Context(), connectors.Config{}, connectors.Deps{Name: "crm"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	obj, err := c.Object("contacts")
	if err != nil {
		t.Fatalf("Object: %v", err)
	}
	return obj
}

func newStore() *connectortest.Store {
	s := connectortest.NewStore()
	s.Define("crm", "contacts", contactSchema)
	return s
}

func readAll(t *testing.T, obj connectors.Object, req connectors.ReadRequest) (pages [][]connectors.Record, cursor string) {
	t.Helper()
	cursor, err := obj.(connectors.Reader).Read(t.Context(), req, func(p []connectors.Record) error {
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return pages, cursor
}

func ids(recs []connectors.Record) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

func TestFactory(t *testing.T) {
	store := newStore()
	store.Define("other", "deals", connectors.Schema{})
	f := connectortest.Factory(store)
	reg := connectors.NewRegistry()
	if err := reg.Register(f); err != nil {
		t.Fatalf("Register: %v", err)
	}
	objs, err := f.Objects(connectors.Config{}, connectors.Deps{Name: "crm"})
	if err != nil {
		t.Fatalf("Objects: %v", err)
	}
	if diff := cmp.Diff(map[string]connectors.Schema{"contacts": contactSchema}, objs); diff != "" {
		t.Errorf("Objects(crm) mismatch (-want +got):\n%s", diff)
	}
	c, err := f.New(t.Context(), connectors.Config{}, connectors.Deps{Name: "crm"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if _, err := c.Object("deals"); !errors.Is(err, connectors.ErrUnknownObject) {
		t.Errorf("Object(deals) of crm = %v; want ErrUnknownObject", err)
	}
}

func TestWriteValidation(t *testing.T) {
	tests := []struct {
		name   string
		write  connectors.Write
		fields []string // fields named in the APIError; nil means success
		kind   error
	}{
		{"create ok", connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "a@example.com", "age": int64(3)}}, nil, nil},
		{"integral float as integer", connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "b@example.com", "age": 3.0}}, nil, nil},
		{"read-only", connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "c@example.com", "id": "x"}}, []string{"id"}, nil},
		{"required missing", connectors.Write{Action: connectors.Create, Fields: map[string]any{"name": "C"}}, []string{"email"}, nil},
		{"unknown field", connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "d@example.com", "nmae": "D"}}, []string{"nmae"}, nil},
		{"wrong type", connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "e@example.com", "age": "three"}}, []string{"age"}, nil},
		{"fraction as integer", connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "f@example.com", "age": 3.5}}, []string{"age"}, nil},
		{"unique taken", connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "taken@example.com"}}, []string{"email"}, connectors.ErrConflict},
		{"update unknown id", connectors.Write{Action: connectors.Update, ID: "m-99", Fields: map[string]any{"name": "X"}}, []string{}, connectors.ErrNotFound},
		{"update required not needed", connectors.Write{Action: connectors.Update, ID: "m-1", Fields: map[string]any{"name": "X"}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newStore()
			store.Put("crm", "contacts", connectors.Record{Fields: map[string]any{"email": "taken@example.com"}})
			res := open(t, store).(connectors.Writer).Write(t.Context(), []connectors.Write{tt.write})
			if len(res) != 1 {
				t.Fatalf("Write returned %d results; want 1", len(res))
			}
			if tt.fields == nil {
				if res[0].Err != nil || res[0].Record.ID == "" {
					t.Errorf("Write = %+v; want success with an ID", res[0])
				}
				return
			}
			var apiErr *connectors.APIError
			if !errors.As(res[0].Err, &apiErr) {
				t.Fatalf("Write error = %v; want *APIError", res[0].Err)
			}
			var got []string
			for _, f := range apiErr.Fields {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.fields, got, cmpEmpty); diff != "" {
				t.Errorf("APIError fields mismatch (-want +got):\n%s", diff)
			}
			if tt.kind != nil && !errors.Is(res[0].Err, tt.kind) {
				t.Errorf("Write error = %v; want errors.Is %v", res[0].Err, tt.kind)
			}
		})
	}
}

var cmpEmpty = cmp.Transformer("empty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

func TestWriteIDsMergeAndCounters(t *testing.T) {
	store := newStore()
	obj := open(t, store)
	w := obj.(connectors.Writer)
	res := w.Write(t.Context(), []connectors.Write{
		{Action: connectors.Create, Fields: map[string]any{"email": "a@example.com", "name": "A", "age": int64(30)}},
		{Action: connectors.Create, Fields: map[string]any{"email": "a@example.com"}}, // duplicate in one batch
		{Action: connectors.Create, Fields: map[string]any{"email": "b@example.com"}},
	})
	if got := []string{res[0].Record.ID, res[2].Record.ID}; !cmp.Equal(got, []string{"m-1", "m-2"}) {
		t.Errorf("created IDs = %v; want [m-1 m-2]", got)
	}
	if !errors.Is(res[1].Err, connectors.ErrConflict) {
		t.Errorf("duplicate email in batch: err = %v; want ErrConflict", res[1].Err)
	}
	res = w.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: "m-1", Fields: map[string]any{"name": "Anna"}}})
	want := connectors.Record{ID: "m-1", Fields: map[string]any{"email": "a@example.com", "name": "Anna", "age": int64(30)}}
	if diff := cmp.Diff(want, res[0].Record); diff != "" {
		t.Errorf("update result mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, store.Records("crm", "contacts")[0]); diff != "" {
		t.Errorf("stored record mismatch (-want +got):\n%s", diff)
	}
	counts := map[string]int{}
	for _, op := range []string{connectortest.OpWrite, connectortest.OpWritten, connectortest.OpCreated, connectortest.OpUpdated, connectortest.OpRead} {
		counts[op] = store.Calls("crm", "contacts", op)
	}
	wantCounts := map[string]int{"write": 2, "written": 3, "created": 2, "updated": 1, "read": 0}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("Calls mismatch (-want +got):\n%s", diff)
	}
	// A record returned to the caller is a copy.
	res[0].Record.Fields["name"] = "changed"
	if got := store.Records("crm", "contacts")[0].Fields["name"]; got != "Anna" {
		t.Errorf("stored name after caller changed its copy = %v; want Anna", got)
	}
}

func TestReadPagesAndCursor(t *testing.T) {
	store := newStore()
	store.SetPageSize(4)
	for i := range 10 {
		store.Put("crm", "contacts", connectors.Record{Fields: map[string]any{"email": fmt.Sprintf("p%d@example.com", i)}})
	}
	obj := open(t, store)
	pages, cursor := readAll(t, obj, connectors.ReadRequest{})
	var sizes []int
	var all []connectors.Record
	for _, p := range pages {
		sizes = append(sizes, len(p))
		all = append(all, p...)
	}
	if !cmp.Equal(sizes, []int{4, 4, 2}) {
		t.Errorf("page sizes = %v; want [4 4 2]", sizes)
	}
	wantIDs := []string{"m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-7", "m-8", "m-9", "m-10"}
	if diff := cmp.Diff(wantIDs, ids(all)); diff != "" {
		t.Errorf("read IDs mismatch (-want +got):\n%s", diff)
	}

	pages, cursor2 := readAll(t, obj, connectors.ReadRequest{Cursor: cursor})
	if len(pages) != 0 || cursor2 != cursor {
		t.Errorf("incremental read without changes = %v, cursor %q; want nothing, cursor %q", pages, cursor2, cursor)
	}
	obj.(connectors.Writer).Write(t.Context(), []connectors.Write{
		{Action: connectors.Update, ID: "m-7", Fields: map[string]any{"name": "Seven"}},
		{Action: connectors.Create, Fields: map[string]any{"email": "new@example.com"}},
	})
	pages, _ = readAll(t, obj, connectors.ReadRequest{Cursor: cursor, Fields: []string{"name"}})
	want := [][]connectors.Record{{
		{ID: "m-7", Fields: map[string]any{"name": "Seven"}},
		{ID: "m-11", Fields: map[string]any{}},
	}}
	if diff := cmp.Diff(want, pages); diff != "" {
		t.Errorf("incremental read with Fields mismatch (-want +got):\n%s", diff)
	}
	if _, err := obj.(connectors.Reader).Read(t.Context(), connectors.ReadRequest{Cursor: "x"}, func([]connectors.Record) error { return nil }); err == nil {
		t.Error("Read with cursor x: no error; want one")
	}
	stop := errors.New("stop")
	calls := 0
	_, err := obj.(connectors.Reader).Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("Read with failing emit = %v after %d pages; want stop after 1", err, calls)
	}
}

func TestReadIncludes(t *testing.T) {
	store := connectortest.NewStore()
	store.Define("crm", "contacts", connectors.Schema{
		Open:     true,
		Includes: []connectors.Include{{Name: "deals", Object: "deals"}},
	})
	store.Put("crm", "contacts", connectors.Record{ID: "c1", Fields: map[string]any{"email": "a@example.com", "deals": []any{map[string]any{"id": "d1"}}}})
	obj := open(t, store)
	tests := []struct {
		name string
		req  connectors.ReadRequest
		want map[string]any
	}{
		{"not included", connectors.ReadRequest{}, map[string]any{"email": "a@example.com"}},
		{"included", connectors.ReadRequest{Include: []string{"deals"}}, map[string]any{"email": "a@example.com", "deals": []any{map[string]any{"id": "d1"}}}},
		{"included, fields selected", connectors.ReadRequest{Fields: []string{"name"}, Include: []string{"deals"}}, map[string]any{"deals": []any{map[string]any{"id": "d1"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, _ := readAll(t, obj, tt.req)
			if len(pages) != 1 || len(pages[0]) != 1 {
				t.Fatalf("Read = %v; want one record", pages)
			}
			if diff := cmp.Diff(tt.want, pages[0][0].Fields); diff != "" {
				t.Errorf("fields mismatch (-want +got):\n%s", diff)
			}
		})
	}
	_, err := obj.(connectors.Reader).Read(t.Context(), connectors.ReadRequest{Include: []string{"tickets"}}, func([]connectors.Record) error { return nil })
	if err == nil {
		t.Error("Read with unknown include: no error; want one")
	}
}

func TestFindAndGet(t *testing.T) {
	store := connectortest.NewStore()
	store.Define("crm", "contacts", connectors.Schema{Fields: []connectors.Field{
		{Name: "email", Type: connectors.TypeString, Key: true},
		{Name: "n", Type: connectors.TypeNumber, Key: true},
	}})
	store.Put("crm", "contacts",
		connectors.Record{Fields: map[string]any{"email": "a@example.com", "n": int64(1)}},
		connectors.Record{Fields: map[string]any{"email": "b@example.com", "n": 2.0}},
		connectors.Record{Fields: map[string]any{"email": "a@example.com", "n": 3.0}},
	)
	obj := open(t, store)
	find := obj.(connectors.Finder)
	tests := []struct {
		name   string
		field  string
		values []any
		want   []string
	}{
		{"one value, two records", "email", []any{"a@example.com"}, []string{"m-1", "m-3"}},
		{"two values", "email", []any{"b@example.com", "a@example.com"}, []string{"m-1", "m-2", "m-3"}},
		{"case matters", "email", []any{"A@example.com"}, []string{}},
		{"no values", "email", nil, []string{}},
		{"numbers across types", "n", []any{2, int64(3)}, []string{"m-2", "m-3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := find.Find(t.Context(), tt.field, tt.values)
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("Find(%s, %v) IDs mismatch (-want +got):\n%s", tt.field, tt.values, diff)
			}
		})
	}
	if _, err := find.Find(t.Context(), "nope", []any{"x"}); err == nil {
		t.Error("Find by unknown field of a closed schema: no error; want one")
	}
	got, err := obj.(connectors.Getter).Get(t.Context(), []string{"m-3", "m-9", "m-1", "m-3"})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if diff := cmp.Diff([]string{"m-3", "m-1"}, ids(got)); diff != "" {
		t.Errorf("Get IDs mismatch (-want +got):\n%s", diff)
	}
}

func TestFaults(t *testing.T) {
	boom := errors.New("boom")
	t.Run("FailWrite", func(t *testing.T) {
		store := newStore()
		store.FailWrite("crm", "contacts", func(w connectors.Write) error {
			if w.Fields["email"] == "bad@example.com" {
				return boom
			}
			return nil
		})
		res := open(t, store).(connectors.Writer).Write(t.Context(), []connectors.Write{
			{Action: connectors.Create, Fields: map[string]any{"email": "bad@example.com"}},
			{Action: connectors.Create, Fields: map[string]any{"email": "good@example.com"}},
		})
		if res[0].Err != boom || res[1].Err != nil {
			t.Errorf("Write errors = %v, %v; want boom, nil", res[0].Err, res[1].Err)
		}
		if got := ids(store.Records("crm", "contacts")); !cmp.Equal(got, []string{"m-1"}) {
			t.Errorf("stored IDs = %v; want [m-1]", got)
		}
		store.FailWrite("crm", "contacts", nil)
		res = open(t, store).(connectors.Writer).Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{"email": "bad@example.com"}}})
		if res[0].Err != nil {
			t.Errorf("Write after clearing faults: %v", res[0].Err)
		}
	})
	t.Run("FailCall", func(t *testing.T) {
		store := newStore()
		obj := open(t, store)
		for _, op := range []string{connectortest.OpRead, connectortest.OpFind, connectortest.OpGet, connectortest.OpWrite} {
			store.FailCall("crm", "contacts", op, boom)
		}
		if _, err := obj.(connectors.Reader).Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil }); err != boom {
			t.Errorf("Read = %v; want boom", err)
		}
		if _, err := obj.(connectors.Finder).Find(t.Context(), "email", []any{"x"}); err != boom {
			t.Errorf("Find = %v; want boom", err)
		}
		if _, err := obj.(connectors.Getter).Get(t.Context(), []string{"m-1"}); err != boom {
			t.Errorf("Get = %v; want boom", err)
		}
		res := obj.(connectors.Writer).Write(t.Context(), []connectors.Write{
			{Action: connectors.Create, Fields: map[string]any{"email": "a@example.com"}},
			{Action: connectors.Create, Fields: map[string]any{"email": "b@example.com"}},
		})
		if res[0].Err != boom || res[1].Err != boom || len(store.Records("crm", "contacts")) != 0 {
			t.Errorf("Write = %+v, stored %d; want boom twice, nothing stored", res, len(store.Records("crm", "contacts")))
		}
		if got := store.Calls("crm", "contacts", connectortest.OpFind); got != 1 {
			t.Errorf("failed Find calls counted = %d; want 1", got)
		}
		store.FailCall("crm", "contacts", connectortest.OpFind, nil)
		if _, err := obj.(connectors.Finder).Find(t.Context(), "email", []any{"x"}); err != nil {
			t.Errorf("Find after clearing the fault = %v", err)
		}
	})
	t.Run("AfterWrite", func(t *testing.T) {
		store := newStore()
		lost := errors.New("connection reset")
		var once sync.Once
		store.AfterWrite(func(conn, object string, writes []connectors.Write, results []connectors.WriteResult) error {
			var err error
			once.Do(func() { err = lost })
			return err
		})
		w := open(t, store).(connectors.Writer)
		res := w.Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{"email": "a@example.com"}}})
		if res[0].Err != lost || res[0].Record.ID != "" {
			t.Errorf("Write with lost answer = %+v; want err %v and no record", res[0], lost)
		}
		if got := ids(store.Records("crm", "contacts")); !cmp.Equal(got, []string{"m-1"}) {
			t.Errorf("stored IDs = %v; want [m-1] (the write committed)", got)
		}
		// A blind retry collides with the committed record: the engine must
		// look it up by key first.
		res = w.Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{"email": "a@example.com"}}})
		if !errors.Is(res[0].Err, connectors.ErrConflict) {
			t.Errorf("retried create = %v; want ErrConflict", res[0].Err)
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		store := newStore()
		res := open(t, store).(connectors.Writer).Write(ctx, []connectors.Write{{Action: connectors.Create, Fields: map[string]any{"email": "a@example.com"}}})
		if !errors.Is(res[0].Err, context.Canceled) {
			t.Errorf("Write with canceled context = %v; want context.Canceled", res[0].Err)
		}
	})
}

func TestConcurrentWrites(t *testing.T) {
	store := newStore()
	obj := open(t, store)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				w := connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": fmt.Sprintf("g%d-%d@example.com", g, i)}}
				if res := obj.(connectors.Writer).Write(t.Context(), []connectors.Write{w}); res[0].Err != nil {
					t.Errorf("Write: %v", res[0].Err)
				}
				if _, err := obj.(connectors.Finder).Find(t.Context(), "email", []any{w.Fields["email"]}); err != nil {
					t.Errorf("Find: %v", err)
				}
			}
		})
	}
	wg.Wait()
	recs := store.Records("crm", "contacts")
	if len(recs) != 200 || recs[199].ID != "m-200" {
		t.Errorf("after concurrent writes: %d records, last %q; want 200, last m-200", len(recs), recs[len(recs)-1].ID)
	}
}
