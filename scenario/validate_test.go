package scenario

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

// TestExampleValidatesOffline: the example project with the flow library
// compiles against the connectors' built-in schemas and the custom
// properties its connection block declares, without any account: what
// `kopla validate` checks.
func TestExampleValidatesOffline(t *testing.T) {
	root := t.TempDir()
	copyDir(t, filepath.Join("..", "flows"), filepath.Join(root, "flows"))
	dir := filepath.Join(root, "examples", "webshop")
	copyDir(t, filepath.Join("..", "examples", "webshop"), dir)
	env := func(name string) (string, bool) {
		if strings.HasPrefix(name, "HUBSPOT_") || strings.HasPrefix(name, "EACCOUNTING_") {
			return "offline", true
		}
		return "", false
	}
	cfg, diags := dsl.Load(dir, dsl.Options{LookupEnv: env})
	if diags.HasErrors() {
		t.Fatalf("load: %s", diagText(diags))
	}
	p, diags := engine.New(engine.Options{Registry: newRegistry(t), LookupEnv: env}).Compile(cfg)
	if diags.HasErrors() {
		t.Fatalf("validate: %s", diagText(diags))
	}
	defer p.Close()
	want := []string{
		"articles_to_products", "contacts_to_customers", "contacts_to_customers.write_back", "customers_to_companies",
		"customers_to_contacts", "deals_to_eaccounting_orders", "invoice_status_to_orders", "invoices_to_hubspot",
		"orders_to_eaccounting_orders.write_back", "orders_to_eaccounting_orders", "orders_to_invoice_drafts", "orders_to_invoices",
		"products_to_articles", "stock",
	}
	got := p.FlowNames()
	for _, name := range want {
		if !containsStr(got, name) {
			t.Errorf("flow %s is missing from %v", name, got)
		}
	}
}
