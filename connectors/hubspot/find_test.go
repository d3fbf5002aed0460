package hubspot

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

const customProps = `{"properties": {
  "contacts": [{"name": "visma_customer_id", "label": "Visma customer id", "type": "string", "fieldType": "text",
                "groupName": "visma_sync", "hasUniqueValue": true}],
  "products": [{"name": "visma_unit", "label": "Unit", "type": "enumeration", "fieldType": "select", "groupName": "visma_sync",
                "options": [{"label": "Piece", "value": "pcs"}, {"label": "Hour", "value": "h"}]}]
}}`

func TestFind(t *testing.T) {
	var products []map[string]string
	for i := range 150 {
		products = append(products, map[string]string{"id": fmt.Sprint(500 + i), "name": fmt.Sprint("P", i), "hs_sku": fmt.Sprintf("SKU-%03d", i)})
	}
	products = append(products, map[string]string{"id": "900", "name": "Twin", "hs_sku": "SKU-001"})
	seed := seedJSON(t, map[string][]map[string]string{
		"contacts": {
			{"id": "1", "email": "anna@example.com", "visma_customer_id": "C-1"},
			{"id": "2", "email": "bo@example.com", "visma_customer_id": "C-2"},
			{"id": "3", "email": "cy@example.com"},
		},
		"products": products,
	})
	e := newEnv(t, envConfig{})
	if err := e.srv.Seed(strings.NewReader(customProps)); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Seed(strings.NewReader(seed)); err != nil {
		t.Fatal(err)
	}
	if err := e.conn.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	skus := func(ns ...int) []any {
		var out []any
		for _, n := range ns {
			out = append(out, fmt.Sprintf("sku-%03d", n)) // HubSpot compares text case-insensitively
		}
		return out
	}
	many := make([]int, 150)
	for i := range many {
		many[i] = i
	}
	manyIDs := []string{"900"}
	for i := range 150 {
		manyIDs = append(manyIDs, fmt.Sprint(500+i))
	}
	tests := []struct {
		name     string
		object   string
		field    string
		values   []any
		want     []string
		requests map[string]int
	}{
		{name: "email, case-insensitive", object: "contacts", field: "email",
			values: []any{"ANNA@example.com", "cy@EXAMPLE.com", "nobody@example.com"}, want: []string{"1", "3"},
			requests: map[string]int{"POST /crm/objects/2026-03/contacts/batch/read": 1, "POST /crm/objects/2026-03/contacts/search": 0}},
		{name: "custom unique property", object: "contacts", field: "visma_customer_id",
			values: []any{"C-2", "C-9"}, want: []string{"2"},
			requests: map[string]int{"POST /crm/objects/2026-03/contacts/batch/read": 1}},
		{name: "record id", object: "contacts", field: "hs_object_id", values: []any{"2", "77"}, want: []string{"2"},
			requests: map[string]int{"POST /crm/objects/2026-03/contacts/batch/read": 1}},
		{name: "non-unique sku", object: "products", field: "hs_sku", values: skus(2, 7), want: []string{"502", "507"},
			requests: map[string]int{"POST /crm/objects/2026-03/products/search": 1, "POST /crm/objects/2026-03/products/batch/read": 0}},
		{name: "ambiguous sku returns all", object: "products", field: "hs_sku", values: skus(1), want: []string{"501", "900"}},
		{name: "150 skus in batches", object: "products", field: "hs_sku", values: skus(many...), want: manyIDs,
			requests: map[string]int{"POST /crm/objects/2026-03/products/search": 2}},
		{name: "nothing", object: "products", field: "hs_sku", values: nil, want: nil,
			requests: map[string]int{"*": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.srv.ResetCounters()
			got, err := e.object(t, tt.object).Find(t.Context(), tt.field, tt.values)
			if err != nil {
				t.Fatal(err)
			}
			want := append([]string(nil), tt.want...)
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(sorted(want), ids(got)); diff != "" {
				t.Errorf("Find(%s) IDs (-want +got):\n%s", tt.field, diff)
			}
			for key, n := range tt.requests {
				if got := e.srv.Requests(key); got != n {
					t.Errorf("Requests(%q) = %d; want %d", key, got, n)
				}
			}
		})
	}
	if _, err := e.object(t, "products").Find(t.Context(), "no_such_field", []any{"x"}); err == nil {
		t.Error("Find by an unknown field: no error")
	}
}

func sorted(s []string) []string {
	out := append([]string{}, s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestGet(t *testing.T) {
	var recs []map[string]string
	for i := range 130 {
		recs = append(recs, map[string]string{"id": fmt.Sprint(10 + i), "dealname": fmt.Sprint("Deal ", i), "amount": "5"})
	}
	e := newEnv(t, envConfig{version: "v3", seed: seedJSON(t, map[string][]map[string]string{"deals": recs})})
	var want []string
	var ask []string
	for i := range 130 {
		want = append(want, fmt.Sprint(10+i))
		ask = append(ask, fmt.Sprint(10+i))
	}
	ask = append(ask, "99999")
	got, err := e.object(t, "deals").Get(t.Context(), ask)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sorted(want), ids(got)); diff != "" {
		t.Errorf("Get IDs (-want +got):\n%s", diff)
	}
	if n := e.srv.Requests("POST /crm/v3/objects/deals/batch/read"); n != 2 {
		t.Errorf("batch reads = %d; want 2 (100 per call)", n)
	}
	if got[0].Fields["amount"] != 5.0 {
		t.Errorf("amount = %#v; want 5.0", got[0].Fields["amount"])
	}
}

func TestDiscover(t *testing.T) {
	e := newEnv(t, envConfig{})
	if err := e.srv.Seed(strings.NewReader(customProps)); err != nil {
		t.Fatal(err)
	}
	f := New()
	before, err := f.Objects(e.config(envConfig{}), e.deps())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := before["contacts"].Field("visma_customer_id"); ok {
		t.Fatal("custom property known before Discover")
	}
	if err := e.conn.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	after, err := f.Objects(e.config(envConfig{}), e.deps())
	if err != nil {
		t.Fatal(err)
	}
	check := func(object, field string, want connectors.Field) {
		t.Helper()
		got, ok := after[object].Field(field)
		if !ok {
			t.Fatalf("%s.%s missing after Discover", object, field)
		}
		got.Description = ""
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s.%s (-want +got):\n%s", object, field, diff)
		}
	}
	check("contacts", "visma_customer_id", connectors.Field{Name: "visma_customer_id", Type: connectors.TypeString, Key: true, Unique: true})
	check("products", "visma_unit", connectors.Field{Name: "visma_unit", Type: connectors.TypeString, Options: []string{"pcs", "h"}})
	check("contacts", "email", connectors.Field{Name: "email", Type: connectors.TypeString, Key: true, Unique: true, Sensitive: true, Format: connectors.FormatEmail})
	check("line_items", "amount", connectors.Field{Name: "amount", Type: connectors.TypeNumber, ReadOnly: true})
	check("contacts", "lifecyclestage", connectors.Field{Name: "lifecyclestage", Type: connectors.TypeString,
		Options: []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"}})

	// The discovered options are checked before anything is sent.
	conn, err := open(e.config(envConfig{}), e.deps(), fastOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	o, _ := conn.Object("products")
	e.srv.ResetCounters()
	res := o.(connectors.Writer).Write(t.Context(), []connectors.Write{{Action: connectors.Create,
		Fields: map[string]any{"name": "Consulting", "visma_unit": "hours"}}})
	var ve *ValueError
	if len(res) != 1 || !errorsAs(res[0].Err, &ve) || ve.Field != "visma_unit" || !strings.Contains(ve.Error(), "pcs, h") {
		t.Errorf("write of an unknown option: %v; want a ValueError on visma_unit naming pcs, h", res[0].Err)
	}
	if n := e.srv.Requests("*"); n != 0 {
		t.Errorf("%d requests sent for a refused value; want 0", n)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

func TestDiscoverPaths(t *testing.T) {
	for version, path := range map[string]string{"2026-03": "/crm/properties/2026-03/", "v3": "/crm/v3/properties/"} {
		t.Run(version, func(t *testing.T) {
			e := newEnv(t, envConfig{version: version})
			if err := e.conn.Discover(t.Context()); err != nil {
				t.Fatal(err)
			}
			for _, obj := range []string{"contacts", "companies", "deals", "line_items", "products", "orders", "invoices", "taxes", "discounts", "fees"} {
				if n := e.srv.Requests("GET " + path + obj); n != 1 {
					t.Errorf("Requests(GET %s%s) = %d; want 1", path, obj, n)
				}
			}
		})
	}
}

func TestDiscoverWithoutSomeScopes(t *testing.T) {
	forbidInvoices := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/properties/2026-03/invoices") {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"status":"error","message":"This app hasn't been granted all required scopes to make this call.","correlationId":"0b2f3a4c-1d2e-4f50-8a6b-7c8d9e0f1a2b","category":"MISSING_SCOPES"}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envConfig{middleware: forbidInvoices})
	if err := e.srv.Seed(strings.NewReader(customProps)); err != nil {
		t.Fatal(err)
	}
	if err := e.conn.Discover(t.Context()); err != nil {
		t.Fatalf("Discover without the invoices scope: %v", err)
	}
	schemas, err := New().Objects(e.config(envConfig{}), e.deps())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := schemas["contacts"].Field("visma_customer_id"); !ok {
		t.Error("contacts were not discovered")
	}
	if _, ok := schemas["invoices"].Field("hs_currency"); !ok {
		t.Error("invoices lost their built-in fields")
	}
}
