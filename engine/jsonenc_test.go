package engine

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, v := range []any{
		nil, true, "plain", "quote \" and <tag> & ü", int64(-3), 42, 1.5, 1e-9, 3e21, 0.0,
		map[string]any{"b": 1.0, "a": []any{"x", nil, map[string]any{"z": false}}},
		[]any{}, map[string]any{}, []string{"typed", "slice"},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSON(nil, v); string(got) != string(want) {
			t.Errorf("appendJSON(%#v) = %s; want %s", v, got, want)
		}
	}
}
