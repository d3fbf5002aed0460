package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// rowsFlow books web orders with one row per line: the article of each
// line is ensured (an existing one used, a missing one created), and a
// freight row takes the freight article found by number.
const rowsFlow = `
connection "memory" "crm" {}
connection "memory" "books" {}

flow "articles" {
  source = memory.crm.products
  target = memory.books.articles
  key    = "Number"
  fields {
    Number = "source.sku"
    Name   = "source.name"
  }
}

flow "orders" {
  source = memory.crm.weborders
  target = memory.books.orders
  key    = "Reference"
  mode   = "create"

  ensure "articles" {
    flow     = flow.articles
    for_each = "source.lines"
    mode     = "create"
  }

  fields {
    Reference = "'W-' + source.ref"
    Rows      = <<-EXPR
      concat(map(source.lines, {{ArticleId: ensured.articles[#index].id, Text: #.name, Quantity: #.qty}}),
        [{ArticleId: find(memory.books.articles, 'Number', 'FRAKT').Id, Text: 'Frakt', Quantity: 1.0}])
    EXPR
  }
}
`

func rowsHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, rowsFlow)
	h.store.Define("crm", "products", connectors.Schema{Fields: []connectors.Field{
		{Name: "sku", Type: connectors.TypeString, Key: true},
		{Name: "name", Type: connectors.TypeString},
	}})
	h.store.Define("crm", "weborders", connectors.Schema{Fields: []connectors.Field{
		{Name: "ref", Type: connectors.TypeString, Key: true},
		{Name: "lines", Type: connectors.TypeList},
	}})
	h.store.Define("books", "articles", connectors.Schema{Label: `article {Number} "{Name}"`, Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Number", Type: connectors.TypeString, Key: true, Unique: true},
		{Name: "Name", Type: connectors.TypeString},
	}})
	h.store.Define("books", "orders", connectors.Schema{Fields: []connectors.Field{
		{Name: "Reference", Type: connectors.TypeString, Key: true},
		{Name: "Rows", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "ArticleId", Type: connectors.TypeString},
			{Name: "Text", Type: connectors.TypeString, MaxLength: 20},
			{Name: "Quantity", Type: connectors.TypeNumber},
		}}},
	}})
	h.store.Put("books", "articles",
		connectors.Record{ID: "art-1", Fields: map[string]any{"Id": "art-1", "Number": "A-1", "Name": "Vedkorg"}},
		connectors.Record{ID: "art-f", Fields: map[string]any{"Id": "art-f", "Number": "FRAKT", "Name": "Frakt"}},
	)
	return h
}

func line(id, sku, name string, qty float64) map[string]any {
	return map[string]any{"id": id, "sku": sku, "name": name, "qty": qty}
}

// TestRowsKnownInPart: an order whose second row's article the same apply
// creates keeps its rows in the plan, with only that ArticleId unknown and
// naming the article that supplies it; the known ids are named by their
// records. Apply writes the rows with the new article's id.
func TestRowsKnownInPart(t *testing.T) {
	h := rowsHarness(t)
	h.store.Put("crm", "weborders", connectors.Record{ID: "o1", Fields: map[string]any{"ref": "1", "lines": []any{
		line("l1", "A-1", "Vedkorg", 2), line("l2", "A-2", "Lampa", 1),
	}}})
	pl := h.plan(PlanOptions{Flows: []string{"orders"}})
	chs := changesOf(pl.Flow("orders"))
	if len(chs) != 1 || chs[0].Action != plan.Create {
		t.Fatalf("orders = %+v; want one create", chs)
	}
	var rows *plan.FieldChange
	for i := range chs[0].Fields {
		if chs[0].Fields[i].Name == "Rows" {
			rows = &chs[0].Fields[i]
		}
	}
	if rows == nil || !rows.Unknown {
		t.Fatalf("Rows = %+v; want a value known in part", rows)
	}
	wantAfter := []any{
		map[string]any{"ArticleId": "art-1", "Text": "Vedkorg", "Quantity": 2.0},
		map[string]any{"ArticleId": plan.Unknown, "Text": "Lampa", "Quantity": 1.0},
		map[string]any{"ArticleId": "art-f", "Text": "Frakt", "Quantity": 1.0},
	}
	if diff := cmp.Diff(wantAfter, rows.After); diff != "" {
		t.Errorf("Rows after (-want +got):\n%s", diff)
	}
	wantParts := []plan.Part{
		{Path: "Rows[0].ArticleId", Label: `article A-1 "Vedkorg"`},
		{Path: "Rows[1].ArticleId", Unknown: true, Label: `article A-2 "Lampa"`},
		{Path: "Rows[2].ArticleId", Label: `article FRAKT "Frakt"`},
	}
	if diff := cmp.Diff(wantParts, rows.Parts); diff != "" {
		t.Errorf("Rows parts (-want +got):\n%s", diff)
	}
	if got := rows.UnknownPaths(); !cmp.Equal(got, []string{"Rows[1].ArticleId"}) {
		t.Errorf("unknown paths = %v", got)
	}

	res := h.apply(pl)
	if c := res.Counts(); c.Create != 2 || c.Error != 0 {
		t.Fatalf("apply counts = %+v; want the article and the order created", c)
	}
	var created string
	for _, r := range h.store.Records("books", "articles") {
		if r.Fields["Number"] == "A-2" {
			created = r.ID
		}
	}
	orders := h.store.Records("books", "orders")
	if len(orders) != 1 || created == "" {
		t.Fatalf("orders = %+v, new article %q", orders, created)
	}
	ids := []any{}
	for _, row := range orders[0].Fields["Rows"].([]any) {
		ids = append(ids, row.(map[string]any)["ArticleId"])
	}
	if want := []any{"art-1", created, "art-f"}; !cmp.Equal(ids, want) {
		t.Errorf("written article ids = %v; want %v", ids, want)
	}
}

// TestRowsKnownInPartChecked: the known parts of a value known in part
// are checked against the target schema at plan (a row's text too long).
func TestRowsKnownInPartChecked(t *testing.T) {
	h := rowsHarness(t)
	h.store.Put("crm", "weborders", connectors.Record{ID: "o1", Fields: map[string]any{"ref": "1", "lines": []any{
		line("l2", "A-2", "Lampa med en mycket lång text", 1),
	}}})
	pl := h.plan(PlanOptions{Flows: []string{"orders"}})
	chs := changesOf(pl.Flow("orders"))
	if len(chs) != 1 || chs[0].Action != plan.Error || chs[0].Field != "Rows" {
		t.Fatalf("orders = %+v; want the too long text an error of the order at plan", chs)
	}
}

func TestMarker(t *testing.T) {
	for _, tc := range []struct {
		v            any
		k            int
		field        string
		exact, found bool
	}{
		{marker(3, "Id"), 3, "Id", true, true},
		{"HS-" + marker(12, "Number"), 12, "Number", false, true},
		{marker(0, "id") + " and more", 0, "id", false, true},
		{plan.Unknown, 0, "", false, false},
		{42.0, 0, "", false, false},
	} {
		k, field, exact, ok := parseMarker(tc.v)
		if k != tc.k || field != tc.field || exact != tc.exact || ok != tc.found {
			t.Errorf("parseMarker(%q) = %d, %q, %v, %v; want %d, %q, %v, %v", tc.v, k, field, exact, ok, tc.k, tc.field, tc.exact, tc.found)
		}
	}
}

// TestMarkedEnsured: the markers replace the unknown values of the
// suppliers only, in copies: the ensured values themselves are not changed.
func TestMarkedEnsured(t *testing.T) {
	created := map[string]any{"id": plan.Unknown, "Number": "A-2"}
	known := map[string]any{"id": "art-1", "Number": "A-1"}
	customer := map[string]any{"Id": plan.Unknown, "Name": "Havsbris AB"}
	ensured := map[string]any{"articles": []any{known, created}, "customer": customer}
	got := markedEnsured(ensured, []supplier{{ensure: "articles", index: 1, view: created}, {ensure: "customer", index: -1, view: customer}})
	want := map[string]any{
		"articles": []any{known, map[string]any{"id": marker(0, "id"), "Number": "A-2"}},
		"customer": map[string]any{"Id": marker(1, "Id"), "Name": "Havsbris AB"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("marked (-want +got):\n%s", diff)
	}
	if created["id"] != plan.Unknown || ensured["articles"].([]any)[1].(map[string]any)["id"] != plan.Unknown {
		t.Error("markedEnsured changed the ensured values")
	}
}
