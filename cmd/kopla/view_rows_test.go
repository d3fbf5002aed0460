package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/sandbox"
)

// rowsChange is an order to create whose first row's article the same
// apply creates: its rows are known but for that ArticleId.
func rowsChange() (*plan.FlowPlan, *plan.Change) {
	fp := &plan.FlowPlan{Flow: "orders", KeyField: "YourReference", SensitiveFields: []string{"YourReference"}}
	ch := &plan.Change{SourceKey: "4001", Key: "HS-4001", Action: plan.Create, Label: `order 4001 "Webborder 1001"`, Fields: []plan.FieldChange{
		{Name: "YourReference", After: "HS-4001"},
		{Name: "CustomerId", After: "c-1002", Label: "private person (1002)", SensitiveLabel: "Elin Strand (1002)"},
		{Name: "TermsOfPaymentId", After: "t-30", Label: `terms of payment "30 dagar netto"`},
		{Name: "Rows", Unknown: true, Defaults: []string{"IsTextRow"}, After: []any{
			map[string]any{"LineNumber": 0.0, "ArticleId": plan.Unknown, "Text": "Pannlampa 300 lm", "Quantity": 2.0, "UnitPrice": 499.0, "IsTextRow": false,
				"CostCenterItemId1": "cc-1"},
			map[string]any{"LineNumber": 1.0, "ArticleId": "a-1004", "Text": "Termos 1 l", "Quantity": 1.0, "UnitPrice": 399.0, "DiscountPercentage": 0.1, "IsTextRow": false},
			map[string]any{"LineNumber": 2.0, "Text": "Betalningsvillkor: 30 dagar netto", "IsTextRow": true},
		}, Parts: []plan.Part{
			{Path: "Rows[0].ArticleId", Unknown: true, Label: `article ART-1023 "Pannlampa 300 lm"`},
			{Path: "Rows[0].CostCenterItemId1", Label: `cost centre item SUPP "Support"`},
			{Path: "Rows[1].ArticleId", Label: `article ART-1004 "Termos 1 l"`},
		}},
	}, Totals: &plan.Totals{Currency: "SEK", Net: 1357.1, VAT: 339.28, Gross: 1696, Rows: []plan.RowTotal{
		{Row: 0, Amount: 998, VATRate: 0.25}, {Row: 1, Amount: 359.1, VATRate: 0.25},
	}}}
	return fp, ch
}

// TestPlanRowsKnownInPart: the rows of a document show as a table, one
// row a line, with the unknown ArticleId saying which article supplies it,
// ids as their records, and each row's VAT rate and total; labels with
// personal data only where sensitive values are shown. The golden file is
// the human plan of such an order, piped and at a terminal.
func TestPlanRowsKnownInPart(t *testing.T) {
	fp, ch := rowsChange()
	sens := sensitivity(func(flow, field string) bool { return field == "YourReference" })
	var b strings.Builder
	writeChange(&b, style{}, fp, ch, sens, false)
	b.WriteString("\n# shown at a terminal (sensitive values revealed):\n")
	writeChange(&b, style{}, fp, ch, sens, true)
	b.WriteString("\n# an update of the rows:\n")
	up := &plan.Change{SourceKey: "4001", Key: "HS-4001", Action: plan.Update, TargetID: "o-1", Fields: []plan.FieldChange{
		{Name: "Rows", Before: []any{
			map[string]any{"Id": "r-1", "ArticleId": "a-1004", "Quantity": 1.0, "UnitPrice": 399.0, "Amount": 399.0},
			map[string]any{"Id": "r-2", "ArticleId": "a-1004", "Quantity": 1.0, "UnitPrice": 399.0},
		},
			After: []any{map[string]any{"ArticleId": "a-1004", "Quantity": 2.0, "UnitPrice": 399.0}, map[string]any{"ArticleId": "a-1004", "Quantity": 1.0, "UnitPrice": 399.0}, map[string]any{"Text": "Tack!"}},
			Parts: []plan.Part{{Path: "Rows[0].ArticleId", Label: `article ART-1004 "Termos 1 l"`}}},
	}}
	writeChange(&b, style{}, fp, up, sens, false)
	golden(t, "plan_rows", b.String())
	piped, _, _ := strings.Cut(b.String(), "# shown at a terminal")
	if strings.Contains(piped, "Elin Strand") {
		t.Errorf("the piped plan names the private person:\n%s", piped)
	}

	js, err := json.Marshal(newJSONChange(fp, ch, sens, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"unknown_paths":["Rows[0].ArticleId"]`,
		`{"path":"Rows[0].ArticleId","unknown":true,"label":"article ART-1023 \"Pannlampa 300 lm\""}`,
		`"ArticleId":"(known after apply)"`,
		`"label":"private person (1002)"`,
		`"rows":[{"row":0,"amount":998,"vat_rate":0.25}`,
	} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON change lacks %s:\n%s", want, js)
		}
	}
	if strings.Contains(string(js), "Elin") {
		t.Errorf("JSON change without -show-sensitive names the private person:\n%s", js)
	}
	js, _ = json.Marshal(newJSONChange(fp, ch, sens, true))
	if !strings.Contains(string(js), `"label":"Elin Strand (1002)","label_sensitive":true`) {
		t.Errorf("JSON change with -show-sensitive lacks the person's name:\n%s", js)
	}
}

// TestKnownValue: a value known in part that is no document rows shows as
// JSON with each unknown value saying what supplies it.
func TestKnownValue(t *testing.T) {
	fc := plan.FieldChange{Name: "Tags", Unknown: true, After: map[string]any{"owner": plan.Unknown, "tags": []any{"a", plan.Unknown}},
		Parts: []plan.Part{{Path: "Tags.owner", Unknown: true, Label: "user 7"}, {Path: "Tags.tags[1]", Unknown: true}}}
	got := knownValue(fc, fc.After, false)
	if want := `{"owner":"(known after apply: user 7)","tags":["a","(known after apply)"]}`; got != want {
		t.Errorf("knownValue = %s; want %s", got, want)
	}
}

// TestWebshopPlanRows plans the webshop's orders against a sandbox whose
// clock stands still (the demo data are then the same every run): every
// order shows its rows, the articles the apply creates named where their
// ids will be, and its totals, those of orders waiting for a new customer
// or article too.
func TestWebshopPlanRows(t *testing.T) {
	sb := sandbox.NewTest(t, sandbox.Options{
		Clock: func() time.Time { return time.Date(2030, 6, 3, 9, 30, 0, 0, time.UTC) },
		Limits: sandbox.Limits{
			HubSpot:                hubspottest.Limits{Burst: 100000, Search: 100000},
			EAccountingPerEndpoint: 100000,
		},
	})
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "webshop"), filepath.Join(root, "examples", "webshop"))
	copyTree(t, filepath.Join("..", "..", "flows"), filepath.Join(root, "flows"))
	s := &shop{t: t, sb: sb, dir: filepath.Join(root, "examples", "webshop"), env: map[string]string{}}
	for _, e := range sandboxExports(sb) {
		s.env[e[0]] = e[1]
	}
	if r := s.run("init", "-no-color"); r.code != exitOK {
		t.Fatalf("kopla init = exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := s.run("plan", "-no-color", "-flow", "orders_to_eaccounting_orders", "-only", "create")
	if r.code != exitOK {
		t.Fatalf("plan = exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	_, orders, _ := strings.Cut(r.stdout, `# flow "orders_to_eaccounting_orders"`)
	orders, _, _ = strings.Cut(orders, "\n  # flow ")
	orders = `# flow "orders_to_eaccounting_orders"` + orders
	golden(t, "webshop_plan_rows", orders)
	for _, bad := range []string{"Rows                                = (known after apply)", "net, VAT, gross (known after apply)", `"ArticleId":`} {
		if strings.Contains(orders, bad) {
			t.Errorf("the orders' plan shows %q:\n%s", bad, orders)
		}
	}
	if !strings.Contains(orders, "(known after apply: article ART-") {
		t.Errorf("no row names the article the apply creates for it:\n%s", orders)
	}

	// The debtor that is a private person: named where sensitive values
	// are shown, "private person" where they are hidden (piped, -json).
	const debtor = "# Elin Strand (1002)"
	if !strings.Contains(orders, "# private person (1002)") || strings.Contains(r.stdout, "Elin Strand") {
		t.Errorf("the piped plan should name the private person's debtor \"private person (1002)\" only:\n%s", orders)
	}
	if r := s.run("plan", "-no-color", "-flow", "orders_to_eaccounting_orders", "-show-sensitive"); !strings.Contains(r.stdout, debtor) {
		t.Errorf("plan -show-sensitive lacks %q:\n%s", debtor, r.stdout)
	}
	if r := s.run("plan", "-json", "-flow", "orders_to_eaccounting_orders"); strings.Contains(r.stdout, "Elin Strand") || !strings.Contains(r.stdout, `"unknown_paths":["Rows[0].ArticleId"]`) {
		t.Errorf("plan -json names the private person, or lacks the unknown paths of the rows:\n%s", r.stdout)
	}
}
