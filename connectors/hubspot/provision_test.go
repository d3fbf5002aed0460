package hubspot

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

// libraryProps are what a flow library declares (Deps.Properties).
var libraryProps = []connectors.PropertyDef{
	{Object: "contacts", Name: "eaccounting_customer_number", Type: "string", Unique: true, Label: "eAccounting customer number", Description: "Written back by kopla."},
	{Object: "orders", Name: "eaccounting_payment_status", Type: "enumeration", Options: []string{"unpaid", "paid"}, Label: "Payment status"},
	{Object: "line_items", Name: "cost_centre", Type: "string", Label: "Cost centre"},
	{Object: "products", Name: "stock_quantity", Type: "number", Label: "Stock quantity"},
}

func TestObjectsWithLibraryProperties(t *testing.T) {
	deps := connectors.Deps{Name: "shop", StateDir: t.TempDir(), Properties: libraryProps}
	schemas, err := New().Objects(connectors.Config{"token": "pat"}, deps)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		object string
		want   connectors.Field
	}{
		{"contacts", connectors.Field{Name: "eaccounting_customer_number", Type: connectors.TypeString, Key: true, Unique: true, Description: "eAccounting customer number"}},
		{"orders", connectors.Field{Name: "eaccounting_payment_status", Type: connectors.TypeString, Options: []string{"unpaid", "paid"}, Description: "Payment status"}},
		{"products", connectors.Field{Name: "stock_quantity", Type: connectors.TypeNumber, Description: "Stock quantity"}},
	} {
		got, ok := schemas[tc.object].Field(tc.want.Name)
		if diff := cmp.Diff(tc.want, got); !ok || diff != "" {
			t.Errorf("%s.%s (-want +got):\n%s", tc.object, tc.want.Name, diff)
		}
	}
}

// TestCheckAndCreateProperties: the missing properties are reported with
// the group of their object, a property that differs is reported with how,
// and creating makes them exist, in that group.
func TestCheckAndCreateProperties(t *testing.T) {
	e := newEnv(t, envConfig{seed: `{"properties": {
  "products": [{"name": "stock_quantity", "label": "Stock", "type": "string", "fieldType": "text", "groupName": "inventory"}]
}}`})
	ctx := t.Context()
	got, err := e.conn.CheckProperties(ctx, libraryProps)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name     string
		Exists   bool
		Group    string
		Problems string
	}
	rows := func(sts []connectors.PropertyStatus) []row {
		var out []row
		for _, s := range sts {
			out = append(out, row{s.Def.Object + "." + s.Def.Name, s.Exists, s.Group, strings.Join(s.Problems, "; ")})
		}
		return out
	}
	want := []row{
		{"contacts.eaccounting_customer_number", false, "contactinformation", ""},
		{"orders.eaccounting_payment_status", false, "orderinformation", ""},
		{"line_items.cost_centre", false, "lineiteminformation", ""},
		{"products.stock_quantity", true, "inventory", "its type is string, not number"},
	}
	if diff := cmp.Diff(want, rows(got)); diff != "" {
		t.Fatalf("CheckProperties (-want +got):\n%s", diff)
	}

	created, err := e.conn.CreateProperties(ctx, libraryProps[:3])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]row{
		{"contacts.eaccounting_customer_number", true, "contactinformation", ""},
		{"orders.eaccounting_payment_status", true, "orderinformation", ""},
		{"line_items.cost_centre", true, "lineiteminformation", ""},
	}, rows(created)); diff != "" {
		t.Errorf("CreateProperties (-want +got):\n%s", diff)
	}
	after, err := e.conn.CheckProperties(ctx, libraryProps[:3])
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range after {
		if s.Lacks() {
			t.Errorf("%s.%s still lacks after create: %+v", s.Def.Object, s.Def.Name, s)
		}
	}
	// Created again: the account has them; nothing fails.
	if _, err := e.conn.CreateProperties(ctx, libraryProps[:3]); err != nil {
		t.Errorf("second CreateProperties: %v", err)
	}
	// The created properties are what Discover reads.
	if err := e.conn.Discover(ctx); err != nil {
		t.Fatal(err)
	}
	schemas, err := New().Objects(e.config(envConfig{}), e.deps())
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := schemas["contacts"].Field("eaccounting_customer_number"); !ok || !f.Unique {
		t.Errorf("discovered contacts.eaccounting_customer_number = %+v, %v; want a unique field", f, ok)
	}
	if f, ok := schemas["orders"].Field("eaccounting_payment_status"); !ok || !cmp.Equal(f.Options, []string{"unpaid", "paid"}) {
		t.Errorf("discovered orders.eaccounting_payment_status = %+v, %v; want options unpaid, paid", f, ok)
	}
}
