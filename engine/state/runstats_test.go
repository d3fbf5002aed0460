package state

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRunStats(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	id1, err := s.StartRun(ctx, "apply", "sha256:aaa")
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.StartRun(ctx, "apply", "sha256:aaa")
	if err != nil {
		t.Fatal(err)
	}
	calls := []APICalls{
		{Connection: "hubspot.crm", Budget: "burst", Calls: 12, Limit: 190, Per: 10 * time.Second},
		{Connection: "eaccounting.books", Budget: "POST customerinvoicedrafts", Calls: 3, Limit: 600, Per: time.Minute},
	}
	if err := s.SetRunAPICalls(ctx, id1, calls); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRunPickupLag(ctx, id1, "deals", 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRunPickupLag(ctx, id1, "contacts", 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.SetRunPickupLag(ctx, id1, "deals", 3*time.Second); err != nil { // replaces the first
		t.Fatal(err)
	}
	if err := s.SetRunAPICalls(ctx, 999, calls); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetRunAPICalls(unknown run) = %v, want ErrNotFound", err)
	}
	got, err := s.RunStats(ctx, []int64{id1, id2, 999})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]RunStats{
		id1: {APICalls: calls, PickupLag: map[string]time.Duration{"deals": 3 * time.Second, "contacts": 2 * time.Second}},
		id2: {APICalls: []APICalls{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunStats mismatch (-want +got):\n%s", diff)
	}
}
