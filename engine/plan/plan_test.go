package plan

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func sampleChange(i int) *Change {
	return &Change{
		SourceKey: "s-" + string(rune('a'+i%26)),
		Key:       float64(i),
		TargetID:  "t",
		Action:    []Action{Create, Update, Error, Skip}[i%4],
		Fields: []FieldChange{
			{Name: "name", Before: "old", After: "new ü", CreateOnly: i%2 == 0},
			{Name: "rows", After: []any{map[string]any{"q": 2.5, "n": int64(-3)}, nil, true}, Unknown: i%3 == 0, Sensitive: true},
			{Name: "flag", After: false, Default: i%2 == 1},
			{Name: "lines", After: []any{map[string]any{"IsTextRow": true}}, Defaults: [][]string{nil, {"IsTextRow"}, {"IsTextRow", "IsWorkCost"}}[i%3]},
		},
		Reason:         "why",
		Field:          "name",
		Requires:       []Ref{{Flow: "customers", SourceKey: "c1", Ensure: "customer", Index: -1}},
		Source:         []byte(`{"a":1}`),
		Ensured:        map[string]any{"customer": map[string]any{"id": Unknown}},
		Target:         []byte(`{"id":"t"}`),
		Label:          []string{"", `order 4002 "#1043"`}[i%2],
		LabelSensitive: i%3 == 0,
	}
}

// TestSpillRoundTrip plans more changes than fit in memory: they come back
// in order, whole, and the counts are right.
func TestSpillRoundTrip(t *testing.T) {
	f := &FlowPlan{Flow: "orders"}
	n := memChanges*2 + 7
	var want []*Change
	for i := range n {
		ch := sampleChange(i)
		want = append(want, ch)
		f.Add(ch)
	}
	if f.Len() != n {
		t.Fatalf("Len = %d; want %d", f.Len(), n)
	}
	var got []*Change
	for ch := range f.Changes() {
		got = append(got, ch)
	}
	if err := f.Err(); err != nil {
		t.Fatal(err)
	}
	// Ints come back as int64 and ints of Go type int are not produced by
	// connectors; everything else is exact.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("changes differ after spilling (-want +got):\n%s", diff)
	}
	c := f.Counts()
	if c.Create+c.Update+c.Error+c.Skip != n {
		t.Errorf("counts = %+v; want %d in all", c, n)
	}
	p := &Plan{Flows: []*FlowPlan{f}}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestFileRoundTrip(t *testing.T) {
	f := &FlowPlan{Flow: "orders", Source: "a.b.c", Target: "d.e.f", KeyField: "k", NoOps: 3, Filtered: 2, ReadDigest: "x", Cursor: "c"}
	for i := range memChanges + 5 {
		f.Add(sampleChange(i))
	}
	p := &Plan{FormatVersion: FormatVersion, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ConfigDigest: "digest", Flows: []*FlowPlan{f, {Flow: "empty"}}}
	path := filepath.Join(t.TempDir(), "plan")
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.ConfigDigest != "digest" || len(got.Flows) != 2 || got.Flows[0].Len() != f.Len() || got.Flows[0].Counts() != f.Counts() {
		t.Fatalf("read plan = %+v", got)
	}
	var a, b []*Change
	for ch := range f.Changes() {
		a = append(a, ch)
	}
	for ch := range got.Flows[0].Changes() {
		b = append(b, ch)
	}
	// JSON turns numbers into float64: compare the JSON of both.
	wantJSON, _ := json.Marshal(a)
	gotJSON, _ := json.Marshal(b)
	if string(wantJSON) != string(gotJSON) {
		t.Errorf("changes differ after a file round trip:\nwant %.300s\ngot  %.300s", wantJSON, gotJSON)
	}
}

func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"notplan": `{"hello": 1}`,
		"version": `{"kind":"kopla-plan","format_version":99,"flows":[]}`,
		"garbage": `{{{`,
	} {
		path := filepath.Join(dir, name)
		if err := writeString(path, content); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFile(path); err == nil {
			t.Errorf("ReadFile(%s): no error", name)
		}
	}
}
