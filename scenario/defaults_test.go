package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// defaultsProject creates an eAccounting order and an invoice draft from a
// JSON Lines file without writing any of the flags the API requires
// (EuThirdParty, RotReducedInvoicingType, the row flags): the connector's
// defaults fill them.
const defaultsProject = `
connection "file" "in" {
  dir = "in"
}

connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
}

flow "orders" {
  source = file.in.orders
  target = eaccounting.books.orders
  key    = "YourReference"
  mode   = "create"
  fields {
    YourReference = "'WEB-' + source.number"
    CustomerId    = "find(eaccounting.books.customers, 'CustomerNumber', '1001').Id"
    CurrencyCode  = "'SEK'"
    OrderDate     = "'2026-03-01'"
    Status        = "2"
    Rows = <<-EXPR
      [
        {LineNumber: 1, ArticleId: find(eaccounting.books.articles, 'Number', 'ART-1001').Id, Quantity: 2.0, UnitPrice: 100.0},
        {LineNumber: 2, Text: 'Leverans enligt avtal'},
      ]
    EXPR
  }
}

flow "drafts" {
  source = file.in.orders
  target = eaccounting.books.customerinvoicedrafts
  key    = "YourReference"
  mode   = "create"
  fields {
    YourReference = "'WEB-' + source.number"
    CustomerId    = "find(eaccounting.books.customers, 'CustomerNumber', '1001').Id"
    Rows = <<-EXPR
      [
        {ArticleId: find(eaccounting.books.articles, 'Number', 'ART-1001').Id, Quantity: 2.0, UnitPrice: 100.0},
        {Text: 'Leverans enligt avtal', IsTextRow: true},
      ]
    EXPR
  }
}
`

// TestCreateDefaults: the plan shows the defaults, marked, and the
// documents eAccounting stores carry them.
func TestCreateDefaults(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"main.hcl":          defaultsProject,
		"in/orders.jsonl":   `{"number": "7001"}` + "\n",
		".kopla/.gitignore": "*\n",
	} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{hubspot.New(), eaccounting.New(), file.New()} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := dsl.Load(dir, dsl.Options{LookupEnv: w.sb.LookupEnv})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diagText(diags))
	}
	p, diags := engine.New(engine.Options{Registry: reg, ConnectionConfig: w.connectionConfig, LookupEnv: w.sb.LookupEnv}).Compile(cfg)
	if diags.HasErrors() {
		t.Fatalf("compile: %s", diagText(diags))
	}
	defer p.Close()
	st, err := state.Open(t.Context(), filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pl, diags := p.Plan(t.Context(), engine.PlanOptions{State: st})
	if diags.HasErrors() {
		t.Fatalf("plan: %s", diagText(diags))
	}

	// The plan: top-level flags marked Default, the row flags named in
	// Defaults, the flow's own values (the draft's IsTextRow) untouched.
	type mark struct {
		After    any
		Default  bool
		Defaults []string
	}
	marks := func(flow string) map[string]mark {
		out := map[string]mark{}
		for _, ch := range changes(pl, flow) {
			if ch.Action != plan.Create {
				t.Fatalf("%s: %s %s; want a create", flow, ch.Action, ch.Reason)
			}
			for _, fc := range ch.Fields {
				if fc.Default || len(fc.Defaults) > 0 {
					after := fc.After
					if fc.Name == "Rows" {
						after = nil
					}
					out[fc.Name] = mark{after, fc.Default, fc.Defaults}
				}
			}
		}
		return out
	}
	if diff := cmp.Diff(map[string]mark{
		"EuThirdParty":                        {false, true, nil},
		"ReverseChargeOnConstructionServices": {false, true, nil},
		"RotReducedInvoicingType":             {int64(0), true, nil},
		"Rows":                                {nil, false, []string{"EligibleForReverseChargeOnVat", "IsTextRow", "IsWorkCost"}},
	}, marks("orders")); diff != "" {
		t.Errorf("order plan defaults (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]mark{
		"EuThirdParty":            {false, true, nil},
		"RotReducedInvoicingType": {int64(0), true, nil},
		"Rows":                    {nil, false, []string{"IsTextRow", "ReversedConstructionServicesVatFree"}},
	}, marks("drafts")); diff != "" {
		t.Errorf("draft plan defaults (-want +got):\n%s", diff)
	}

	res, diags := p.Apply(t.Context(), pl, engine.ApplyOptions{State: st, Holder: "scenario test"})
	if diags.HasErrors() {
		t.Fatalf("apply: %s", diagText(diags))
	}
	for _, flow := range []string{"orders", "drafts"} {
		for key, rr := range results(res, flow) {
			if rr.Error != "" {
				t.Errorf("%s %s: %s", flow, key, rr.Error)
			}
		}
	}

	// The books: the stored documents carry the defaults; the article row
	// is an article row, the text row a text row.
	order := one(t, w.read("eaccounting", "orders"), "YourReference", "WEB-7001")
	draft := one(t, w.read("eaccounting", "customerinvoicedrafts"), "YourReference", "WEB-7001")
	for _, doc := range []map[string]any{order, draft} {
		if doc["EuThirdParty"] != false || str(doc["RotReducedInvoicingType"]) != "0" {
			t.Errorf("document flags EuThirdParty %v, RotReducedInvoicingType %v; want false, 0", doc["EuThirdParty"], doc["RotReducedInvoicingType"])
		}
		rows, _ := doc["Rows"].([]any)
		if len(rows) != 2 {
			t.Fatalf("rows = %v; want 2", doc["Rows"])
		}
		article, text := rows[0].(map[string]any), rows[1].(map[string]any)
		if article["IsTextRow"] != false || article["ArticleId"] == nil || str(article["Quantity"]) != "2" || str(article["UnitPrice"]) != "100" {
			t.Errorf("article row = %v; want an article row of 2 x 100", article)
		}
		if text["IsTextRow"] != true || text["Text"] != "Leverans enligt avtal" {
			t.Errorf("text row = %v; want the text row", text)
		}
	}
	if order["ReverseChargeOnConstructionServices"] != false {
		t.Errorf("order ReverseChargeOnConstructionServices = %v; want false", order["ReverseChargeOnConstructionServices"])
	}
	rows := order["Rows"].([]any)
	for _, r := range rows {
		if row := r.(map[string]any); row["IsWorkCost"] != false || row["EligibleForReverseChargeOnVat"] != false {
			t.Errorf("order row flags = %v; want IsWorkCost and EligibleForReverseChargeOnVat false", row)
		}
	}
}

// TestFakeRefusesMissingFlags: the fake, like the API, refuses a document
// or row without the flags its model requires, so the defaults above are
// what made the writes pass.
func TestFakeRefusesMissingFlags(t *testing.T) {
	w := newWorld(t)
	conn := w.open("eaccounting")
	customer := one(t, w.read("eaccounting", "customers"), "CustomerNumber", "1001")
	for _, tt := range []struct {
		object string
		fields map[string]any
		want   string
	}{
		{"orders", map[string]any{"CustomerId": customer["Id"], "CurrencyCode": "SEK", "OrderDate": "2026-03-01", "Status": int64(2),
			"ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0)}, "EuThirdParty"},
		{"orders", map[string]any{"CustomerId": customer["Id"], "CurrencyCode": "SEK", "OrderDate": "2026-03-01", "Status": int64(2),
			"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0),
			"Rows": []any{map[string]any{"LineNumber": int64(1), "Text": "x", "IsTextRow": true, "IsWorkCost": false}}}, "EligibleForReverseChargeOnVat"},
		{"customerinvoicedrafts", map[string]any{"CustomerId": customer["Id"], "EuThirdParty": false}, "RotReducedInvoicingType"},
		{"customerinvoicedrafts", map[string]any{"CustomerId": customer["Id"], "EuThirdParty": false, "RotReducedInvoicingType": int64(0),
			"Rows": []any{map[string]any{"Text": "x", "IsTextRow": true}}}, "ReversedConstructionServicesVatFree"},
	} {
		obj, err := conn.Object(tt.object)
		if err != nil {
			t.Fatal(err)
		}
		res := obj.(connectors.Writer).Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: tt.fields}})
		if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), tt.want) {
			t.Errorf("%s create without %s: %v; want the API's refusal naming it", tt.object, tt.want, res[0].Err)
		}
	}
}
