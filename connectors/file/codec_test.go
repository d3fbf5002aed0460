package file

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzDecodeJSONL checks that the fast decoder gives what encoding/json
// gives whenever it does not give up, and that it gives up on every row
// encoding/json refuses.
func FuzzDecodeJSONL(f *testing.F) {
	for _, row := range []string{
		`{"a":"x","b":1,"c":-2.5e3,"d":true,"e":false,"f":null}`,
		`{"n":{"m":[1,"two",{"x":[]}],"o":{}},"s":"tab\there \"q\" \\ \/ \b\f\n\r"}` + "\r\n",
		`  {"a":1} ` + "\v\n",
		`{"a":1,"a":2}`,
		`{"big":9223372036854775808,"neg":-9223372036854775808,"z":-0,"f":1E400}`,
		`{"u":"\u00e9\ud83d\ude00"}`,
		`{"utf8":"Malmö €"}`,
		"{\"bad\":\"\xff\"}",
		`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":1,}`, `{,}`, `{"a" 1}`,
		`{"a":1} {"b":2}`, `[1]`, `"s"`, `{"a":"x`, "{\"a\":\"line\nbreak\"}", `{}`, ``,
	} {
		f.Add(row)
	}
	f.Fuzz(func(t *testing.T, row string) {
		want, stdErr := decodeJSONLStd([]byte(row))
		got, ok := decodeJSONLFast([]byte(row))
		if !ok {
			return
		}
		if stdErr != nil {
			t.Fatalf("decodeJSONLFast(%q) = %v; encoding/json refuses it: %v", row, got, stdErr)
		}
		if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("decodeJSONLFast(%q) mismatch (-encoding/json +fast):\n%s", row, diff)
		}
	})
}

// TestDecodeJSONLFastCovers checks that the fast decoder takes the rows it
// is for, rather than leaving them all to encoding/json.
func TestDecodeJSONLFastCovers(t *testing.T) {
	for _, row := range []string{
		`{"a":"x","b":1,"c":-2.5e3,"d":true,"e":false,"f":null}`,
		`{"n":{"m":[1,"two",{"x":[]}],"o":{}},"s":"tab\there \"q\""}` + "\r\n",
		`{"utf8":"Malmö €"}`,
	} {
		if _, ok := decodeJSONLFast([]byte(row)); !ok {
			t.Errorf("decodeJSONLFast(%q) gave up", row)
		}
	}
}

// TestJSONParserReuse checks that a parser reused for the rows of a file,
// some of which it gives up on midway, decodes each as a new one does.
func TestJSONParserReuse(t *testing.T) {
	rows := []string{
		`{"a":{"b":[1,{"c":2}]},"d":"x"}`,
		`{"a":{"b":[1,{"c":2}]},"d":tru}`,
		`{"e":1}`,
		`{"a":{"b":{"c":{"d":"\u0041"}}}}`,
		`{"f":[{"g":{}}],"h":null}`,
	}
	var p jsonParser
	for _, row := range rows {
		want, wantErr := decodeJSONL(new(jsonParser), []byte(row))
		got, err := decodeJSONL(&p, []byte(row))
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decode(%q) error %v; a new parser: %v", row, err, wantErr)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decode(%q) mismatch (-new parser +reused):\n%s", row, diff)
		}
	}
}

// FuzzJSONLFields checks that reading only some fields of a row gives their
// text as a full decode does, and gives up on every row it refuses.
func FuzzJSONLFields(f *testing.F) {
	for _, row := range []string{
		`{"a":"x","b":1,"c":{"a":"nested"},"d":[1,{"b":2}]}`,
		`{"b":2.5,"a":true,"a":"last"}`,
		`{"a":null,"b":{"x":1}}`,
		`{"a":"\u00e9","b":"esc\"aped"}`,
		`{"c":01,"a":"x"}`, `{"a":"x"} x`, `{"c":[1,]}`, `[]`, ``,
	} {
		f.Add(row)
	}
	names := []string{"a", "b"}
	f.Fuzz(func(t *testing.T, row string) {
		var p jsonParser
		texts, oks := make([]string, 2), make([]bool, 2)
		if !p.fields([]byte(row), names, texts, oks) {
			return
		}
		rec, err := decodeJSONLStd([]byte(row))
		if err != nil {
			t.Fatalf("fields(%q) read it; encoding/json refuses it: %v", row, err)
		}
		for i, name := range names {
			want, wantOK := text(rec[name])
			if texts[i] != want || oks[i] != wantOK {
				t.Errorf("fields(%q) %s = %q, %v; want %q, %v", row, name, texts[i], oks[i], want, wantOK)
			}
		}
	})
}
