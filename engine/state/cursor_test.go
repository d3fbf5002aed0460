package state

import "testing"

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
