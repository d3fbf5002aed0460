package file

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kopla-dev/kopla/connectors"
)

func create(fields map[string]any) connectors.Write {
	return connectors.Write{Action: connectors.Create, Fields: fields, KeyField: "email"}
}

func updateW(id string, fields map[string]any) connectors.Write {
	return connectors.Write{Action: connectors.Update, ID: id, Fields: fields, KeyField: "email"}
}

// mustWrite writes and fails the test on any per-write error.
func mustWrite(t *testing.T, obj *object, writes ...connectors.Write) []connectors.WriteResult {
	t.Helper()
	res := obj.Write(t.Context(), writes)
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("write %d: %v", i, r.Err)
		}
	}
	return res
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readAll(t *testing.T, obj *object) []connectors.Record {
	t.Helper()
	var recs []connectors.Record
	if _, err := obj.Read(t.Context(), connectors.ReadRequest{}, func(p []connectors.Record) error {
		recs = append(recs, p...)
		return nil
	}); err != nil {
		t.Fatalf("Read: %v", err)
	}
	return recs
}

func recordIDs(recs []connectors.Record) []string {
	ids := []string{}
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestIDs(t *testing.T) {
	dir := t.TempDir()
	obj := openObject(t, dir, "contacts", nil)
	res := mustWrite(t, obj,
		create(map[string]any{"email": "a@example.com", "name": "A"}),
		create(map[string]any{"email": "b@example.com", "name": "B"}),
		connectors.Write{Action: connectors.Create, Fields: map[string]any{"name": "No key"}},
	)
	if diff := cmp.Diff([]string{"email=a@example.com", "email=b@example.com", "line:3"}, recordIDs([]connectors.Record{res[0].Record, res[1].Record, res[2].Record})); diff != "" {
		t.Errorf("created IDs mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"line:1", "line:2", "line:3"}, recordIDs(readAll(t, obj))); diff != "" {
		t.Errorf("read IDs without key setting mismatch (-want +got):\n%s", diff)
	}
	got, err := obj.Get(t.Context(), []string{"line:2", "email=a@example.com", "line:9", "line:x", "nope", "email=zz"})
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Record{
		{ID: "line:2", Fields: map[string]any{"email": "b@example.com", "name": "B"}},
		{ID: "email=a@example.com", Fields: map[string]any{"email": "a@example.com", "name": "A"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Get mismatch (-want +got):\n%s", diff)
	}
	res = mustWrite(t, obj, updateW("line:3", map[string]any{"name": "Still no key"}))
	if res[0].Record.ID != "line:3" {
		t.Errorf("update by line ID answered ID %q; want line:3", res[0].Record.ID)
	}
	res = mustWrite(t, obj, updateW("email=b@example.com", map[string]any{"email": "b2@example.com"}))
	if res[0].Record.ID != "email=b2@example.com" {
		t.Errorf("update changing the key answered ID %q; want email=b2@example.com", res[0].Record.ID)
	}
	found, err := obj.Find(t.Context(), "name", []any{"A"})
	if err != nil || len(found) != 1 || found[0].ID != "name=A" {
		t.Errorf("Find(name, A) without key setting = %v, %v; want ID name=A", found, err)
	}
	keyed := openObject(t, dir, "contacts", map[string]any{"key": "email"})
	found, err = keyed.Find(t.Context(), "name", []any{"A"})
	if err != nil || len(found) != 1 || found[0].ID != "email=a@example.com" {
		t.Errorf("Find(name, A) with key email = %v, %v; want ID email=a@example.com", found, err)
	}
	if diff := cmp.Diff([]string{"email=a@example.com", "email=b2@example.com", "line:3"}, recordIDs(readAll(t, keyed))); diff != "" {
		t.Errorf("read IDs with key setting mismatch (-want +got):\n%s", diff)
	}
}

func TestFindComparesText(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "items.jsonl"), `{"n":5}`+"\n"+`{"n":"5"}`+"\n"+`{"n":5.5}`+"\n"+`{"n":true}`+"\n"+`{"n":null}`+"\n")
	obj := openObject(t, dir, "items", nil)
	tests := []struct {
		values []any
		want   []string
	}{
		{[]any{int64(5)}, []string{"n=5", "n=5"}},
		{[]any{5.0}, []string{"n=5", "n=5"}},
		{[]any{"5.5"}, []string{"n=5.5"}},
		{[]any{true}, []string{"n=true"}},
		{[]any{nil, map[string]any{}}, []string{}},
		{[]any{"6"}, []string{}},
	}
	for _, tt := range tests {
		got, err := obj.Find(t.Context(), "n", tt.values)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, recordIDs(got)); diff != "" {
			t.Errorf("Find(n, %v) mismatch (-want +got):\n%s", tt.values, diff)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	const start = `{"email":"a@example.com","name":"A"}` + "\n" +
		`{"email":"dup@example.com","name":"D1"}` + "\n" +
		`{"email":"dup@example.com","name":"D2"}` + "\n"
	good := create(map[string]any{"email": "new@example.com"})
	tests := []struct {
		name   string
		ext    string
		writes []connectors.Write // the last one is good
		kind   error              // errors.Is of the first write's error
		status int
		text   string // part of the first write's error
	}{
		{"create existing key", "jsonl", []connectors.Write{create(map[string]any{"email": "a@example.com"}), good}, connectors.ErrConflict, 409, "email=a@example.com already exists"},
		{"create key twice in batch", "jsonl", []connectors.Write{good, create(map[string]any{"email": "new@example.com"})}, connectors.ErrConflict, 409, "already exists"},
		{"update unknown ID", "jsonl", []connectors.Write{updateW("email=zz@example.com", map[string]any{"name": "Z"}), good}, connectors.ErrNotFound, 404, "no row has ID"},
		{"update ambiguous ID", "jsonl", []connectors.Write{updateW("email=dup@example.com", map[string]any{"name": "Z"}), good}, connectors.ErrConflict, 409, "2 rows have ID \"email=dup@example.com\" (lines 2, 3)"},
		{"not a finite number", "jsonl", []connectors.Write{create(map[string]any{"email": "x@example.com", "n": math.NaN()}), good}, nil, 400, "n: not a finite number"},
		{"empty key", "jsonl", []connectors.Write{create(map[string]any{"email": ""}), good}, nil, 400, "email: the key field has no value"},
		{"missing key", "jsonl", []connectors.Write{create(map[string]any{"name": "N"}), good}, nil, 400, "email: the key field has no value"},
		{"not a record value", "jsonl", []connectors.Write{create(map[string]any{"email": "x@example.com", "ch": make(chan int)}), good}, nil, 400, "ch: a chan int is not a record value"},
		{"unknown action", "jsonl", []connectors.Write{{Action: 9}, good}, nil, 400, "unknown write action"},
		{"object in CSV", "csv", []connectors.Write{create(map[string]any{"email": "x@example.com", "addr": map[string]any{}}), good}, nil, 400, "addr: a CSV cell cannot hold an object"},
		{"list in CSV", "csv", []connectors.Write{create(map[string]any{"email": "x@example.com", "tags": []any{"a"}}), good}, nil, 400, "tags: a CSV cell cannot hold a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			content := start
			if tt.ext == "csv" {
				content = "email,name\na@example.com,A\n"
			}
			writeFile(t, filepath.Join(dir, "contacts."+tt.ext), content)
			obj := openObject(t, dir, "contacts", nil)
			res := obj.Write(t.Context(), tt.writes)
			bad := 0
			if tt.name == "create key twice in batch" {
				bad = 1
			}
			var apiErr *connectors.APIError
			if !errors.As(res[bad].Err, &apiErr) {
				t.Fatalf("write %d error = %v; want *APIError", bad, res[bad].Err)
			}
			if apiErr.Status != tt.status || !strings.Contains(apiErr.Error(), tt.text) {
				t.Errorf("write %d error = %q (status %d); want status %d and %q", bad, apiErr, apiErr.Status, tt.status, tt.text)
			}
			if tt.kind != nil && !errors.Is(res[bad].Err, tt.kind) {
				t.Errorf("write %d error = %v; want errors.Is %v", bad, res[bad].Err, tt.kind)
			}
			if ok := res[1-bad]; ok.Err != nil || ok.Record.ID != "email=new@example.com" {
				t.Errorf("good write beside it = %+v; want created as email=new@example.com", ok)
			}
			if got := readFile(t, filepath.Join(dir, "contacts."+tt.ext)); !strings.HasPrefix(got, content) || strings.Count(got, "new@example.com") != 1 {
				t.Errorf("file after write:\n%s\nwant the old content plus one new row", got)
			}
		})
	}
}

func TestHandEditSurvives(t *testing.T) {
	tests := []struct {
		ext      string
		start    string
		handEdit func(s string) string
		want     string
	}{
		{
			ext:   "jsonl",
			start: `{"email": "a@example.com",  "name": "A"}` + "\n" + `{"email":"b@example.com","name":"B"}` + "\n" + `{ "email":"c@example.com" ,"name":"C" }` + "\n",
			handEdit: func(s string) string {
				return strings.Replace(s, `"name":"B"}`, `"name":"B","note":"by hand"}`, 1)
			},
			want: `{"email": "a@example.com",  "name": "A"}` + "\n" +
				`{"email":"b@example.com","name":"Bea","note":"by hand"}` + "\n" +
				`{ "email":"c@example.com" ,"name":"C" }` + "\n",
		},
		{
			ext:   "csv",
			start: "email,name,note\na@example.com,A,\nb@example.com,B,\n\"c@example.com\",C,\n",
			handEdit: func(s string) string {
				return strings.Replace(s, "b@example.com,B,", "b@example.com,B,by hand", 1)
			},
			want: "email,name,note\na@example.com,A,\nb@example.com,Bea,by hand\n\"c@example.com\",C,\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.ext, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "contacts."+tt.ext)
			writeFile(t, path, tt.start)
			obj := openObject(t, dir, "contacts", nil)
			found, err := obj.Find(t.Context(), "email", []any{"b@example.com"}) // indexes the file before the edit
			if err != nil || len(found) != 1 {
				t.Fatalf("Find before the edit = %v, %v", found, err)
			}
			writeFile(t, path, tt.handEdit(readFile(t, path)))
			res := mustWrite(t, obj, updateW(found[0].ID, map[string]any{"name": "Bea"}))
			if got := res[0].Record.Fields["note"]; got != "by hand" {
				t.Errorf("updated record note = %v; want the hand-edited value", got)
			}
			if diff := cmp.Diff(tt.want, readFile(t, path)); diff != "" {
				t.Errorf("file after update mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCSVRoundTrip(t *testing.T) {
	values := []string{
		`plain`, `with, comma`, `with "quotes"`, "two\nlines", "  spaces  ", ``, `"`, `,`, `Malmö – ÅÄÖ`, "tab\there", `a""b`, "\n",
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "values.csv"), "") // an empty .csv makes a CSV object
	var writes []connectors.Write
	for i, v := range values {
		writes = append(writes, create(map[string]any{"email": fmt.Sprintf("v%02d@example.com", i), "value": v}))
	}
	obj := openObject(t, dir, "values", nil)
	mustWrite(t, obj, writes...)
	recs := readAll(t, obj)
	var got []string
	for _, r := range recs {
		got = append(got, r.Fields["value"].(string))
	}
	if diff := cmp.Diff(values, got); diff != "" {
		t.Errorf("values read back mismatch (-want +got):\n%s", diff)
	}
	// Other tools read the file the same way.
	f, err := os.Open(filepath.Join(dir, "values.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read the file: %v", err)
	}
	got = nil
	for _, row := range rows[1:] {
		got = append(got, row[1])
	}
	if diff := cmp.Diff(values, got); diff != "" {
		t.Errorf("values read by encoding/csv mismatch (-want +got):\n%s", diff)
	}
}

func TestJSONLNested(t *testing.T) {
	dir := t.TempDir()
	obj := openObject(t, dir, "orders", nil)
	order := map[string]any{
		"email":    "a@example.com",
		"customer": map[string]any{"name": "Anna <Andersson>", "address": map[string]any{"city": "Lund", "lines": []any{"Storgatan 1", nil}}},
		"rows":     []any{map[string]any{"sku": "A-1", "qty": int64(2), "price": 9.5}, map[string]any{"sku": "B-2", "qty": 1, "price": float32(0.25)}},
		"total":    20.0,
		"big":      int64(1) << 60,
		"paid":     false,
		"note":     nil,
	}
	res := mustWrite(t, obj, create(order))
	want := map[string]any{
		"email":    "a@example.com",
		"customer": map[string]any{"name": "Anna <Andersson>", "address": map[string]any{"city": "Lund", "lines": []any{"Storgatan 1", nil}}},
		"rows":     []any{map[string]any{"sku": "A-1", "qty": int64(2), "price": 9.5}, map[string]any{"sku": "B-2", "qty": int64(1), "price": 0.25}},
		"total":    int64(20),
		"big":      int64(1) << 60,
		"paid":     false,
		"note":     nil,
	}
	if diff := cmp.Diff(want, res[0].Record.Fields); diff != "" {
		t.Errorf("write result mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, readAll(t, obj)[0].Fields); diff != "" {
		t.Errorf("read back mismatch (-want +got):\n%s", diff)
	}
	if got := readFile(t, filepath.Join(dir, "orders.jsonl")); !strings.Contains(got, `"Anna <Andersson>"`) || strings.Count(got, "\n") != 1 {
		t.Errorf("file = %q; want one line with HTML characters unescaped", got)
	}
	// An update merges top-level fields: a nested object is replaced whole.
	mustWrite(t, obj, updateW("email=a@example.com", map[string]any{"customer": map[string]any{"name": "Anna"}}))
	want["customer"] = map[string]any{"name": "Anna"}
	if diff := cmp.Diff(want, readAll(t, obj)[0].Fields); diff != "" {
		t.Errorf("after update mismatch (-want +got):\n%s", diff)
	}
}

func TestCSVNewColumns(t *testing.T) {
	tests := []struct{ name, start, want string }{
		{
			name:  "lf",
			start: "email,name\na@example.com,A\n\nbad,\"x\"y\nb@example.com,B",
			want:  "email,name,city,phone\na@example.com,A,Lund,\n\nbad,\"x\"y\nb@example.com,B,,\nc@example.com,,,+46 0000\n",
		},
		{
			name:  "crlf with bom",
			start: "\xEF\xBB\xBFemail,name\r\na@example.com,A\r\nb@example.com,B\r\n",
			want:  "\xEF\xBB\xBFemail,name,city,phone\r\na@example.com,A,Lund,\r\nb@example.com,B,,\r\nc@example.com,,,+46 0000\r\n",
		},
		{
			name:  "empty file",
			start: "",
			want:  "email,phone\nc@example.com,+46 0000\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "contacts.csv")
			writeFile(t, path, tt.start)
			obj := openObject(t, dir, "contacts", nil)
			var writes []connectors.Write
			if tt.start != "" {
				writes = append(writes, updateW("email=a@example.com", map[string]any{"city": "Lund"}))
			}
			writes = append(writes, create(map[string]any{"email": "c@example.com", "phone": "+46 0000"}))
			mustWrite(t, obj, writes...)
			if diff := cmp.Diff(tt.want, readFile(t, path)); diff != "" {
				t.Errorf("file mismatch (-want +got):\n%s", diff)
			}
			// The index moved along with the rewrite: the rows are found at
			// their new places.
			got, err := obj.Get(t.Context(), []string{"email=c@example.com", "email=b@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range got {
				if r.Fields["email"] != strings.TrimPrefix(r.ID, "email=") {
					t.Errorf("Get(%s) = %v", r.ID, r.Fields)
				}
			}
		})
	}
}

func TestAtomicRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "contacts.jsonl")
	const start = `{"email":"a@example.com"}` + "\n"
	writeFile(t, path, start)
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	obj := openObject(t, dir, "contacts", nil)
	crash := errors.New("disk gone")
	obj.conn.rename = func(string, string) error { return crash }
	res := obj.Write(t.Context(), []connectors.Write{
		create(map[string]any{"email": "b@example.com"}),
		updateW("email=a@example.com", map[string]any{"name": "A"}),
	})
	for i, r := range res {
		if !errors.Is(r.Err, crash) {
			t.Errorf("write %d with a failed rename: error %v; want %v", i, r.Err, crash)
		}
	}
	if got := readFile(t, path); got != start {
		t.Errorf("file after a failed rewrite = %q; want it unchanged", got)
	}
	checkNoTemp(t, dir)

	obj.conn.rename = os.Rename
	mustWrite(t, obj, create(map[string]any{"email": "b@example.com"}))
	checkNoTemp(t, dir)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode after rewrite = %v; want the file's own 0600", info.Mode().Perm())
	}

	// A new file in a new directory.
	sub := filepath.Join(dir, "out", "deeper")
	mustWrite(t, openObject(t, sub, "exports", nil), create(map[string]any{"email": "x@example.com"}))
	if got := readFile(t, filepath.Join(sub, "exports.jsonl")); got != `{"email":"x@example.com"}`+"\n" {
		t.Errorf("new file = %q", got)
	}
}

func TestBadLinesKeptOnWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "contacts.jsonl")
	const start = `{"email":"a@example.com"}` + "\n" + `{"email": oops}` + "\n" + `{"email":"b@example.com"}`
	writeFile(t, path, start)
	obj := openObject(t, dir, "contacts", nil)
	mustWrite(t, obj,
		updateW("email=b@example.com", map[string]any{"name": "B"}),
		create(map[string]any{"email": "c@example.com"}),
	)
	want := `{"email":"a@example.com"}` + "\n" + `{"email": oops}` + "\n" + `{"email":"b@example.com","name":"B"}` + "\n" + `{"email":"c@example.com"}` + "\n"
	if diff := cmp.Diff(want, readFile(t, path)); diff != "" {
		t.Errorf("file mismatch (-want +got):\n%s", diff)
	}
	_, err := obj.Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil })
	var bad *BadLinesError
	if !errors.As(err, &bad) || len(bad.Lines) != 1 || bad.Lines[0].Line != 2 {
		t.Errorf("Read error = %v; want line 2 bad", err)
	}
}

func TestFindIndexCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "contacts.jsonl")
	writeFile(t, path, `{"email":"a@example.com","name":"A"}`+"\n"+`{"email":"b@example.com","name":"B"}`+"\n")
	obj := openObject(t, dir, "contacts", nil)
	find := func(field string, v any) []string {
		t.Helper()
		got, err := obj.Find(t.Context(), field, []any{v})
		if err != nil {
			t.Fatal(err)
		}
		return recordIDs(got)
	}
	steps := []struct {
		name  string
		do    func() []string
		want  []string
		scans int
	}{
		{"first find scans", func() []string { return find("email", "a@example.com") }, []string{"email=a@example.com"}, 1},
		{"second find uses the index", func() []string { return find("email", "b@example.com") }, []string{"email=b@example.com"}, 1},
		{"another field scans", func() []string { return find("name", "B") }, []string{"name=B"}, 2},
		{"both fields indexed", func() []string { return append(find("email", "a@example.com"), find("name", "A")...) }, []string{"email=a@example.com", "name=A"}, 2},
		{"own write moves the index", func() []string {
			mustWrite(t, obj, create(map[string]any{"email": "c@example.com", "name": "C"}), updateW("email=a@example.com", map[string]any{"name": "Anna"}))
			return append(append(find("email", "c@example.com"), find("name", "Anna")...), find("name", "A")...)
		}, []string{"email=c@example.com", "name=Anna"}, 2},
		{"hand edit is noticed", func() []string {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(f, `{"email":"d@example.com","name":"D"}`)
			f.Close()
			return append(find("email", "d@example.com"), find("name", "D")...)
		}, []string{"email=d@example.com", "name=D"}, 3},
	}
	for _, s := range steps {
		got := s.do()
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: IDs mismatch (-want +got):\n%s", s.name, diff)
		}
		if obj.state.scans != s.scans {
			t.Errorf("%s: %d scans; want %d", s.name, obj.state.scans, s.scans)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	f := New()
	c, err := f.New(t.Context(), connectors.Config{"dir": dir}, connectors.Deps{Name: "files"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			obj, err := c.Object("contacts") // each goroutine its own handle on the same file
			if err != nil {
				t.Error(err)
				return
			}
			for i := range 20 {
				email := fmt.Sprintf("g%d-%d@example.com", g, i)
				res := obj.(connectors.Writer).Write(t.Context(), []connectors.Write{create(map[string]any{"email": email})})
				if res[0].Err != nil {
					t.Errorf("Write: %v", res[0].Err)
				}
				if got, err := obj.(connectors.Finder).Find(t.Context(), "email", []any{email}); err != nil || len(got) != 1 {
					t.Errorf("Find(%s) = %v, %v; want one record", email, got, err)
				}
				if _, err := obj.(connectors.Reader).Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil }); err != nil {
					t.Errorf("Read: %v", err)
				}
			}
		})
	}
	wg.Wait()
	obj, _ := c.Object("contacts")
	if recs := readAll(t, obj.(*object)); len(recs) != 120 {
		t.Errorf("after concurrent writes: %d records; want 120", len(recs))
	}
	checkNoTemp(t, dir)
}

func TestReadRequest(t *testing.T) {
	obj := openObject(t, filepath.Join("testdata", "read"), "contacts", map[string]any{"key": "email"})
	var got []connectors.Record
	if _, err := obj.Read(t.Context(), connectors.ReadRequest{Fields: []string{"name"}}, func(p []connectors.Record) error {
		got = append(got, p...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(connectors.Record{ID: "email=anna@example.com", Fields: map[string]any{"email": "anna@example.com", "name": "Andersson, Anna"}}, got[0]); diff != "" {
		t.Errorf("Read with Fields mismatch (-want +got):\n%s", diff)
	}
	orders := openObject(t, filepath.Join("testdata", "read"), "orders", map[string]any{"key": "id"})
	got = nil
	if _, err := orders.Read(t.Context(), connectors.ReadRequest{Fields: []string{"paid", "missing"}}, func(p []connectors.Record) error {
		got = append(got, p...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(connectors.Record{ID: "id=1", Fields: map[string]any{"id": int64(1), "paid": true}}, got[0]); diff != "" {
		t.Errorf("Read of JSON Lines with Fields mismatch (-want +got):\n%s", diff)
	}
	if _, err := obj.Read(t.Context(), connectors.ReadRequest{Include: []string{"deals"}}, func([]connectors.Record) error { return nil }); err == nil {
		t.Error("Read with an include: no error; want one")
	}
	stop := errors.New("stop")
	if _, err := obj.Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return stop }); err != stop {
		t.Errorf("Read with failing emit = %v; want it returned as is", err)
	}
	// A file that does not exist is not a file without rows: Read fails,
	// naming both names it looked for and the setting that allows it.
	absent := t.TempDir()
	missing := openObject(t, absent, "nothing", nil)
	_, err := missing.Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error {
		t.Error("Read of a missing file emitted records")
		return nil
	})
	if !errors.Is(err, connectors.ErrSourceMissing) {
		t.Errorf("Read of a missing file = %v; want ErrSourceMissing", err)
	} else {
		for _, want := range []string{"nothing.csv", "nothing.jsonl", `missing = "empty"`, "connection file.files"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %s", err, want)
			}
		}
	}
	// With missing = "empty", it is an empty source, and writes still
	// create it.
	allowed := openObject(t, absent, "nothing", map[string]any{"missing": "empty"})
	if recs := readAll(t, allowed); len(recs) != 0 {
		t.Errorf("Read of a missing file with missing = \"empty\" = %v; want nothing", recs)
	}
	// Finds and gets on a target not written yet find nothing, whatever
	// the setting: a missing file is a target's normal start.
	if recs, err := missing.Find(t.Context(), "id", []any{"1"}); err != nil || len(recs) != 0 {
		t.Errorf("Find in a missing file = %v, %v; want nothing", recs, err)
	}
}

// TestKnownFieldsChecked checks that a create with the fields of the create
// before it, whose names are not checked again, has its values checked as
// a create alone has.
func TestKnownFieldsChecked(t *testing.T) {
	bad := []map[string]any{
		{"email": "b@example.com", "n": math.NaN(), "addr": map[string]any{"x": math.Inf(1)}},
		{"email": "", "n": int64(1), "addr": "x"},
		{"email": "c@example.com", "n": make(chan int), "addr": []any{"a"}},
	}
	for _, ext := range []string{"jsonl", "csv"} {
		for i, fields := range bad {
			t.Run(fmt.Sprintf("%s/%d", ext, i), func(t *testing.T) {
				alone := func() error {
					dir := t.TempDir()
					if ext == "csv" {
						writeFile(t, filepath.Join(dir, "contacts.csv"), "email\n")
					}
					return openObject(t, dir, "contacts", nil).Write(t.Context(), []connectors.Write{create(fields)})[0].Err
				}()
				dir := t.TempDir()
				if ext == "csv" {
					writeFile(t, filepath.Join(dir, "contacts.csv"), "email\n")
				}
				good := create(map[string]any{"email": "a@example.com", "n": int64(2), "addr": "y"})
				res := openObject(t, dir, "contacts", nil).Write(t.Context(), []connectors.Write{good, create(fields)})
				if res[0].Err != nil {
					t.Fatalf("good write: %v", res[0].Err)
				}
				var want, got *connectors.APIError
				if !errors.As(alone, &want) || !errors.As(res[1].Err, &got) {
					t.Fatalf("after a create with the same fields: error %v; alone: %v; want *APIError", res[1].Err, alone)
				}
				if diff := cmp.Diff(want.Fields, got.Fields); diff != "" || got.Status != want.Status || got.Code != want.Code {
					t.Errorf("after a create with the same fields: error %v; alone: %v (fields -alone +after):\n%s", got, want, diff)
				}
			})
		}
	}
}
