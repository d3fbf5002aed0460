package file

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kopla-dev/kopla/connectors"
)

// TestAgainstModel runs seeded random batches of creates, updates (by key
// and by line ID, with multi-line values that shift line numbers) and hand
// appends, and after each compares Read, Find and Get with a plain map of
// what the file should hold.
func TestAgainstModel(t *testing.T) {
	values := []string{"plain", "with, comma", "two\nlines", "three\nlines\nhere", `"quoted"`, "", "Malmö"}
	for _, ext := range []string{"jsonl", "csv"} {
		t.Run(ext, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(ext))))
			dir := t.TempDir()
			path := filepath.Join(dir, "things."+ext)
			model := map[string]map[string]any{} // by key
			var order []string                   // keys in file order
			if ext == "csv" {
				writeFile(t, path, "key,a\n")
			}
			obj := openObject(t, dir, "things", map[string]any{"key": "key"})
			field := func() string { return []string{"a", "b", "c"}[rng.IntN(3)] }
			for step := range 40 {
				var writes []connectors.Write
				var expect []func()
				lineOf := map[string]string{}
				// The JSON Lines file is created by the first write.
				for _, r := range readAll(t, openObject(t, dir, "things", map[string]any{"missing": "empty"})) { // line IDs
					lineOf[fmt.Sprint(r.Fields["key"])] = r.ID
				}
				for range rng.IntN(6) + 1 {
					switch {
					case len(order) == 0 || rng.IntN(3) == 0:
						k := fmt.Sprintf("k%03d", len(order)+len(writes)+step*10)
						f, v := field(), values[rng.IntN(len(values))]
						writes = append(writes, connectors.Write{Action: connectors.Create, KeyField: "key", Fields: map[string]any{"key": k, f: v}})
						expect = append(expect, func() {
							rec := map[string]any{"key": k, f: v}
							model[k] = rec
							order = append(order, k)
						})
					default:
						k := order[rng.IntN(len(order))]
						id := keyID("key", k)
						if rng.IntN(2) == 0 {
							id = lineOf[k]
						}
						f, v := field(), values[rng.IntN(len(values))]
						writes = append(writes, connectors.Write{Action: connectors.Update, ID: id, Fields: map[string]any{f: v}})
						expect = append(expect, func() { model[k][f] = v })
					}
				}
				res := obj.Write(t.Context(), writes)
				for i, r := range res {
					if r.Err != nil {
						t.Fatalf("step %d write %d %+v: %v", step, i, writes[i], r.Err)
					}
					expect[i]()
				}
				if step%7 == 3 { // a hand edit: a row appended by another program
					k := fmt.Sprintf("hand%02d", step)
					line := fmt.Sprintf(`{"key":%q,"a":"by hand"}`+"\n", k)
					if ext == "csv" {
						line = k + ",by hand\n"
					}
					f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := f.WriteString(line); err != nil {
						t.Fatal(err)
					}
					f.Close()
					model[k] = map[string]any{"key": k, "a": "by hand"}
					order = append(order, k)
				}
				checkModel(t, step, obj, ext, model, order)
			}
		})
	}
}

func checkModel(t *testing.T, step int, obj *object, ext string, model map[string]map[string]any, order []string) {
	t.Helper()
	want := func(k string) map[string]any {
		rec := maps.Clone(model[k])
		if ext == "csv" { // every column, "" where never written
			for _, c := range obj.schemaColumns(t) {
				if _, ok := rec[c]; !ok {
					rec[c] = ""
				}
			}
		}
		return rec
	}
	recs := readAll(t, obj)
	var keys []string
	for _, r := range recs {
		k := fmt.Sprint(r.Fields["key"])
		keys = append(keys, k)
		if diff := cmp.Diff(want(k), r.Fields); diff != "" {
			t.Fatalf("step %d: read %s mismatch (-want +got):\n%s", step, k, diff)
		}
	}
	if diff := cmp.Diff(order, keys); diff != "" {
		t.Fatalf("step %d: row order mismatch (-want +got):\n%s", step, diff)
	}
	some := []any{order[0], order[len(order)/2], order[len(order)-1], "missing"}
	found, err := obj.Find(t.Context(), "key", some)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range found {
		got = append(got, fmt.Sprint(r.Fields["key"]))
		if diff := cmp.Diff(want(fmt.Sprint(r.Fields["key"])), r.Fields); diff != "" {
			t.Fatalf("step %d: found %s mismatch (-want +got):\n%s", step, r.ID, diff)
		}
	}
	wantFound := slices.Compact([]string{order[0], order[len(order)/2], order[len(order)-1]})
	if diff := cmp.Diff(wantFound, got); diff != "" {
		t.Fatalf("step %d: Find mismatch (-want +got):\n%s", step, diff)
	}
}

// schemaColumns returns the CSV header, for the model's empty cells.
func (o *object) schemaColumns(t *testing.T) []string {
	t.Helper()
	s, err := o.schema()
	if err != nil {
		t.Fatal(err)
	}
	return s.Names()
}
