package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func TestAppendMatchesEncodingJSON(t *testing.T) {
	for _, v := range []any{
		nil, true, false, "plain", "quote \" and <tag> & ü", "line\nbreak", "sep\u2028", "bad \xff utf8",
		int64(-3), 42, 1.5, 1e-9, 3e21, 0.0, math.Copysign(0, -1), math.MaxInt64,
		map[string]any{"b": 1.0, "a": []any{"x", nil, map[string]any{"z": false}}},
		[]any{}, map[string]any{}, []string{"typed", "slice"}, map[string]string{"k": "<v>"},
	} {
		for _, html := range []bool{true, false} {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(html)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			want := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
			if got := Append(nil, v, html); !bytes.Equal(got, want) {
				t.Errorf("Append(%#v, html=%v) = %s; want %s", v, html, got, want)
			}
		}
	}
}

func FuzzAppend(f *testing.F) {
	f.Add("plain", 1.5)
	f.Add("<\u2028\xff>", 1e300)
	f.Fuzz(func(t *testing.T, s string, x float64) {
		v := map[string]any{s: []any{s, x}}
		want, err := json.Marshal(v)
		if err != nil {
			return
		}
		if got := Append(nil, v, true); !bytes.Equal(got, want) {
			t.Errorf("Append = %s; want %s", got, want)
		}
	})
}

func TestKeyOrder(t *testing.T) {
	var o KeyOrder
	for _, m := range []map[string]any{
		{"b": 1.0, "a": "x"},
		{"a": "y", "b": 2.0},           // the same keys
		{"a": "z", "c": true},          // as many, others
		{"c": nil, "a": "w", "d": "<"}, // more
		{},
		{"a": map[string]any{"y": 1.0, "x": 2.0}},
	} {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Append(nil, m, true); string(got) != string(want) {
			t.Errorf("KeyOrder.Append(%v) = %s; want %s", m, got, want)
		}
	}
}
