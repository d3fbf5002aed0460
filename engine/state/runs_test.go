package state

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRuns(t *testing.T) {
	clk := newClock()
	s, _ := openTest(t, WithClock(clk.Now))
	ctx := t.Context()
	t0 := clk.Now().UTC()

	id1, err := s.StartRun(ctx, "apply", "sha256:aaa")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	counts := map[string]int{"create": 3, "update": 1, "no_op": 10, "skip": 0, "error": 1, "blocked": 2}
	if err := s.FinishRun(ctx, id1, StatusFailed, counts); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	id2, err := s.StartRun(ctx, "plan", "sha256:bbb")
	if err != nil {
		t.Fatal(err)
	}

	all := []Run{
		{ID: id2, Command: "plan", ConfigDigest: "sha256:bbb", StartedAt: t0.Add(time.Minute + time.Hour),
			Status: StatusRunning, Counts: map[string]int{}},
		{ID: id1, Command: "apply", ConfigDigest: "sha256:aaa", StartedAt: t0, FinishedAt: t0.Add(time.Minute),
			Status: StatusFailed, Counts: counts},
	}
	for _, tt := range []struct {
		limit int
		want  []Run
	}{
		{0, all},
		{-1, all},
		{1, all[:1]},
		{5, all},
	} {
		got, err := s.Runs(ctx, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Runs(%d) mismatch (-want +got):\n%s", tt.limit, diff)
		}
	}
	for _, want := range all {
		got, err := s.Run(ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Run(%d) mismatch (-want +got):\n%s", want.ID, diff)
		}
	}
	if _, err := s.Run(ctx, id2+1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(%d) = %v; want ErrNotFound", id2+1, err)
	}
}

func TestFinishRunErrors(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	id, err := s.StartRun(ctx, "apply", "d")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishRun(ctx, id, StatusSucceeded, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		id     int64
		status string
		want   string
		is     error
	}{
		{"bad status", id, "done", `status "done" is not one of`, nil},
		{"running is not an end", id, StatusRunning, `status "running" is not one of`, nil},
		{"finished twice", id, StatusFailed, "already succeeded", nil},
		{"unknown run", id + 100, StatusFailed, "not found", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.FinishRun(ctx, tt.id, tt.status, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("FinishRun = %v; want an error containing %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("FinishRun = %v; want errors.Is %v", err, tt.is)
			}
		})
	}
	if _, err := s.StartRun(ctx, "", "d"); err == nil {
		t.Error("StartRun with an empty command succeeded; want an error")
	}
}
