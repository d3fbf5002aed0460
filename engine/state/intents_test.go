package state

import (
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
		begin   []Intent
		resolve []int // indexes into begin
		flow    string
		want    []int // indexes into begin, in order
	}{
		{"none", nil, nil, "", nil},
		{"all pending", []Intent{create("a", "1"), create("b", "2")}, nil, "", []int{0, 1}},
		{"filter by flow", []Intent{create("a", "1"), create("b", "2"), create("a", "3")}, nil, "a", []int{0, 2}},
		{"resolved are gone", []Intent{create("a", "1"), create("a", "2"), create("a", "3")}, []int{0, 2}, "", []int{1}},
		{"update intent", []Intent{{Flow: "a", SourceKey: "1", Object: "visma_eaccounting.acme.customers",
			Action: "update", TargetID: "c-1", KeyField: "number", KeyValue: "1001"}}, nil, "a", []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, WithClock(clk.Now))
			ctx := t.Context()
			ids, err := s.BeginIntents(ctx, tt.begin)
			if err != nil {
				t.Fatalf("BeginIntents = %v", err)
			}
			if len(ids) != len(tt.begin) {
				t.Fatalf("BeginIntents returned %d ids; want %d", len(ids), len(tt.begin))
			}
			for i := 1; i < len(ids); i++ {
				if ids[i] <= ids[i-1] {
					t.Errorf("ids %v are not increasing", ids)
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
			for _, i := range tt.want {
				in := tt.begin[i]
				in.ID = ids[i]
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
	ids, err := s.BeginIntents(ctx, in)
	if err != nil {
		t.Fatal(err)
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			ids, err := s.BeginIntents(ctx, []Intent{ok, tt.in})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("BeginIntents = %v, %v; want an error containing %q", ids, err, tt.want)
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

func TestResolveManyIntents(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	in := make([]Intent, 1200)
	for i := range in {
		in[i] = Intent{Flow: "f", SourceKey: strings.Repeat("k", 1+i%7), Object: "o", Action: "create",
			CreatedAt: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)}
	}
	ids, err := s.BeginIntents(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ResolveIntents(ctx, ids[:1100]); err != nil {
		t.Fatal(err)
	}
	got, err := s.PendingIntents(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("PendingIntents returned %d; want 100", len(got))
	}
	if got[0].ID != ids[1100] || !got[0].CreatedAt.Equal(in[1100].CreatedAt) {
		t.Errorf("first pending = %+v; want id %d created %v", got[0], ids[1100], in[1100].CreatedAt)
	}
}
