package state

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIntents(t *testing.T) {
	clk := newClock()
	t0 := clk.Now().UTC()
	create := func(flow, key string) Intent {
		return Intent{Flow: flow, SourceKey: key, Object: "hubspot.crm.contacts", Action: "create",
			KeyField: "email", KeyValue: key + "@example.com"}
	}
	tests := []struct {
		name    string
		begin   [][]Intent // journal entries
		resolve []int      // indexes into begin
		flow    string
		want    []Intent // without ID and CreatedAt
	}{
		{"none", nil, nil, "", nil},
		{"all pending", [][]Intent{{create("a", "1"), create("b", "2")}, {create("a", "3")}}, nil, "",
			[]Intent{create("a", "1"), create("b", "2"), create("a", "3")}},
		{"filter by flow", [][]Intent{{create("a", "1"), create("b", "2")}, {create("a", "3")}}, nil, "a",
			[]Intent{create("a", "1"), create("a", "3")}},
		{"resolved are gone", [][]Intent{{create("a", "1")}, {create("a", "2"), create("a", "3")}, {create("a", "4")}}, []int{0, 2}, "",
			[]Intent{create("a", "2"), create("a", "3")}},
		{"update intent", [][]Intent{{{Flow: "a", SourceKey: "1", Object: "visma_eaccounting.acme.customers",
			Action: "update", TargetID: "c-1", KeyField: "number", KeyValue: "1001"}}}, nil, "a",
			[]Intent{{Flow: "a", SourceKey: "1", Object: "visma_eaccounting.acme.customers",
				Action: "update", TargetID: "c-1", KeyField: "number", KeyValue: "1001"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, WithClock(clk.Now))
			ctx := t.Context()
			var ids []int64
			entry := map[string]int64{} // source key -> its entry's ID
			for _, in := range tt.begin {
				id, err := s.BeginIntents(ctx, in)
				if err != nil {
					t.Fatalf("BeginIntents = %v", err)
				}
				if len(ids) > 0 && id <= ids[len(ids)-1] {
					t.Errorf("entry id %d after %d is not increasing", id, ids[len(ids)-1])
				}
				ids = append(ids, id)
				for _, i := range in {
					entry[i.SourceKey] = id
				}
			}
			var res []int64
			for _, i := range tt.resolve {
				res = append(res, ids[i])
			}
			if err := s.ResolveIntents(ctx, res); err != nil {
				t.Fatalf("ResolveIntents = %v", err)
			}
			got, err := s.PendingIntents(ctx, tt.flow)
			if err != nil {
				t.Fatalf("PendingIntents = %v", err)
			}
			var want []Intent
			for _, in := range tt.want {
				in.ID = entry[in.SourceKey]
				in.CreatedAt = t0
				want = append(want, in)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("PendingIntents(%q) mismatch (-want +got):\n%s", tt.flow, diff)
			}
		})
	}
}

func TestIntentsSurviveCrash(t *testing.T) {
	// A process records intents, then dies before resolving them: the next
	// process must find them pending.
	clk := newClock()
	s, path := openTest(t, WithClock(clk.Now))
	ctx := t.Context()
	run, err := s.StartRun(ctx, "apply", "digest")
	if err != nil {
		t.Fatal(err)
	}
	in := []Intent{
		{RunID: run, Flow: "contacts", SourceKey: "42", Object: "hubspot.crm.contacts", Action: "create",
			KeyField: "email", KeyValue: "ann@example.com"},
		{RunID: run, Flow: "contacts", SourceKey: "43", Object: "hubspot.crm.contacts", Action: "create",
			KeyField: "email", KeyValue: "bob@example.com"},
	}
	var ids []int64
	for _, i := range in {
		id, err := s.BeginIntents(ctx, []Intent{i})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := s.ResolveIntents(ctx, ids[1:]); err != nil {
		t.Fatal(err)
	}
	// Simulate the crash: drop the connections without any cleanup. Close
	// also only closes; nothing is resolved on the way out.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := Open(ctx, path, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.PendingIntents(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []Intent{in[0]}
	want[0].ID = ids[0]
	want[0].CreatedAt = clk.Now().UTC()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PendingIntents after reopen mismatch (-want +got):\n%s", diff)
	}
}

func TestBeginIntentsRejects(t *testing.T) {
	ok := Intent{Flow: "f", SourceKey: "1", Object: "o", Action: "create"}
	tests := []struct {
		name string
		in   Intent
		want string
	}{
		{"no flow", Intent{SourceKey: "1", Object: "o", Action: "create"}, "intent 1: empty flow"},
		{"no key", Intent{Flow: "f", Object: "o", Action: "create"}, "empty source key"},
		{"no object", Intent{Flow: "f", SourceKey: "1", Action: "create"}, "empty object"},
		{"bad action", Intent{Flow: "f", SourceKey: "1", Object: "o", Action: "delete"}, `action "delete" is neither create nor update`},
		{"unknown run", Intent{RunID: 99, Flow: "f", SourceKey: "1", Object: "o", Action: "create"}, "FOREIGN KEY"},
		{"runs differ", Intent{RunID: 99, Flow: "f", SourceKey: "1", Object: "o", Action: "create"}, "intent 1: run 99 differs from the first intent's, 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			first := ok
			if tt.name == "unknown run" {
				first.RunID = tt.in.RunID
			}
			id, err := s.BeginIntents(ctx, []Intent{first, tt.in})
			if err == nil || !containsFold(err.Error(), tt.want) {
				t.Fatalf("BeginIntents = %v, %v; want an error containing %q", id, err, tt.want)
			}
			pending, err := s.PendingIntents(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(pending) != 0 {
				t.Errorf("after a rejected batch, %d intents are pending; want 0", len(pending))
			}
		})
	}
}

// TestSavePendingOfManyIntents resolves a large entry but for some intents,
// which stay pending with their entry's ID and time.
func TestSavePendingOfManyIntents(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in := make([]Intent, 1200)
	var pending []string
	for i := range in {
		in[i] = Intent{Flow: "f", SourceKey: fmt.Sprint(i), Object: "o", Action: "create", CreatedAt: created}
		if i%12 == 5 {
			pending = append(pending, in[i].SourceKey)
		}
	}
	id, err := s.BeginIntents(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, Batch{Intents: id, Pending: pending}); err != nil {
		t.Fatal(err)
	}
	got, err := s.PendingIntents(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	var gotKeys []string
	for _, g := range got {
		gotKeys = append(gotKeys, g.SourceKey)
		if g.ID != id || !g.CreatedAt.Equal(created) {
			t.Errorf("pending %+v; want entry %d created %v", g, id, created)
		}
	}
	if diff := cmp.Diff(pending, gotKeys); diff != "" {
		t.Errorf("pending intents mismatch (-want +got):\n%s", diff)
	}
}

// TestIntentsCodec: the journal leaves out what an intent shares with the
// one before, and reads it back whole.
func TestIntentsCodec(t *testing.T) {
	in := []Intent{
		{Flow: "f", SourceKey: "1", Object: "o", Action: "create", KeyField: "email", KeyValue: "a@example.com"},
		{Flow: "f", SourceKey: "2", Object: "o", Action: "create", KeyField: "email", KeyValue: "b@example.com"},
		{Flow: "f", SourceKey: "3", Object: "o", Action: "create"},
		{Flow: "ø<&>", SourceKey: "line:\"2\"\n", Object: "hubspot.crm.contacts", Action: "update",
			KeyField: "email", KeyValue: "ann@example.com", TargetID: "\u2028x"},
		{Flow: "ø<&>", SourceKey: "5", Object: "hubspot.crm.contacts", Action: "update", TargetID: "9"},
	}
	enc := encodeIntents(in)
	if !json.Valid(enc) {
		t.Fatalf("encodeIntents wrote invalid JSON: %s", enc)
	}
	if n := strings.Count(string(enc), `"object"`); n != 2 {
		t.Errorf("encodeIntents wrote the object %d times; want 2 (where it changes): %s", n, enc)
	}
	got, err := decodeIntents(enc)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("intents round trip mismatch (-want +got):\n%s", diff)
	}
}

// TestCommittingIntents: Save marks the pending intents the target may
// still be committing, and ResolveIntentsKeeping keeps the ones asked for,
// with their mark.
func TestCommittingIntents(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	in := func(key string) Intent {
		return Intent{Flow: "orders", SourceKey: key, Object: "eaccounting.books.orders", Action: "create", KeyField: "YourReference", KeyValue: "HS-" + key}
	}
	id, err := s.BeginIntents(ctx, []Intent{in("1"), in("2"), in("3")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ctx, Batch{Intents: id, Pending: []string{"2", "3"}, Committing: []string{"3"}}); err != nil {
		t.Fatal(err)
	}
	marks := func() map[string]bool {
		t.Helper()
		pending, err := s.PendingIntents(ctx, "orders")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, p := range pending {
			out[p.SourceKey] = p.Committing
		}
		return out
	}
	if diff := cmp.Diff(map[string]bool{"2": false, "3": true}, marks()); diff != "" {
		t.Errorf("pending after Save (-want +got):\n%s", diff)
	}
	if err := s.ResolveIntentsKeeping(ctx, []int64{id}, map[int64][]string{id: {"3"}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"3": true}, marks()); diff != "" {
		t.Errorf("pending after ResolveIntentsKeeping (-want +got):\n%s", diff)
	}
}
