package state

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"github.com/google/go-cmp/cmp"
)

// fillState writes something to every table a copy carries.
func fillState(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	run1, err := s.StartRun(ctx, "apply", "d1")
	if err != nil {
		t.Fatal(err)
	}
	run2, err := s.StartRun(ctx, "apply", "d2")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, run1, StatusSucceeded, map[string]int{"create": 3}); err != nil {
		t.Fatal(err)
	}
	first, second := keyEntries(run1, run2)
	for _, acts := range [][]Activity{first, second} {
		if err := s.LogActivity(ctx, acts); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutLinks(ctx, []Link{
		{Flow: "contacts", SourceKey: "101", TargetID: "c-1", KeyValue: "anna@example.com", Values: map[string]any{"Name": "Anna"}},
		{Flow: "contacts", SourceKey: "é-102", TargetID: "c-2"},
		{Flow: "orders", SourceKey: "4002", TargetID: "o-9"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetCursor(ctx, "contacts", "2026-03-01T09:00:00Z"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginIntents(ctx, []Intent{{RunID: run2, Flow: "orders", SourceKey: "4003", Object: "order", Action: "create", KeyField: "ref", KeyValue: "HS-4003"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutNotifyState(ctx, NotifyState{Notify: "ops", Rule: "failed_runs", Flow: "orders", Status: NotifyFailing,
		Since: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), Count: 2, Pending: []byte("msg")}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutNotifyState(ctx, NotifyState{Notify: "ops", Rule: "failed_runs", Flow: "contacts", Status: NotifyOK}); err != nil {
		t.Fatal(err)
	}
}

// A SQLite state copied into Postgres and back is the same state: the
// same rows and checksums per table, and it reads the same (the key index
// finds a person's entries, so the salt came along).
func TestCopySQLiteToPostgresAndBack(t *testing.T) {
	if testDriver() != "postgres" {
		t.Skip("a Postgres test: it runs in the suite's Postgres pass (TestSuiteOnPostgres)")
	}
	ctx := t.Context()
	open := func(path string) *Store {
		s, err := Open(ctx, path, WithClock(newClock().Now))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	lite := open(filepath.Join(t.TempDir(), "state.db"))
	fillState(t, lite)
	pg := open(pgtest.SchemaURL(t, pgtest.URL(t)))
	back := open(filepath.Join(t.TempDir(), "back.db"))

	sums, err := lite.CopyTo(ctx, pg)
	if err != nil {
		t.Fatalf("copy to Postgres: %v", err)
	}
	sumsBack, err := pg.CopyTo(ctx, back)
	if err != nil {
		t.Fatalf("copy back to SQLite: %v", err)
	}
	if diff := cmp.Diff(sums, sumsBack); diff != "" {
		t.Errorf("the copy back differs (-to Postgres +back):\n%s", diff)
	}
	want := map[string]int64{"runs": 2, "links": 3, "cursors": 1, "intents": 1, "activity": 5, "activity_keys": 5, "secrets": 1, "notify_states": 2}
	for _, s := range sums {
		if s.Rows != want[s.Table] {
			t.Errorf("%s: %d rows copied; want %d", s.Table, s.Rows, want[s.Table])
		}
	}
	for name, s := range map[string]*Store{"Postgres": pg, "SQLite again": back} {
		acts, err := s.Activities(ctx, ActivityFilter{Key: "anna@example.com"})
		if err != nil || len(acts) != 2 {
			t.Errorf("%s: Activities by key = %d entries, %v; want Anna's 2", name, len(acts), err)
		}
		links, err := s.Links(ctx, "contacts", []string{"101", "é-102"})
		if err != nil || links["101"].TargetID != "c-1" || links["é-102"].TargetID != "c-2" || links["101"].FieldHashes["Name"] == "" {
			t.Errorf("%s: Links = %+v, %v", name, links, err)
		}
		// New rows go on after the copied IDs.
		id, err := s.StartRun(ctx, "apply", "d3")
		if err != nil || id != 3 {
			t.Errorf("%s: StartRun after the copy = %d, %v; want ID 3", name, id, err)
		}
	}

	// A copy never merges into a state that holds one already.
	if _, err := lite.CopyTo(ctx, pg); err == nil || !strings.Contains(err.Error(), "already holds a state") {
		t.Errorf("copy into a full state = %v; want it refused", err)
	}
}

// The checksum sees a changed value.
func TestChecksumsSeeAChange(t *testing.T) {
	s, _ := openTest(t)
	fillState(t, s)
	before, err := s.Checksums(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(context.Background(), `UPDATE links SET target_id = 'c-3' WHERE source_key = '101'`); err != nil {
		t.Fatal(err)
	}
	after, err := s.Checksums(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		changed := before[i].Checksum != after[i].Checksum
		if changed != (before[i].Table == "links") {
			t.Errorf("%s: checksum changed %v; want a change in links only", before[i].Table, changed)
		}
	}
}
