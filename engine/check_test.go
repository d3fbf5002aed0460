package engine

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
)

// checkSchema is an eAccounting-like target: an article number of 40
// characters, a required bool, an integer enumeration, a date, an e-mail
// that is sensitive, formatted e-mail and VAT fields, and rows with a
// required field of their own.
var checkSchema = connectors.Schema{Fields: []connectors.Field{
	{Name: "Number", Type: connectors.TypeString, MaxLength: 40, Required: true},
	{Name: "IsActive", Type: connectors.TypeBool, Required: true},
	{Name: "Status", Type: connectors.TypeInteger, Options: []string{"1", "2", "3"}},
	{Name: "Kind", Type: connectors.TypeString, Options: []string{"goods", "service"}},
	{Name: "Price", Type: connectors.TypeNumber},
	{Name: "OrderDate", Type: connectors.TypeDate},
	{Name: "ChangedAt", Type: connectors.TypeDateTime},
	{Name: "Email", Type: connectors.TypeString, MaxLength: 10, Sensitive: true},
	{Name: "Address", Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "City", Type: connectors.TypeString, MaxLength: 5},
	}},
	{Name: "Rows", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
		{Name: "LineNumber", Type: connectors.TypeInteger, Required: true},
		{Name: "Text", Type: connectors.TypeString, MaxLength: 8},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true, Required: true},
	}}},
	{Name: "Tags", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString, MaxLength: 3}},
	{Name: "InvoiceEmail", Type: connectors.TypeString, MaxLength: 255, Format: connectors.FormatEmail},
	{Name: "PrivateEmail", Type: connectors.TypeString, Format: connectors.FormatEmail, Sensitive: true},
	{Name: "VatNumber", Type: connectors.TypeString, MaxLength: 20, Format: connectors.FormatVATNumber},
	{Name: "CcEmails", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString, Format: connectors.FormatEmail}},
}}

func TestValueChecks(t *testing.T) {
	f := &flow{}
	for _, name := range []string{"Number", "IsActive", "Status", "Price"} {
		fld, _ := checkSchema.Field(name)
		f.fields = append(f.fields, &mapping{name: name, field: fld})
	}
	valid := []plan.FieldChange{{Name: "Number", After: "ART-1001"}, {Name: "IsActive", After: true}}
	with := func(extra ...plan.FieldChange) []plan.FieldChange {
		return append(append([]plan.FieldChange(nil), valid...), extra...)
	}
	rows := func(rows ...map[string]any) plan.FieldChange {
		l := make([]any, len(rows))
		for i, r := range rows {
			l[i] = r
		}
		return plan.FieldChange{Name: "Rows", After: l}
	}
	tests := []struct {
		name   string
		fields []plan.FieldChange
		update bool
		field  string // "" = valid
		want   string
	}{
		{name: "valid", fields: with(
			plan.FieldChange{Name: "Status", After: float64(2)}, plan.FieldChange{Name: "Kind", After: "goods"},
			plan.FieldChange{Name: "Price", After: 12.5}, plan.FieldChange{Name: "OrderDate", After: "2026-03-10"},
			plan.FieldChange{Name: "ChangedAt", After: "2026-03-10T12:00:00Z"},
			rows(map[string]any{"LineNumber": int64(0), "Text": "Ullfilt"}),
			plan.FieldChange{Name: "Tags", After: []any{"a", "b"}})},
		{name: "a 52-character SKU", fields: []plan.FieldChange{{Name: "Number", After: strings.Repeat("Ö", 52)}, {Name: "IsActive", After: true}},
			field: "Number", want: "Number may have at most 40 characters; \"" + strings.Repeat("Ö", 52) + "\" has 52"},
		{name: "length counts characters, not bytes", fields: []plan.FieldChange{{Name: "Number", After: strings.Repeat("Ö", 40)}, {Name: "IsActive", After: true}}},
		{name: "required on create, unmapped value", fields: []plan.FieldChange{{Name: "Number", After: "A-1"}},
			field: "IsActive", want: "IsActive is required on create"},
		{name: "required field set to nothing on update", update: true, fields: []plan.FieldChange{{Name: "IsActive", Before: true, After: nil}},
			field: "IsActive", want: "IsActive is required"},
		{name: "update need not give every required field", update: true, fields: []plan.FieldChange{{Name: "Price", After: 3.0}}},
		{name: "a value known after apply is checked at apply", fields: []plan.FieldChange{{Name: "Number", After: plan.Unknown, Unknown: true}, {Name: "IsActive", After: true}}},
		{name: "a string into a bool", fields: []plan.FieldChange{{Name: "Number", After: "A-1"}, {Name: "IsActive", After: "true"}},
			field: "IsActive", want: `IsActive is true or false; the flow gives it "true" (convert it in the flow`},
		{name: "a number into a bool", fields: []plan.FieldChange{{Name: "Number", After: "A-1"}, {Name: "IsActive", After: 1.0}},
			field: "IsActive", want: "IsActive is true or false; the flow gives it 1 (a number)"},
		{name: "a number into text", fields: []plan.FieldChange{{Name: "Number", After: 1001.0}, {Name: "IsActive", After: true}},
			field: "Number", want: "Number is text; the flow gives it a number (convert it in the flow: string(x))"},
		{name: "a number as text", fields: with(plan.FieldChange{Name: "Price", After: "12.50"}),
			field: "Price", want: `Price is a number; "12.50" is not one but text (convert it in the flow: number(x))`},
		{name: "not a number", fields: with(plan.FieldChange{Name: "Price", After: "12,50 kr"}),
			field: "Price", want: `Price is a number; "12,50 kr" is not one`},
		{name: "not a whole number", fields: with(plan.FieldChange{Name: "Status", After: 1.5}),
			field: "Status", want: "Status is a whole number; 1.5 (a number) is not one"},
		{name: "integer option", fields: with(plan.FieldChange{Name: "Status", After: int64(4)}),
			field: "Status", want: `Status must be one of "1", "2", "3"; "4" is not`},
		{name: "text option with suggestion", fields: with(plan.FieldChange{Name: "Kind", After: "servce"}),
			field: "Kind", want: `Kind must be one of "goods", "service"; "servce" is not. Did you mean "service"?`},
		{name: "empty text clears an option", fields: with(plan.FieldChange{Name: "Kind", After: ""})},
		{name: "a date", fields: with(plan.FieldChange{Name: "OrderDate", After: "10/03/2026"}),
			field: "OrderDate", want: `OrderDate is a date (2006-01-02); "10/03/2026" is not one`},
		{name: "a date and time", fields: with(plan.FieldChange{Name: "ChangedAt", After: "2026-03-10"}),
			field: "ChangedAt", want: "ChangedAt is a date and time"},
		{name: "a sensitive value is never shown", fields: with(plan.FieldChange{Name: "Email", After: "anna.svensson@example.com"}),
			field: "Email", want: "Email may have at most 10 characters; the value (sensitive, not shown) has 25"},
		{name: "an object's field", fields: with(plan.FieldChange{Name: "Address", After: map[string]any{"City": "Stockholm"}}),
			field: "Address", want: `Address.City may have at most 5 characters; "Stockholm" has 9`},
		{name: "a list into an object", fields: with(plan.FieldChange{Name: "Address", After: []any{}}),
			field: "Address", want: "Address is an object; the flow gives it a list"},
		{name: "a row's field", fields: with(rows(map[string]any{"LineNumber": 0.0}, map[string]any{"LineNumber": 1.0, "Text": "Presentinslagning"})),
			field: "Rows", want: `Rows[1].Text may have at most 8 characters; "Presentinslagning" has 17`},
		{name: "a row's required field", fields: with(rows(map[string]any{"Text": "Frakt"})),
			field: "Rows", want: "Rows[0].LineNumber is required"},
		{name: "a row's type", fields: with(rows(map[string]any{"LineNumber": "first"})),
			field: "Rows", want: `Rows[0].LineNumber is a whole number; "first" is not one`},
		{name: "a row known after apply", fields: with(rows(map[string]any{"LineNumber": 0.0, "Text": plan.Unknown}))},
		{name: "a long text is cut", fields: with(plan.FieldChange{Name: "Address", After: map[string]any{"City": strings.Repeat("a", 70)}}),
			field: "Address", want: `"` + strings.Repeat("a", 57) + `..." has 70`},
		{name: "list elements", fields: with(plan.FieldChange{Name: "Tags", After: []any{"ok", "long"}}),
			field: "Tags", want: `Tags[1] may have at most 3 characters; "long" has 4`},
		{name: "formats: valid values", fields: with(plan.FieldChange{Name: "InvoiceEmail", After: "faktura@example.com"},
			plan.FieldChange{Name: "VatNumber", After: "SE556123456701"}, plan.FieldChange{Name: "CcEmails", After: []any{"a@example.com"}})},
		{name: "formats: an empty value clears the field", fields: with(plan.FieldChange{Name: "InvoiceEmail", After: ""}, plan.FieldChange{Name: "VatNumber", After: ""})},
		{name: "an e-mail address without @", fields: with(plan.FieldChange{Name: "InvoiceEmail", After: "faktura.example.com"}),
			field: "InvoiceEmail", want: `InvoiceEmail: "faktura.example.com" is not an e-mail address: it has no @ (name@example.com; fix it in the source)`},
		{name: "an e-mail address with a space", fields: with(plan.FieldChange{Name: "InvoiceEmail", After: "faktura @example.com"}),
			field: "InvoiceEmail", want: "it has spaces in it"},
		{name: "a sensitive e-mail address is never shown", fields: with(plan.FieldChange{Name: "PrivateEmail", After: "anna@example"}),
			field: "PrivateEmail", want: "PrivateEmail: the value (sensitive, not shown) is not an e-mail address: its domain has no dot"},
		{name: "a list of e-mail addresses", fields: with(plan.FieldChange{Name: "CcEmails", After: []any{"a@example.com", "b@@example.com"}}),
			field: "CcEmails", want: `CcEmails[1]: "b@@example.com" is not an e-mail address: it has more than one @`},
		{name: "a Swedish VAT number without 01", fields: with(plan.FieldChange{Name: "VatNumber", After: "SE5561234567"}),
			field: "VatNumber", want: `VatNumber: "SE5561234567" is not a VAT number for SE: one is SE, the 10-digit organisation number and 01`},
		{name: "a VAT number without its prefix", fields: with(plan.FieldChange{Name: "VatNumber", After: "556123456701"}),
			field: "VatNumber", want: "it must start with the two-letter country prefix"},
		{name: "a VAT number with spaces", fields: with(plan.FieldChange{Name: "VatNumber", After: "DE 123 456 789"}),
			field: "VatNumber", want: "VAT numbers have no spaces, dots or dashes"},
	}
	checks := checksOf(checkSchema)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ve := checks.check(f, tt.fields, !tt.update)
			switch {
			case tt.field == "" && ve != nil:
				t.Errorf("error on %s: %s; want none", ve.field, ve.msg)
			case tt.field == "":
			case ve == nil:
				t.Errorf("no error; want one on %s: %s", tt.field, tt.want)
			case ve.field != tt.field || !strings.Contains(ve.msg, tt.want):
				t.Errorf("error on %s: %s\nwant on %s: %s", ve.field, ve.msg, tt.field, tt.want)
			}
		})
	}
}

// TestFindUnknownField: find() by a literal field the object lacks is a
// validate error at the string, with the closest field.
func TestFindUnknownField(t *testing.T) {
	dir := t.TempDir()
	src := `connection "memory" "crm" {}
connection "memory" "books" {}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "find(memory.books.customers, 'Emial', source.email)?.Name ?? ''"
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := dsl.Load(dir, dsl.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	diags = testEngine(t).Validate(cfg)
	if len(diags) != 1 {
		t.Fatalf("%d diagnostics: %v; want 1", len(diags), diags)
	}
	d := diags[0]
	want := `The object memory.books.customers has no field "Emial" to find records by. Did you mean "Email"?`
	if d.Summary != "Unknown field" || d.Detail != want {
		t.Errorf("diagnostic %s: %s\nwant Unknown field: %s", d.Summary, d.Detail, want)
	}
	col := strings.Index(strings.Split(src, "\n")[9], "'Emial'") + 1
	if d.Subject == nil || d.Subject.Start.Line != 10 || d.Subject.Start.Column != col {
		t.Errorf("diagnostic at %v; want line 10, column %d (the string)", d.Subject, col)
	}
}

const articlesFlow = `
connection "memory" "crm" {}
connection "memory" "books" {}

flow "articles" {
  source = memory.crm.contacts
  target = memory.books.articles
  key    = "Number"
  fields {
    Number = "source.first"
    Active = "source.last"
    Rate   = "find(memory.books.vatcodes, 'Code', source.company).Rate"
  }
}
`

// TestPlanChecksValues: what the target's schema refuses is an error of
// that record at plan, with the field named, and never reaches apply; the
// other records are planned and written. A find() that matched nothing is
// named where the expression then fails.
func TestPlanChecksValues(t *testing.T) {
	h := newHarness(t, articlesFlow)
	h.store.Define("books", "articles", connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Number", Type: connectors.TypeString, Key: true, MaxLength: 40, Required: true},
		{Name: "Active", Type: connectors.TypeBool, Required: true},
		{Name: "Rate", Type: connectors.TypeNumber},
	}})
	h.store.Put("books", "vatcodes", connectors.Record{ID: "v25", Fields: map[string]any{"Code": "25", "Rate": 0.25}})
	rec := func(id, number string, active any, vat string) connectors.Record {
		return connectors.Record{ID: id, Fields: map[string]any{"first": number, "last": active, "company": vat}}
	}
	long := "PRESENTINSLAGNING MED PERSONLIGT MEDDELANDE OCH KORT"
	h.store.Put("crm", "contacts",
		rec("c1", "ART-1", true, "25"),
		rec("c2", long, true, "25"),
		rec("c3", "ART-3", "yes", "25"),
		rec("c4", "ART-4", false, "99"),
	)
	pl := h.plan(PlanOptions{})
	want := map[string]struct {
		action        plan.Action
		field, reason string
	}{
		"c1": {plan.Create, "", ""},
		"c2": {plan.Error, "Number", `Number may have at most 40 characters; "` + long + `" has 52`},
		"c3": {plan.Error, "Active", `Active is true or false; the flow gives it "yes"`},
		"c4": {plan.Error, "Rate", `(find(memory.books.vatcodes, "Code", "99") matched no record; the closest existing Code value is "25")`},
	}
	got := map[string]bool{}
	for ch := range pl.Flow("articles").Changes() {
		got[ch.SourceKey] = true
		w, ok := want[ch.SourceKey]
		if !ok {
			t.Errorf("unexpected change %+v", ch)
			continue
		}
		if ch.Action != w.action || ch.Field != w.field || !strings.Contains(ch.Reason, w.reason) {
			t.Errorf("%s: %s on %q: %s\nwant %s on %q: %s", ch.SourceKey, ch.Action, ch.Field, ch.Reason, w.action, w.field, w.reason)
		}
	}
	if len(got) != len(want) {
		t.Errorf("changes of %v; want %d", got, len(want))
	}
	if c := pl.Counts(); c.Create != 1 || c.Error != 3 {
		t.Errorf("counts %+v; want 1 create and 3 errors", c)
	}

	res := h.apply(pl)
	recs := h.store.Records("books", "articles")
	if len(recs) != 1 || recs[0].Fields["Number"] != "ART-1" {
		t.Errorf("articles written: %+v; want only ART-1", recs)
		for _, fr := range res.Flows {
			for _, r := range fr.Records {
				t.Logf("%s %s %s %s", fr.Flow, r.SourceKey, r.Action, r.Error)
			}
		}
	}
}

// BenchmarkValueChecks is the cost of the plan-time checks of one create
// of a document with ten rows and a few top-level fields.
func BenchmarkValueChecks(b *testing.B) {
	f := &flow{}
	for _, name := range []string{"Number", "IsActive"} {
		fld, _ := checkSchema.Field(name)
		f.fields = append(f.fields, &mapping{name: name, field: fld})
	}
	rows := make([]any, 10)
	for i := range rows {
		rows[i] = map[string]any{"LineNumber": float64(i), "Text": "Ullfilt"}
	}
	fields := []plan.FieldChange{
		{Name: "Number", After: "ART-1001"}, {Name: "IsActive", After: true}, {Name: "Status", After: 2.0},
		{Name: "OrderDate", After: "2026-03-10"}, {Name: "Rows", After: rows},
	}
	checks := checksOf(checkSchema)
	b.ReportAllocs()
	for b.Loop() {
		if ve := checks.check(f, fields, true); ve != nil {
			b.Fatal(ve)
		}
	}
}

// TestPlanChecksFormats: a malformed e-mail address or VAT number is the
// error of its record at plan, on the field, and never reaches apply; the
// other records are written.
func TestPlanChecksFormats(t *testing.T) {
	h := newHarness(t, `
connection "memory" "shop" {}
connection "memory" "ledger" {}

flow "customers" {
  source = memory.shop.buyers
  target = memory.ledger.customers
  key    = "Email"
  fields {
    Email     = "source.email"
    VatNumber = "source.vat"
  }
}
`)
	h.store.Define("shop", "buyers", connectors.Schema{Fields: []connectors.Field{
		{Name: "email", Type: connectors.TypeString}, {Name: "vat", Type: connectors.TypeString},
	}})
	h.store.Define("ledger", "customers", connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Email", Type: connectors.TypeString, Key: true, Format: connectors.FormatEmail},
		{Name: "VatNumber", Type: connectors.TypeString, Format: connectors.FormatVATNumber},
	}})
	buyer := func(id, email string, vat any) connectors.Record {
		return connectors.Record{ID: id, Fields: map[string]any{"email": email, "vat": vat}}
	}
	h.store.Put("shop", "buyers",
		buyer("b1", "anna@example.com", "SE556123456701"),
		buyer("b2", "erik(at)example.com", nil),
		buyer("b3", "karin@example.com", "DE12345678"),
		buyer("b4", "lars@example.com", nil),
	)
	pl := h.plan(PlanOptions{})
	want := map[string]struct {
		action        plan.Action
		field, reason string
	}{
		"b1": {plan.Create, "", ""},
		"b2": {plan.Error, "Email", `Email: "erik(at)example.com" is not an e-mail address: it has no @`},
		"b3": {plan.Error, "VatNumber", `VatNumber: "DE12345678" is not a VAT number for DE: one is DE and 9 digits`},
		"b4": {plan.Create, "", ""},
	}
	for ch := range pl.Flow("customers").Changes() {
		w := want[ch.SourceKey]
		if ch.Action != w.action || ch.Field != w.field || !strings.Contains(ch.Reason, w.reason) {
			t.Errorf("%s: %s on %q: %s\nwant %s on %q: %s", ch.SourceKey, ch.Action, ch.Field, ch.Reason, w.action, w.field, w.reason)
		}
	}
	if c := pl.Counts(); c.Create != 2 || c.Error != 2 {
		t.Errorf("counts %+v; want 2 creates and 2 errors", c)
	}
	h.apply(pl)
	var written []string
	for _, r := range h.store.Records("ledger", "customers") {
		written = append(written, r.Fields["Email"].(string))
	}
	slices.Sort(written)
	if strings.Join(written, " ") != "anna@example.com lars@example.com" {
		t.Errorf("customers written: %v; want anna's and lars's only", written)
	}
}
