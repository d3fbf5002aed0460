package file

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// TestSnapshotAfterWrite checks that what a write computes of the new file
// (row positions and lines, bad lines, line feeds, the index) is what a
// scan of the file finds, for files with blank and bad lines, CRLF ends,
// no final line end, multi-line cells, and stretches large enough to be
// copied by the kernel.
func TestSnapshotAfterWrite(t *testing.T) {
	values := []string{"plain", "two\nlines", "three\r\nlines\nhere", "", "Malmö", strings.Repeat("long ", 40)}
	files := []struct {
		name, ext, term string
		final           bool // the file ends with a line end
		bad, blank      bool
	}{
		{"jsonl", "jsonl", "\n", true, true, true},
		{"jsonl-crlf-open-end", "jsonl", "\r\n", false, false, true},
		{"csv", "csv", "\n", true, true, true},
		{"csv-crlf-open-end", "csv", "\r\n", false, true, false},
	}
	for _, tc := range files {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(tc.name))))
			dir := t.TempDir()
			var b strings.Builder
			if tc.ext == "csv" {
				b.WriteString("key,a" + tc.term)
			}
			const rows = 1500 // about 100 KiB: some stretches are over bulkCopy
			pad := strings.Repeat("x", 40)
			for i := range rows {
				switch {
				case tc.blank && i%500 == 3:
					b.WriteString("  " + tc.term)
				case tc.bad && i%700 == 5:
					if tc.ext == "csv" {
						b.WriteString(`bad "quote,x` + tc.term)
					} else {
						b.WriteString(`{"key": oops}` + tc.term)
					}
					continue
				}
				if tc.ext == "csv" {
					fmt.Fprintf(&b, "k%04d,value %d %s%s", i, i, pad, tc.term)
				} else {
					fmt.Fprintf(&b, `{"a":"value %d %s","key":"k%04d"}%s`, i, pad, i, tc.term)
				}
			}
			content := b.String()
			if !tc.final {
				content = strings.TrimSuffix(content, tc.term)
			}
			writeFile(t, filepath.Join(dir, "things."+tc.ext), content)
			obj := openObject(t, dir, "things", map[string]any{"key": "key"})
			next := rows
			for step := range 10 {
				var writes []connectors.Write
				var notFound []bool // updates of rows created in the same call
				batch := next
				for range 1 + rng.IntN([]int{3, 40}[step%2]) {
					v := values[rng.IntN(len(values))]
					field := []string{"a", "b"}[rng.IntN(2)]
					if rng.IntN(3) == 0 {
						writes = append(writes, connectors.Write{Action: connectors.Create, KeyField: "key",
							Fields: map[string]any{"key": fmt.Sprintf("k%04d", next), field: v}})
						next++
						notFound = append(notFound, false)
						continue
					}
					k := rng.IntN(next)
					if tc.bad && k%700 == 5 {
						continue // a bad line: no row
					}
					writes = append(writes, connectors.Write{Action: connectors.Update, ID: keyID("key", fmt.Sprintf("k%04d", k)),
						Fields: map[string]any{field: v}})
					notFound = append(notFound, k >= batch)
				}
				for i, r := range obj.Write(t.Context(), writes) {
					if notFound[i] {
						if !errors.Is(r.Err, connectors.ErrNotFound) {
							t.Errorf("step %d: update of a row created in the same write: error %v; want not found", step, r.Err)
						}
						continue
					}
					if r.Err != nil {
						t.Fatalf("step %d: write %d (%+v): %v", step, i, writes[i], r.Err)
					}
				}
				checkSnapshot(t, fmt.Sprintf("step %d", step), obj)
			}
		})
	}
}

// checkSnapshot compares the object's snapshot with a scan of its file.
func checkSnapshot(t *testing.T, name string, obj *object) {
	t.Helper()
	snap := obj.state.snap
	f, err := os.Open(obj.path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if !snap.current(info) {
		t.Fatalf("%s: the snapshot is not of the file written", name)
	}
	var fields []string
	for field := range snap.index {
		fields = append(fields, field)
	}
	scanned, err := obj.scan(f, info, fields)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(scanned.rows, snap.rows, cmp.AllowUnexported(rowPos{})); diff != "" {
		t.Errorf("%s: rows mismatch (-scanned +written):\n%s", name, diff)
	}
	if diff := cmp.Diff(scanned.bad, snap.bad); diff != "" {
		t.Errorf("%s: bad lines mismatch (-scanned +written):\n%s", name, diff)
	}
	if scanned.lines != snap.lines || scanned.last != snap.last {
		t.Errorf("%s: line feeds %d, last byte %q; a scan finds %d, %q", name, snap.lines, snap.last, scanned.lines, scanned.last)
	}
	if diff := cmp.Diff(scanned.head, snap.head, cmp.AllowUnexported(fileHead{})); diff != "" {
		t.Errorf("%s: head mismatch (-scanned +written):\n%s", name, diff)
	}
	for _, field := range fields {
		if diff := cmp.Diff(indexRows(scanned.index[field]), indexRows(snap.index[field])); diff != "" {
			t.Errorf("%s: index of %s mismatch (-scanned +written):\n%s", name, field, diff)
		}
	}
}

// indexRows returns an index as value -> rows.
func indexRows(x *valueIndex) map[string][]int32 {
	out := map[string][]int32{}
	for v := range x.one {
		out[v] = x.appendRows(nil, v)
		if !slices.IsSorted(out[v]) {
			out[v] = append(out[v], -2) // out of file order: never equal
		}
	}
	return out
}

func TestValueIndex(t *testing.T) {
	x := newValueIndex()
	steps := []struct {
		do   func()
		want map[string][]int32
	}{
		{func() { x.add("a", 3); x.add("b", 1) }, map[string][]int32{"a": {3}, "b": {1}}},
		{func() { x.add("a", 1); x.add("a", 7); x.add("a", 3) }, map[string][]int32{"a": {1, 3, 7}, "b": {1}}},
		{func() { x.remove("a", 3); x.remove("b", 2) }, map[string][]int32{"a": {1, 7}, "b": {1}}},
		{func() { x.remove("a", 1) }, map[string][]int32{"a": {7}, "b": {1}}},
		{func() { x.add("a", 9); x.add("c", 8); x.add("b", 4) }, map[string][]int32{"a": {7, 9}, "b": {1, 4}, "c": {8}}},
		{func() { x.removeFrom(8) }, map[string][]int32{"a": {7}, "b": {1, 4}}},
		{func() { x.removeFrom(0) }, map[string][]int32{}},
	}
	for i, s := range steps {
		s.do()
		if diff := cmp.Diff(s.want, indexRows(x)); diff != "" {
			t.Errorf("step %d: index mismatch (-want +got):\n%s", i, diff)
		}
		if len(x.many) > 0 {
			for v, rows := range x.many {
				if len(rows) < 2 || x.one[v] != manyRows {
					t.Errorf("step %d: value %q kept as several rows: %v", i, v, rows)
				}
			}
		}
	}
}

// TestJSONLEncoder checks that rows are encoded as jsonenc encodes a
// record, as the records' sets of keys change from row to row.
func TestJSONLEncoder(t *testing.T) {
	recs := []map[string]any{
		{"b": "x", "a": int64(1), "c": nil},
		{"b": "y", "a": 2.5, "c": true},
		{"b": "y", "a": 2.5, "d": true},
		{},
		{"z": map[string]any{"y": []any{"<&>", int64(2)}, "x": "\u2028"}, "é": "tab\there"},
		{"a": "1"},
		{"a": "2", "b": "3"},
		{"b": "4", "a": "5"},
		{},
	}
	var e jsonlEncoder
	for _, rec := range recs {
		want := string(jsonenc.Append(nil, rec, false))
		if got := string(e.append(nil, rec)); got != want {
			t.Errorf("encode(%v) = %s; want %s", rec, got, want)
		}
	}
}

// TestJSONLEncoderPlain checks that appendPlain encodes records of plain
// values as jsonenc does, and refuses the others.
func TestJSONLEncoderPlain(t *testing.T) {
	tests := []struct {
		rec   map[string]any
		plain bool
	}{
		{map[string]any{"a": "x", "b": int64(-3), "c": 2.5, "d": true, "e": nil, "f": "quote \" and \u00e9"}, true},
		{map[string]any{"a": "y", "b": int64(0), "c": -0.125, "d": false, "e": nil, "f": ""}, true},
		{map[string]any{"a": "z", "b": int64(1), "c": 3.0, "d": true, "e": nil, "f": ""}, false}, // stored as int64
		{map[string]any{"a": "z", "b": int64(1), "c": math.NaN(), "d": true, "e": nil, "f": ""}, false},
		{map[string]any{"a": "z", "b": 1, "c": 0.5, "d": true, "e": nil, "f": ""}, false}, // int
		{map[string]any{"a": "z", "b": int64(1), "c": 0.5, "d": true, "e": []any{}, "f": ""}, false},
	}
	var e jsonlEncoder
	e.append(nil, tests[0].rec) // the set of fields
	for _, tt := range tests {
		if !e.load(tt.rec) {
			t.Fatalf("load(%v): not the fields of the first record", tt.rec)
		}
		got, ok := e.appendPlain(nil)
		if ok != tt.plain {
			t.Errorf("appendPlain(%v) ok = %v; want %v", tt.rec, ok, tt.plain)
			continue
		}
		if want := string(jsonenc.Append(nil, tt.rec, false)); ok && string(got) != want {
			t.Errorf("appendPlain(%v) = %s; want %s", tt.rec, got, want)
		}
	}
}

// TestScanIndex checks the index a scan builds from the fields it reads
// against one built from whole records, for rows of every kind.
func TestScanIndex(t *testing.T) {
	files := map[string]string{
		"things.jsonl": `{"key":"a","n":1,"x":{"key":"inner"}}` + "\n" +
			`{"key": oops}` + "\n" +
			`{"n":2.5,"key":"b","key":"b2"}` + "\n" +
			`{"key":"\u00e9","n":null}` + "\n" +
			`{"key":5,"n":[1]}` + "\n" +
			`{"other":true}` + "\n" +
			"\n" +
			`{"key":"a","n":"1"}`,
		"things.csv": "key,n,other\n" +
			"a,1,x\n" +
			"b\n" +
			"\"c,\"\"q\"\"\",2,\"multi\nline\"\n" +
			"bad \"quote,3\n" +
			"a,1,x,extra\n" +
			",,\n" +
			"a,\"\"\n",
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, name), content)
			obj := openObject(t, dir, "things", nil)
			f, err := os.Open(obj.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			info, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			fields := []string{"key", "n", "missing"}
			snap, err := obj.scan(f, info, fields)
			if err != nil {
				t.Fatal(err)
			}
			// The reference: whole records, as Read makes them.
			want := map[string]map[string][]int32{}
			for _, field := range fields {
				want[field] = map[string][]int32{}
			}
			rr, err := newRowReader(strings.NewReader(content), obj.format, ',')
			if err != nil {
				t.Fatal(err)
			}
			var wantBad []LineError
			for n := int32(0); ; n++ {
				_, rec, bad, err := rr.next()
				if err != nil {
					break
				}
				if bad != nil {
					wantBad = append(wantBad, *bad)
					continue
				}
				for _, field := range fields {
					if v, ok := text(rec[field]); ok {
						want[field][v] = append(want[field][v], n)
					}
				}
			}
			for _, field := range fields {
				if diff := cmp.Diff(want[field], indexRows(snap.index[field])); diff != "" {
					t.Errorf("index of %s mismatch (-whole records +scan):\n%s", field, diff)
				}
			}
			if diff := cmp.Diff(wantBad, snap.bad); diff != "" {
				t.Errorf("bad lines mismatch (-whole records +scan):\n%s", diff)
			}
		})
	}
}

// TestReadRepeatedCells checks rows whose cells repeat the row above,
// quoted or not, and rows with fewer cells.
func TestReadRepeatedCells(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "people.csv"), "name,country,note\n"+
		"A,Sweden,x\n"+
		"B,\"Sweden\",\"x,y\"\n"+
		"C,Sweden\n"+
		"D,Swede,x\n"+
		"E,,x\n")
	got := readAll(t, openObject(t, dir, "people", nil))
	want := []connectors.Record{
		{ID: "line:2", Fields: map[string]any{"name": "A", "country": "Sweden", "note": "x"}},
		{ID: "line:3", Fields: map[string]any{"name": "B", "country": "Sweden", "note": "x,y"}},
		{ID: "line:4", Fields: map[string]any{"name": "C", "country": "Sweden", "note": ""}},
		{ID: "line:5", Fields: map[string]any{"name": "D", "country": "Swede", "note": "x"}},
		{ID: "line:6", Fields: map[string]any{"name": "E", "country": "", "note": "x"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records mismatch (-want +got):\n%s", diff)
	}
}
