package plan

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// createChange is a create of a 10-field mapping, as most changes of a
// large plan are.
func createChange(i int) *Change {
	return &Change{
		SourceKey: fmt.Sprint(i + 2),
		Key:       fmt.Sprintf("person%d@example.com", i),
		Action:    Create,
		Fields: []FieldChange{
			{Name: "email", After: fmt.Sprintf("person%d@example.com", i)},
			{Name: "name", After: fmt.Sprintf("First%d Last%d", i, i)},
			{Name: "first", After: fmt.Sprintf("First%d", i)},
			{Name: "last", After: fmt.Sprintf("LAST%d", i)},
			{Name: "phone", After: fmt.Sprintf("+46 70 000 %04d", i%10000)},
			{Name: "city", After: fmt.Sprintf("Stad %d", i%100)},
			{Name: "country", After: "SE"},
			{Name: "street", After: "Storgatan"},
			{Name: "number", After: fmt.Sprintf("%d B", i%300)},
			{Name: "amount", After: float64(i) + 0.5},
		},
		Source: fmt.Appendf(nil, `{"address":"Storgatan %d B","amount":"%d.5","city":"Stad 1","country":"Sweden","email":"Person%d@Example.com","first":"First%d","last":"Last%d","phone":"+46 70 000 0001"}`, i, i, i, i, i),
	}
}

// BenchmarkSpillEncode and BenchmarkSpillDecode measure the spill codec
// per change.
//
//	go test ./engine/plan -run '^$' -bench Spill -cpu 1
func BenchmarkSpillEncode(b *testing.B) {
	chs := make([]*Change, 1000)
	for i := range chs {
		chs[i] = createChange(i)
	}
	var e encoder
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.b = e.b[:0]
		e.change(chs[i%len(chs)])
		i++
	}
}

func BenchmarkSpillDecode(b *testing.B) {
	// Encoded in order, as a spill file holds them: decoded in order, each
	// change knows the names of the one before.
	encoded := make([][]byte, 5000)
	var e encoder
	for i := range encoded {
		e.b = nil
		e.change(createChange(i))
		encoded[i] = e.b
	}
	var d decoder
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.reset(encoded[i%len(encoded)])
		if d.change(); d.err != nil {
			b.Fatal(d.err)
		}
		i++
	}
}

// TestSpillNamesAndActions round-trips changes whose field names change
// from one to the next (more, fewer, other names, same names elsewhere) and
// whose actions are and are not the known ones.
func TestSpillNamesAndActions(t *testing.T) {
	fieldSets := [][]string{
		{"a", "b", "c"},
		{"a", "b", "c"},
		{"a", "x"},
		{"a", "x", "c", "d"},
		{},
		{"d", "c", "b", "a"},
		{"a", "b", "c"},
	}
	actions := []Action{Create, Update, "custom", Error, Blocked, NoOp, Skip}
	f := &FlowPlan{Flow: "names"}
	var want []*Change
	for i := range memChanges + 50 {
		names := fieldSets[i%len(fieldSets)]
		ch := &Change{SourceKey: fmt.Sprint(i), Action: actions[i%len(actions)]}
		for j, n := range names {
			fc := FieldChange{Name: n, After: fmt.Sprint(i, j)}
			if (i+j)%5 == 2 {
				fc.Label = fmt.Sprintf("Kund %d (%d)", i, 1000+j)
			}
			if (i+j)%6 == 1 {
				fc.SensitiveLabel = fmt.Sprintf("Anna %d (%d)", i, 1000+j)
			}
			if (i+j)%4 == 3 {
				// Rows known in part: an unknown article and a labelled one.
				fc.After = []any{map[string]any{"ArticleId": Unknown, "Quantity": float64(j)}, map[string]any{"ArticleId": "a1"}}
				fc.Unknown = true
				fc.Parts = []Part{
					{Path: n + "[0].ArticleId", Unknown: true, Label: fmt.Sprint("article ART-", i)},
					{Path: n + "[1].ArticleId", Label: "article ART-1", SensitiveLabel: "x"},
				}
			}
			ch.Fields = append(ch.Fields, fc)
		}
		switch {
		case i == 77:
			// Larger than the reader's buffer.
			ch.Source = fmt.Appendf(nil, `{"big":%q}`, strings.Repeat("x", 100<<10))
		case i%5 == 0:
			ch.Source = []byte(`{"n":1}`)
		}
		if i%3 == 0 {
			ch.Target = []byte(`{"id":"t"}`)
		}
		if i%7 == 3 {
			ch.Warnings = []string{fmt.Sprint("warning ", i), "a second one"}
		}
		switch i % 7 {
		case 1:
			ch.Totals = &Totals{Currency: "SEK", Net: float64(i) + 0.25, VAT: 0.06, Gross: float64(i) + 0.31,
				Rows: []RowTotal{{Row: 0, Amount: float64(i), VATRate: 0.25}, {Row: 2, Amount: 0.25, VATRate: 0.12}}}
		case 2:
			ch.Totals = &Totals{Currency: "EUR", Unknown: true}
		case 3:
			ch.Totals = &Totals{Error: "article 9 of the document does not exist"}
		}
		switch {
		case i%4 == 0 && len(ch.Fields) > 1:
			ch.Key = ch.Fields[1].After // a key that is a new value
		case i%4 == 1:
			ch.Key = fmt.Sprint("other", i)
		case i%4 == 2:
			ch.Key = float64(i)
		}
		want = append(want, ch)
		f.Add(ch)
	}
	for range 2 { // a plan is read as often as needed
		var got []*Change
		for ch := range f.Changes() {
			got = append(got, ch)
		}
		if err := f.Err(); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("changes differ after spilling (-want +got):\n%s", diff)
		}
	}
}

// FuzzDecode feeds the spill decoder damaged changes: it reports them as
// corrupt, never panics.
func FuzzDecode(f *testing.F) {
	var e encoder
	for i := range 3 {
		e.b = nil
		e.change(createChange(i))
		f.Add(e.b)
		e.b = nil
		e.change(sampleChange(i))
		f.Add(e.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d decoder
		for range 2 { // the second sees the names of the first
			d.reset(b)
			d.change()
		}
	})
}

// TestTotalsJSON: totals known after apply are the string Unknown in a
// saved plan, and read back as unknown.
func TestTotalsJSON(t *testing.T) {
	for _, tt := range []struct {
		in   Totals
		json string
	}{
		{Totals{Currency: "SEK", Net: 160, VAT: 40, Gross: 200}, `{"currency":"SEK","net":160,"vat":40,"gross":200}`},
		{Totals{Currency: "EUR", Unknown: true}, `{"currency":"EUR","net":"(known after apply)","vat":"(known after apply)","gross":"(known after apply)"}`},
		{Totals{Error: "no customer"}, `{"net":0,"vat":0,"gross":0,"error":"no customer"}`},
		{Totals{Currency: "SEK", Net: 100, VAT: 25, Gross: 125, Rows: []RowTotal{{Row: 1, Amount: 100, VATRate: 0.25}}},
			`{"currency":"SEK","net":100,"vat":25,"gross":125,"rows":[{"row":1,"amount":100,"vat_rate":0.25}]}`},
	} {
		b, err := json.Marshal(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.json {
			t.Errorf("Marshal(%+v) = %s; want %s", tt.in, b, tt.json)
		}
		var back Totals
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.in, back); diff != "" {
			t.Errorf("round trip (-want +got):\n%s", diff)
		}
	}
}

// BenchmarkSpillJSON is the spill codec's alternative, encoding/json (the
// saved plan's encoding): one change encoded and decoded per op, to weigh
// against BenchmarkSpillEncode + BenchmarkSpillDecode.
//
//	go test ./engine/plan -run '^$' -bench Spill -cpu 1
func BenchmarkSpillJSON(b *testing.B) {
	chs := make([]*Change, 1000)
	for i := range chs {
		chs[i] = createChange(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		data, err := json.Marshal(chs[i%len(chs)])
		if err != nil {
			b.Fatal(err)
		}
		var ch Change
		if err := json.Unmarshal(data, &ch); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
