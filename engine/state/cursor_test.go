package state

import (
	"slices"
	"testing"
	"time"
)

func TestCursor(t *testing.T) {
	tests := []struct {
		name string
		sets [][2]string // flow, cursor
		flow string
		want string
	}{
		{"none", nil, "orders", ""},
		{"set", [][2]string{{"orders", "2026-03-01T00:00:00Z"}}, "orders", "2026-03-01T00:00:00Z"},
		{"overwrite", [][2]string{{"orders", "a"}, {"orders", "b"}}, "orders", "b"},
		{"per flow", [][2]string{{"orders", "a"}, {"customers", "b"}}, "orders", "a"},
		{"reset", [][2]string{{"orders", "a"}, {"orders", ""}}, "orders", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			for _, set := range tt.sets {
				if err := s.SetCursor(ctx, set[0], set[1]); err != nil {
					t.Fatalf("SetCursor(%q, %q) = %v", set[0], set[1], err)
				}
			}
			got, err := s.Cursor(ctx, tt.flow)
			if err != nil {
				t.Fatalf("Cursor(%q) = %v", tt.flow, err)
			}
			if got != tt.want {
				t.Errorf("Cursor(%q) = %q; want %q", tt.flow, got, tt.want)
			}
		})
	}
}

func TestReadMark(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if _, ok, err := s.ReadMark(ctx, "orders"); ok || err != nil {
		t.Fatalf("ReadMark before any = %v, %v; want none", ok, err)
	}
	t1 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	t2 := t1.Add(15 * time.Minute)
	if err := s.MarkRead(ctx, "orders", ReadMark{Cursor: "a", ReadAt: t1, FullAt: t1}); err != nil {
		t.Fatal(err)
	}
	// An incremental read keeps the time of the last full one.
	if err := s.MarkRead(ctx, "orders", ReadMark{Cursor: "b", ReadAt: t2}); err != nil {
		t.Fatal(err)
	}
	m, ok, err := s.ReadMark(ctx, "orders")
	if err != nil || !ok {
		t.Fatalf("ReadMark = %v, %v", ok, err)
	}
	if want := (ReadMark{Cursor: "b", ReadAt: t2, FullAt: t1}); m != want {
		t.Errorf("ReadMark = %+v; want %+v", m, want)
	}
	if c, _ := s.Cursor(ctx, "orders"); c != "b" {
		t.Errorf("Cursor = %q; want b", c)
	}
}

func TestRetries(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	for _, set := range []struct {
		flow string
		keys []string
	}{{"orders", []string{"3", "1", "3"}}, {"customers", []string{"9"}}} {
		if err := s.SetRetries(ctx, set.flow, set.keys); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := s.Retries(ctx, "orders"); !slices.Equal(got, []string{"1", "3"}) {
		t.Errorf("Retries(orders) = %v; want [1 3]", got)
	}
	if err := s.AddRetries(ctx, "orders", []string{"2", "3"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Retries(ctx, "orders"); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Errorf("Retries(orders) after AddRetries = %v; want [1 2 3]", got)
	}
	if err := s.SetRetries(ctx, "orders", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Retries(ctx, "orders"); len(got) != 0 {
		t.Errorf("Retries(orders) after none failed = %v; want none", got)
	}
	if got, _ := s.Retries(ctx, "customers"); !slices.Equal(got, []string{"9"}) {
		t.Errorf("Retries(customers) = %v; want [9]", got)
	}
}
