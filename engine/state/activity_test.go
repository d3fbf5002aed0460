package state

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestActivities(t *testing.T) {
	clk := newClock()
	s, _ := openTest(t, WithClock(clk.Now))
	ctx := t.Context()
	run1, err := s.StartRun(ctx, "apply", "d")
	if err != nil {
		t.Fatal(err)
	}
	run2, err := s.StartRun(ctx, "apply", "d")
	if err != nil {
		t.Fatal(err)
	}
	t0 := clk.Now().UTC()
	at := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	in := []Activity{
		{RunID: run1, Flow: "customers", SourceKey: "1", TargetID: "c1", Action: "create",
			Read: json.RawMessage(`{"name":"Ann Example","email":"[redacted]"}`),
			Sent: json.RawMessage(`{"name":"Ann Example"}`), Answer: json.RawMessage(`{"id":"c1"}`)},
		{RunID: run1, Flow: "customers", SourceKey: "2", Action: "error", At: at,
			Read: json.RawMessage(`{"name":"Bob"}`), Error: "eaccounting: 400 invalid country"},
		{RunID: run2, Flow: "orders", SourceKey: "1", TargetID: "o1", Action: "update",
			Sent: json.RawMessage(`{"amount":12.5}`), Answer: json.RawMessage(`null`)},
		{Flow: "customers", SourceKey: "1", TargetID: "c1", Action: "no_op"},
	}
	if err := s.LogActivity(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err := s.Activities(ctx, ActivityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(in) {
		t.Fatalf("Activities returned %d entries; want %d", len(got), len(in))
	}
	// want[i] is in[i] as stored, with its ID and time.
	want := make([]Activity, len(in))
	for i := range in {
		want[i] = in[i]
		want[i].ID = got[len(got)-1-i].ID
		if want[i].At.IsZero() {
			want[i].At = t0
		}
	}
	pick := func(idx ...int) []Activity {
		var out []Activity
		for _, i := range idx {
			out = append(out, want[i])
		}
		return out
	}
	tests := []struct {
		name string
		f    ActivityFilter
		want []Activity
	}{
		{"all, newest first", ActivityFilter{}, pick(3, 2, 1, 0)},
		{"by run", ActivityFilter{RunID: run1}, pick(1, 0)},
		{"by flow", ActivityFilter{Flow: "customers"}, pick(3, 1, 0)},
		{"by flow and key", ActivityFilter{Flow: "customers", SourceKey: "1"}, pick(3, 0)},
		{"by key across flows", ActivityFilter{SourceKey: "1"}, pick(3, 2, 0)},
		{"by run, flow and key", ActivityFilter{RunID: run2, Flow: "orders", SourceKey: "1"}, pick(2)},
		{"limit", ActivityFilter{Flow: "customers", Limit: 2}, pick(3, 1)},
		{"no match", ActivityFilter{Flow: "nothing"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Activities(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Activities(%+v) mismatch (-want +got):\n%s", tt.f, diff)
			}
		})
	}
}

// TestActivitiesOfOneBatch covers entries stored in one row: their IDs
// follow one another, the row before's IDs go on, and filters and limits
// apply entry by entry.
func TestActivitiesOfOneBatch(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	first := []Activity{{Flow: "f", SourceKey: "0", Action: "create"}}
	var batch []Activity
	for _, k := range []string{"1", "10", "2", "1", `"1"`} {
		batch = append(batch, Activity{Flow: "f", SourceKey: k, Action: "update"})
	}
	for _, acts := range [][]Activity{first, batch} {
		if err := s.LogActivity(ctx, acts); err != nil {
			t.Fatal(err)
		}
	}
	typeQuery, blob := `SELECT group_concat(DISTINCT typeof(entries)) FROM activity`, "blob"
	if s.pg != nil {
		typeQuery, blob = `SELECT string_agg(DISTINCT pg_typeof(entries)::text, ',') FROM activity`, "bytea"
	}
	var types string
	if err := s.r.QueryRowContext(ctx, typeQuery).Scan(&types); err != nil || types != blob {
		t.Errorf("entries are stored as %q, %v; want %s (compressed)", types, err, blob)
	}
	keysAndIDs := func(acts []Activity) []string {
		var out []string
		for _, a := range acts {
			out = append(out, fmt.Sprint(a.SourceKey, "#", a.ID))
		}
		return out
	}
	tests := []struct {
		f    ActivityFilter
		want []string
	}{
		{ActivityFilter{}, []string{`"1"#6`, "1#5", "2#4", "10#3", "1#2", "0#1"}},
		{ActivityFilter{SourceKey: "1"}, []string{"1#5", "1#2"}},
		{ActivityFilter{SourceKey: `"1"`}, []string{`"1"#6`}},
		{ActivityFilter{Limit: 3}, []string{`"1"#6`, "1#5", "2#4"}},
		{ActivityFilter{SourceKey: "1", Limit: 1}, []string{"1#5"}},
	}
	for _, tt := range tests {
		got, err := s.Activities(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, keysAndIDs(got)); diff != "" {
			t.Errorf("Activities(%+v) mismatch (-want +got):\n%s", tt.f, diff)
		}
	}
}

// TestActivitiesOfABadDocument: documents are logged unchecked; one that
// is not JSON loses its own entry only.
func TestActivitiesOfABadDocument(t *testing.T) {
	for _, bad := range []Activity{
		{Flow: "f", SourceKey: "2", Action: "create", Read: json.RawMessage(`{"a":`)},
		{Flow: "f", SourceKey: "2", Action: "create", Sent: json.RawMessage(`nope`)},
		{Flow: "f", SourceKey: "2", Action: "create", Answer: json.RawMessage("{}}")},
		{Flow: "f", SourceKey: "2", Action: "create", Answer: json.RawMessage("[1,\n2,\n")},
	} {
		s, _ := openTest(t)
		ctx := t.Context()
		pretty := json.RawMessage("{\n  \"a\": [1,\n 2]\n}")
		acts := []Activity{
			{Flow: "f", SourceKey: "1", Action: "create", Read: pretty},
			bad,
			{Flow: "f", SourceKey: "3", Action: "update", Sent: json.RawMessage(`{"x":",\n"}`)},
		}
		if err := s.LogActivity(ctx, acts); err != nil {
			t.Fatal(err)
		}
		got, err := s.Activities(ctx, ActivityFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%s: Activities returned %d entries; want 3", bad.Read, len(got))
		}
		if got[0].SourceKey != "3" || string(got[0].Sent) != `{"x":",\n"}` {
			t.Errorf("entry after the bad one = %+v; want source key 3 with its document", got[0])
		}
		if got[1].Action != "unreadable" || !strings.Contains(got[1].Error, "cannot be read") {
			t.Errorf("bad entry = %+v; want it reported unreadable", got[1])
		}
		var read any
		if got[2].SourceKey != "1" || json.Unmarshal(got[2].Read, &read) != nil {
			t.Errorf("entry before the bad one = %+v; want source key 1 with its document", got[2])
		}
	}
}

func TestLogActivityRejects(t *testing.T) {
	tests := []struct {
		name string
		a    Activity
		want string
	}{
		{"no flow", Activity{SourceKey: "1", Action: "create"}, "entry 1: empty flow"},
		{"no action", Activity{Flow: "f", SourceKey: "1"}, "empty action"},
		{"unknown run", Activity{RunID: 77, Flow: "f", SourceKey: "1", Action: "create"}, "FOREIGN KEY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			ok := Activity{Flow: "f", SourceKey: "0", Action: "create"}
			err := s.LogActivity(ctx, []Activity{ok, tt.a})
			if err == nil || !containsFold(err.Error(), tt.want) {
				t.Fatalf("LogActivity = %v; want an error containing %q", err, tt.want)
			}
			got, err := s.Activities(ctx, ActivityFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 {
				t.Errorf("after a rejected batch, %d entries are logged; want 0", len(got))
			}
		})
	}
}

func TestPurge(t *testing.T) {
	clk := newClock()
	s, _ := openTest(t, WithClock(clk.Now))
	ctx := t.Context()
	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 0, 0, 0, time.UTC) }

	run, err := s.StartRun(ctx, "apply", "d")
	if err != nil {
		t.Fatal(err)
	}
	// 2·purgeRows+3 old entries of alternating days, each a row of its own
	// (several purge transactions), 7 old entries of one day in one row,
	// and 5 recent ones.
	const old = 2*purgeRows + 3 + 7
	var acts []Activity
	for i := range 2*purgeRows + 3 {
		acts = append(acts, Activity{RunID: run, At: day(1 + i%9), Flow: "f", SourceKey: fmt.Sprint(i), Action: "create",
			Read: json.RawMessage(`{"email":"person@example.com"}`)})
	}
	for i := range 7 {
		acts = append(acts, Activity{RunID: run, At: day(5), Flow: "f", SourceKey: fmt.Sprint("same", i), Action: "create"})
	}
	for i := range 5 {
		acts = append(acts, Activity{RunID: run, At: day(10 + i), Flow: "f", SourceKey: fmt.Sprint("new", i), Action: "update"})
	}
	if err := s.LogActivity(ctx, acts); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, run, StatusSucceeded, map[string]int{"create": old}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		before      time.Time
		wantDeleted int64
		wantLeft    int
	}{
		{day(1), 0, len(acts)},               // strictly before
		{day(10), old, 5},                    // every old entry
		{day(10), 0, 5},                      // again: nothing more
		{day(12).Add(time.Nanosecond), 3, 2}, // day 10, 11, 12
		{day(30), 2, 0},                      // everything
	}
	for _, tt := range tests {
		n, err := s.Purge(ctx, tt.before)
		if err != nil {
			t.Fatalf("Purge(%v) = %v", tt.before, err)
		}
		if n != tt.wantDeleted {
			t.Errorf("Purge(%v) deleted %d; want %d", tt.before, n, tt.wantDeleted)
		}
		left, err := s.Activities(ctx, ActivityFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(left) != tt.wantLeft {
			t.Errorf("after Purge(%v), %d entries left; want %d", tt.before, len(left), tt.wantLeft)
		}
		for _, a := range left {
			if a.At.Before(tt.before) {
				t.Errorf("after Purge(%v), entry of %v is left", tt.before, a.At)
			}
		}
	}
	// The run itself (no personal data) is kept.
	runs, err := s.Runs(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != StatusSucceeded {
		t.Errorf("after Purge, Runs = %+v; want the finished run kept", runs)
	}
}

func TestPurgeLeavesNoTraceOnDisk(t *testing.T) {
	sqliteOnly(t) // Postgres's pages are autovacuum's (docs/scale.md)
	s, path := openTest(t)
	ctx := t.Context()
	const secret = "erased-person@example.org"
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var acts []Activity
	for i := range 50 {
		acts = append(acts, Activity{At: old, Flow: "f", SourceKey: fmt.Sprint(i), Action: "create",
			Read: json.RawMessage(fmt.Sprintf(`{"email":%q}`, secret))})
	}
	if err := s.LogActivity(ctx, acts); err != nil {
		t.Fatal(err)
	}
	onDisk := func() bool {
		t.Helper()
		var found bool
		for _, p := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(p)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			found = found || bytes.Contains(b, []byte(secret))
		}
		return found
	}
	if !onDisk() {
		t.Fatal("the logged payload is not on disk before Purge; the test cannot tell anything")
	}
	if _, err := s.Purge(ctx, old.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if onDisk() {
		t.Error("the purged payload is still in the state file or its write-ahead log")
	}
}

// TestAppendEntryMatchesEncodingJSON: entries are read back with
// encoding/json, so what appendEntry writes must read back as what
// encoding/json would write (which also escapes <, > and &).
func TestAppendEntryMatchesEncodingJSON(t *testing.T) {
	for _, a := range []Activity{
		{SourceKey: "1", Action: "create"},
		{SourceKey: "line:\"2\"<&>\u2028", TargetID: "t-1", Action: "error", Error: "400: bad \\ value\n",
			Read: json.RawMessage(`{"a":[1,2,{"b":null}]}`), Sent: json.RawMessage(`{"x":"y"}`), Answer: json.RawMessage(`"ok"`)},
	} {
		want, err := json.Marshal(entry{SourceKey: a.SourceKey, TargetID: a.TargetID, Action: a.Action, Error: a.Error,
			Read: a.Read, Sent: a.Sent, Answer: a.Answer})
		if err != nil {
			t.Fatal(err)
		}
		var got, wantV entry
		if err := json.Unmarshal(appendEntry(nil, &a), &got); err != nil {
			t.Fatalf("appendEntry wrote invalid JSON: %v", err)
		}
		if err := json.Unmarshal(want, &wantV); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantV, got); diff != "" {
			t.Errorf("appendEntry mismatch (-encoding/json +got):\n%s", diff)
		}
	}
}

// TestActivitiesOfACorruptRow: a row whose entries cannot be uncompressed
// is reported as one unreadable entry; the other rows read as ever.
func TestActivitiesOfACorruptRow(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	for _, k := range []string{"1", "2"} {
		if err := s.LogActivity(ctx, []Activity{{Flow: "f", SourceKey: k, Action: "create"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE activity SET entries = ? WHERE id = 1`, []byte{0x00, 0xff}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Activities(ctx, ActivityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].SourceKey != "2" || got[1].Action != "unreadable" || got[1].ID != 1 {
		t.Errorf("Activities = %+v; want entry 2, then row 1 unreadable", got)
	}
}
