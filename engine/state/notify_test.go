package state

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestNotifyStatesRoundTrip(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	since := time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)
	want := []NotifyState{
		{Notify: "ops", Rule: "run_failed", Flow: "orders", Status: NotifyFailing, Since: since, Count: 2, Pending: []byte(`[{"m":1}]`)},
		{Notify: "ops", Rule: "no_success", Flow: "orders", Status: NotifyOK, LastSuccess: since.Add(-time.Hour)},
	}
	for _, st := range want {
		if err := s.PutNotifyState(ctx, st); err != nil {
			t.Fatalf("PutNotifyState(%s) = %v", st.Rule, err)
		}
	}
	// Replacing a row keeps one row per key.
	want[0].Pending = nil
	want[0].Count = 3
	if err := s.PutNotifyState(ctx, want[0]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.NotifyStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want = []NotifyState{want[1], want[0]} // ordered by rule
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(NotifyState{}, "UpdatedAt")); diff != "" {
		t.Errorf("NotifyStates (-want +got):\n%s", diff)
	}
	for _, st := range got {
		if st.UpdatedAt.IsZero() {
			t.Errorf("%s: UpdatedAt is zero", st.Rule)
		}
	}
}

func TestPutNotifyStateRefusesBadStatus(t *testing.T) {
	s, _ := openTest(t)
	if err := s.PutNotifyState(t.Context(), NotifyState{Notify: "ops", Rule: "run_failed", Status: "broken"}); err == nil {
		t.Error("PutNotifyState with status broken = nil; want an error")
	}
	if err := s.PutNotifyState(t.Context(), NotifyState{Rule: "run_failed", Status: NotifyOK}); err == nil {
		t.Error("PutNotifyState without notify = nil; want an error")
	}
}
