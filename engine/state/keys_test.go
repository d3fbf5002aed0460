package state

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// keyEntries are the activity of a person known by her e-mail address in
// two flows (a contact sent to eAccounting as customer c-1, the customer
// read back into HubSpot) and of an order, with another person's entries
// in the same batches.
func keyEntries(run1, run2 int64) (first, second []Activity) {
	first = []Activity{
		{RunID: run1, Flow: "contacts", SourceKey: "101", TargetID: "c-1", Action: "create",
			Keys: []string{"anna@example.com", "1001"}, Sent: json.RawMessage(`{"Name":"Anna Svensson","EmailAddress":"[redacted]"}`)},
		{RunID: run1, Flow: "contacts", SourceKey: "102", TargetID: "c-2", Action: "create",
			Keys: []string{"bo@example.com", "1002"}},
		{RunID: run1, Flow: "orders", SourceKey: "4002", TargetID: "o-9", Action: "create",
			Keys: []string{"HS-4002", "7"}},
	}
	second = []Activity{
		{RunID: run2, Flow: "contacts", SourceKey: "101", TargetID: "c-1", Action: "update",
			Keys: []string{"ANNA@example.com"}},
		{RunID: run2, Flow: "customers_back", SourceKey: "c-1", TargetID: "101", Action: "update",
			Keys: []string{"1001"}},
		{RunID: run2, Flow: "contacts", SourceKey: "102", TargetID: "c-2", Action: "error", Error: "400"},
	}
	return first, second
}

func TestActivitiesByKey(t *testing.T) {
	clk := newClock()
	s, path := openTest(t, WithClock(clk.Now))
	ctx := t.Context()
	run1, _ := s.StartRun(ctx, "apply", "d")
	run2, _ := s.StartRun(ctx, "apply", "d")
	first, second := keyEntries(run1, run2)
	if err := s.LogActivity(ctx, first); err != nil {
		t.Fatal(err)
	}
	t1 := clk.Now().UTC()
	clk.Advance(time.Hour)
	t2 := clk.Now().UTC()
	if err := s.LogActivity(ctx, second); err != nil {
		t.Fatal(err)
	}
	// ref names an entry as flow/source_key/action.
	ref := func(acts []Activity) []string {
		var out []string
		for _, a := range acts {
			out = append(out, a.Flow+"/"+a.SourceKey+"/"+a.Action)
		}
		return out
	}
	tests := []struct {
		name string
		f    ActivityFilter
		want []string
	}{
		{"e-mail, any case, across runs", ActivityFilter{Key: " Anna@Example.COM "}, []string{"contacts/101/update", "contacts/101/create"}},
		{"source key", ActivityFilter{Key: "101"}, []string{"customers_back/c-1/update", "contacts/101/update", "contacts/101/create"}},
		{"target id across flows", ActivityFilter{Key: "c-1"}, []string{"customers_back/c-1/update", "contacts/101/update", "contacts/101/create"}},
		{"assigned number", ActivityFilter{Key: "1001"}, []string{"customers_back/c-1/update", "contacts/101/create"}},
		{"order reference", ActivityFilter{Key: "hs-4002"}, []string{"orders/4002/create"}},
		{"key and flow", ActivityFilter{Key: "c-1", Flow: "contacts"}, []string{"contacts/101/update", "contacts/101/create"}},
		{"key and action", ActivityFilter{Key: "102", Action: "error"}, []string{"contacts/102/error"}},
		{"key and run", ActivityFilter{Key: "101", RunID: run1}, []string{"contacts/101/create"}},
		{"key and since", ActivityFilter{Key: "anna@example.com", Since: t2}, []string{"contacts/101/update"}},
		{"key and limit", ActivityFilter{Key: "101", Limit: 1}, []string{"customers_back/c-1/update"}},
		{"source key is exact", ActivityFilter{SourceKey: "c-1"}, []string{"customers_back/c-1/update"}},
		{"unknown key", ActivityFilter{Key: "nobody@example.com"}, nil},
		{"since, no key", ActivityFilter{Since: t2, Flow: "contacts"}, []string{"contacts/102/error", "contacts/101/update"}},
		{"action, no key", ActivityFilter{Action: "create"}, []string{"orders/4002/create", "contacts/102/create", "contacts/101/create"}},
		{"before since", ActivityFilter{Since: t1.Add(-time.Second), Key: "HS-4002"}, []string{"orders/4002/create"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Activities(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ref(got)); diff != "" {
				t.Errorf("Activities(%+v) (-want +got):\n%s", tt.f, diff)
			}
			for _, a := range got {
				if a.Keys != nil {
					t.Errorf("entry %d read back with keys %q; keys are stored hashed only", a.ID, a.Keys)
				}
			}
		})
	}
	// The keys are in the index as hashes, never as text.
	s.Close()
	assertFileLacks(t, path, "anna@example.com", "ANNA@example.com", "HS-4002")
}

// assertFileLacks fails when the state file or its write-ahead log holds
// any of the strings.
func assertFileLacks(t *testing.T, path string, strs ...string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range strs {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %q", p, s)
			}
		}
	}
}

func TestPurgeDropsPersonalDataOfLinks(t *testing.T) {
	clk := newClock()
	s, path := openTest(t, WithClock(clk.Now))
	ctx := t.Context()
	old := []Link{
		{Flow: "contacts", SourceKey: "101", TargetID: "c-1", KeyValue: "anna.purged@example.com", Values: map[string]any{"EmailAddress": "anna.purged@example.com", "Name": "Anna"}},
		// Written long ago, but with an entry still in the log.
		{Flow: "contacts", SourceKey: "102", TargetID: "c-2", KeyValue: "bo.kept@example.com", Values: map[string]any{"EmailAddress": "bo.kept@example.com"}},
	}
	if err := s.Save(ctx, Batch{Links: old, Activities: []Activity{
		{Flow: "contacts", SourceKey: "101", TargetID: "c-1", Action: "create", Keys: []string{"anna.purged@example.com"},
			Read: json.RawMessage(`{"email":"anna.purged@example.com"}`)},
		{Flow: "contacts", SourceKey: "102", TargetID: "c-2", Action: "create", Keys: []string{"bo.kept@example.com"}},
	}}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(40 * 24 * time.Hour)
	cut := clk.Now().Add(-30 * 24 * time.Hour)
	if err := s.LogActivity(ctx, []Activity{{Flow: "contacts", SourceKey: "102", TargetID: "c-2", Action: "error", Error: "409"}}); err != nil {
		t.Fatal(err)
	}
	// A recent link keeps everything.
	recent := Link{Flow: "contacts", SourceKey: "103", TargetID: "c-3", KeyValue: "cy@example.com", FieldHashes: map[string]string{"Name": "00"}}
	if err := s.PutLinks(ctx, []Link{recent}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Purge(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("Purge deleted %d entries; want 2", n)
	}
	got, err := s.Links(ctx, "contacts", []string{"101", "102", "103"})
	if err != nil {
		t.Fatal(err)
	}
	if l := got["101"]; l.TargetID != "c-1" || l.KeyValue != "" || len(l.FieldHashes) != 0 {
		t.Errorf("link 101 after its log was purged = %+v; want target c-1, no key value, no field hashes", l)
	}
	if l := got["102"]; l.KeyValue != "bo.kept@example.com" || len(l.FieldHashes) != 1 {
		t.Errorf("link 102, still in the log = %+v; want its key value and hashes kept", l)
	}
	if l := got["103"]; l.KeyValue != "cy@example.com" || len(l.FieldHashes) != 1 {
		t.Errorf("recent link 103 = %+v; want it kept", l)
	}
	if acts, err := s.Activities(ctx, ActivityFilter{Key: "anna.purged@example.com"}); err != nil || len(acts) != 0 {
		t.Errorf("Activities by a purged key = %v, %v; want none", acts, err)
	}
	var indexed int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM activity_keys`).Scan(&indexed); err != nil {
		t.Fatal(err)
	}
	if indexed != 1 { // the row of the entry left
		t.Errorf("the key index holds %d rows after the purge; want 1", indexed)
	}
	// A second purge has nothing left to do.
	if n, err := s.Purge(ctx, cut); err != nil || n != 0 {
		t.Errorf("second Purge = %d, %v; want 0, nil", n, err)
	}
	s.Close()
	assertFileLacks(t, path, "anna.purged@example.com")
}

func TestForget(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	run1, _ := s.StartRun(ctx, "apply", "d")
	run2, _ := s.StartRun(ctx, "apply", "d")
	first, second := keyEntries(run1, run2)
	first[0].Read = json.RawMessage(`{"firstname":"Anna-Forgotten"}`)
	if err := s.Save(ctx, Batch{Activities: first, Links: []Link{
		{Flow: "contacts", SourceKey: "101", TargetID: "c-1", KeyValue: "anna@example.com"},
		{Flow: "contacts", SourceKey: "102", TargetID: "c-2", KeyValue: "bo@example.com"},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := s.LogActivity(ctx, second); err != nil {
		t.Fatal(err)
	}
	before, err := s.Activities(ctx, ActivityFilter{Key: "102"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginIntents(ctx, []Intent{{Flow: "contacts", SourceKey: "101", Object: "eaccounting.books.customers", Action: "update", KeyField: "EmailAddress", KeyValue: "anna@example.com", TargetID: "c-1"}}); err != nil {
		t.Fatal(err)
	}

	er, err := s.Forget(ctx, "Anna@Example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := []RecordRef{{"contacts", "101"}}
	if diff := cmp.Diff(want, er.Records); diff != "" {
		t.Errorf("Forget records (-want +got):\n%s", diff)
	}
	if er.Entries != 2 || er.Links != 1 || len(er.PendingIntents) != 1 {
		t.Errorf("Forget = %d entries, %d links, %d pending intents; want 2, 1, 1", er.Entries, er.Links, len(er.PendingIntents))
	}
	for _, k := range []string{"anna@example.com", "101"} {
		acts, err := s.Activities(ctx, ActivityFilter{Key: k, Flow: "contacts"})
		if err != nil || len(acts) != 0 {
			t.Errorf("Activities(%q) after Forget = %v, %v; want none", k, acts, err)
		}
	}
	if l, _ := s.Links(ctx, "contacts", []string{"101"}); len(l) != 0 {
		t.Errorf("link 101 after Forget = %v; want none", l)
	}
	// The other person's entries, in the same rows, keep their IDs and
	// contents; the whole log reads without the erased ones.
	after, err := s.Activities(ctx, ActivityFilter{Key: "102"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("another person's entries changed (-before +after):\n%s", diff)
	}
	all, err := s.Activities(ctx, ActivityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Errorf("the log holds %d entries after Forget; want 4", len(all))
	}
	// A record known by the same id in another flow is not erased: it is
	// known by its own keys.
	if acts, _ := s.Activities(ctx, ActivityFilter{Flow: "customers_back"}); len(acts) != 1 {
		t.Errorf("customers_back entries after Forget = %d; want 1", len(acts))
	}
	again, err := s.Forget(ctx, "anna@example.com")
	if err != nil || len(again.Records) != 0 {
		t.Errorf("second Forget = %+v, %v; want nothing removed", again, err)
	}
	s.Close()
	assertFileLacks(t, path, "Anna-Forgotten")
}

func TestStory(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	run1, _ := s.StartRun(ctx, "apply", "d")
	run2, _ := s.StartRun(ctx, "apply", "d")
	first, second := keyEntries(run1, run2)
	if err := s.Save(ctx, Batch{Activities: first, Links: []Link{{Flow: "contacts", SourceKey: "101", TargetID: "c-1", KeyValue: "anna@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.LogActivity(ctx, second); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key     string
		opts    StoryOptions
		records []RecordRef
		entries int
	}{
		{"anna@example.com", StoryOptions{}, []RecordRef{{"contacts", "101"}}, 2},
		{"anna@example.com", StoryOptions{Related: true}, []RecordRef{{"contacts", "101"}, {"customers_back", "c-1"}}, 3},
		{"HS-4002", StoryOptions{Related: true}, []RecordRef{{"orders", "4002"}}, 1},
		{"ANNA@EXAMPLE.COM", StoryOptions{Related: true, Limit: 1}, []RecordRef{{"contacts", "101"}, {"customers_back", "c-1"}}, 1},
		{"nobody", StoryOptions{Related: true}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %+v", tt.key, tt.opts), func(t *testing.T) {
			st, err := s.Story(ctx, tt.key, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.records, st.Records); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if len(st.Entries) != tt.entries {
				t.Errorf("%d entries; want %d", len(st.Entries), tt.entries)
			}
			if !slices.IsSortedFunc(st.Entries, func(a, b Activity) int { return int(a.ID - b.ID) }) {
				t.Error("entries are not oldest first")
			}
		})
	}
	// A link without activity (its log purged) is found by its ids.
	if err := s.PutLinks(ctx, []Link{{Flow: "articles", SourceKey: "ART-1", TargetID: "a-1"}}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Story(ctx, "a-1", StoryOptions{})
	if err != nil || len(st.Links) != 1 || st.Links[0].SourceKey != "ART-1" {
		t.Errorf("Story(a-1) = %+v, %v; want the link of ART-1", st, err)
	}
}

// TestMigrateIndexesOldActivity opens a state file of schema version 1
// with activity: the migration indexes it.
func TestMigrateIndexesOldActivity(t *testing.T) {
	path := t.TempDir() + "/state.db"
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	var bufs activityBufs
	packed, err := bufs.pack([]Activity{{SourceKey: "101", TargetID: "c-1", Action: "create"}, {SourceKey: "102", Action: "error"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], `PRAGMA user_version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO activity (id, n, at, flow, entries) VALUES (1, 2, ?, 'contacts', ?)`, formatTime(time.Now()), packed); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	acts, err := s.Activities(t.Context(), ActivityFilter{Key: "C-1"})
	if err != nil || len(acts) != 1 || acts[0].SourceKey != "101" {
		t.Errorf("Activities by key after migration = %+v, %v; want the entry of 101", acts, err)
	}
}
