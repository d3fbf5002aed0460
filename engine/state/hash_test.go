package state

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "update golden files")

// TestFastJSONMatchesEncodingJSON checks that the fast path writes exactly
// what encoding/json writes, so a value hashes the same whichever path
// takes it.
func TestFastJSONMatchesEncodingJSON(t *testing.T) {
	values := []any{
		nil, true, false,
		int64(0), int64(-7), int64(math.MaxInt64), int64(math.MinInt64), 42,
		0.0, math.Copysign(0, -1), 1.0, -2.5, 3.14159, 1e-6, 9.99e-7, 1e20, 1e21, 123456789.125,
		math.SmallestNonzeroFloat64, math.MaxFloat64, 0.1 + 0.2,
		"", "plain text 123", "ann@example.com", "2026-03-01", "2026-03-01T10:00:00Z",
		`quote"`, `back\slash`, "<tag>", "a&b", "tab\t", "nl\n", "ø", "\u2028", "\x7f", "\xff",
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%#v) = %v", v, err)
		}
		if got, ok := fastJSON(nil, v); ok && string(got) != string(want) {
			t.Errorf("fastJSON(%#v) = %s; want %s", v, got, want)
		}
	}
}

func TestHashValue(t *testing.T) {
	tests := []struct {
		name string
		a, b any
		same bool
	}{
		{"int64 and float64 of the same number", int64(3), 3.0, true},
		{"int and int64", 3, int64(3), true},
		{"map key order", map[string]any{"a": 1.0, "b": "x"}, map[string]any{"b": "x", "a": 1.0}, true},
		{"number and its string", 3.0, "3", false},
		{"nil and empty string", nil, "", false},
		{"nil and false", nil, false, false},
		{"list order", []any{"a", "b"}, []any{"b", "a"}, false},
		{"case", "Ann@example.com", "ann@example.com", false},
		{"escaped strings", "a<b", "a<b", true},
		{"NaN is stable", math.NaN(), math.NaN(), true},
		{"NaN and null", math.NaN(), nil, false},
		{"infinities", math.Inf(1), math.Inf(-1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ha, hb := HashValue(tt.a), HashValue(tt.b)
			if len(ha) != 16 || strings.Trim(ha, "0123456789abcdef") != "" {
				t.Errorf("HashValue(%#v) = %q; want 16 hex digits", tt.a, ha)
			}
			if (ha == hb) != tt.same {
				t.Errorf("HashValue(%#v) = %s, HashValue(%#v) = %s; want equal: %v", tt.a, ha, tt.b, hb, tt.same)
			}
		})
	}
}

// TestHashValueGolden pins the digests: they are stored in state files, so
// a change would make every field of every link look changed.
func TestHashValueGolden(t *testing.T) {
	values := []any{
		nil, true, int64(42), 42.5, 1e21, "ann@example.com", "Ærø <x>",
		[]any{"a", int64(1), nil},
		map[string]any{"street": "Storgatan 1", "zip": "111 22", "lines": []any{"c/o Example AB"}},
	}
	var b strings.Builder
	for _, v := range values {
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "%s %s\n", HashValue(v), j)
	}
	golden := filepath.Join("testdata", "hashes.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./engine/state -run Golden -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("HashValue digests changed (-want +got):\n%s", diff)
	}
}
