package sandbox

import (
	"context"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/dsl"
)

// openThrough opens a connection of factory f the way the engine does with
// the sandbox plugged in: settings as a flow file would decode them, then
// ConnectionConfig.
func openThrough(t *testing.T, s *Sandbox, f connectors.Factory, decoded connectors.Config) connectors.Connector {
	t.Helper()
	cfg := s.ConnectionConfig(&dsl.Connection{Kind: f.Kind, Name: "demo"}, decoded)
	deps := connectors.Deps{Name: "demo", Dir: t.TempDir(), StateDir: t.TempDir()}
	if _, err := f.Objects(cfg, deps); err != nil {
		t.Fatalf("%s: Objects: %v", f.Kind, err)
	}
	c, err := f.New(context.Background(), cfg, deps)
	if err != nil {
		t.Fatalf("%s: New: %v", f.Kind, err)
	}
	if cl, ok := c.(connectors.Closer); ok {
		t.Cleanup(func() { _ = cl.Close() })
	}
	return c
}

func readAll(t *testing.T, c connectors.Connector, object string, req connectors.ReadRequest) []connectors.Record {
	t.Helper()
	o, err := c.Object(object)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := o.(connectors.Reader)
	if !ok {
		t.Fatalf("%s is not readable", object)
	}
	var out []connectors.Record
	if _, err := r.Read(t.Context(), req, func(page []connectors.Record) error {
		out = append(out, page...)
		return nil
	}); err != nil {
		t.Fatalf("read %s: %v", object, err)
	}
	return out
}

// TestConnectorsAgainstSandbox is the smoke test of a sandbox run: the real
// connectors, configured with placeholder credentials that ConnectionConfig
// replaces, read the demo (eAccounting through the refresh-token exchange).
func TestConnectorsAgainstSandbox(t *testing.T) {
	s := NewTest(t, Options{})

	hs := openThrough(t, s, hubspot.New(), connectors.Config{"token": Placeholder})
	contacts := readAll(t, hs, "contacts", connectors.ReadRequest{Fields: []string{"email", "firstname", "lastname"}})
	if len(contacts) != 50 {
		t.Errorf("hubspot contacts: %d, want 50", len(contacts))
	}
	orders := readAll(t, hs, "orders", connectors.ReadRequest{
		Fields:  []string{"hs_order_name", "hs_payment_status", "hs_shipping_cost"},
		Include: []string{"line_items"},
	})
	if len(orders) != 20 {
		t.Errorf("hubspot orders: %d, want 20", len(orders))
	}
	for _, o := range orders {
		if lines, _ := o.Fields["line_items"].([]any); len(lines) == 0 {
			t.Errorf("order %s (%v) read without line items", o.ID, o.Fields["hs_order_name"])
		}
	}

	oauth := connectors.Config{"oauth": map[string]any{"client_id": Placeholder, "client_secret": Placeholder}}
	if got := len(readAll(t, openThrough(t, s, hubspot.New(), oauth), "companies", connectors.ReadRequest{Fields: []string{"name"}})); got != 20 {
		t.Errorf("hubspot companies through a connection with an oauth block: %d, want 20", got)
	}

	ea := openThrough(t, s, eaccounting.New(), connectors.Config{"client_id": Placeholder, "client_secret": Placeholder})
	customers := readAll(t, ea, "customers", connectors.ReadRequest{})
	if len(customers) != 6 {
		t.Errorf("eaccounting customers: %d, want 6", len(customers))
	}
	emails := map[string]bool{}
	for _, c := range contacts {
		if e, ok := c.Fields["email"].(string); ok {
			emails[e] = true
		}
	}
	matches := 0
	for _, c := range customers {
		if e, ok := c.Fields["EmailAddress"].(string); ok && emails[e] {
			matches++
		}
	}
	if matches != 2 {
		t.Errorf("%d eAccounting customers share an e-mail address with a HubSpot contact, want 2", matches)
	}
	if got := len(readAll(t, ea, "articles", connectors.ReadRequest{})); got != 10 {
		t.Errorf("eaccounting articles: %d, want 10", got)
	}
	if n := s.EAccounting().Requests("POST /connect/token"); n != 1 {
		t.Errorf("eAccounting token requests: %d, want 1 refresh-token exchange", n)
	}
}

// TestInvalidLineFailsAlone shows the demo's per-record error: the article
// for the invalid order line is refused by eAccounting, the valid one in the
// same write is created.
func TestInvalidLineFailsAlone(t *testing.T) {
	s := NewTest(t, Options{})
	ea := openThrough(t, s, eaccounting.New(), connectors.Config{"client_id": Placeholder, "client_secret": Placeholder})
	o, err := ea.Object("articles")
	if err != nil {
		t.Fatal(err)
	}
	w, ok := o.(connectors.Writer)
	if !ok {
		t.Fatal("articles are not writable")
	}
	fields := func(number string) map[string]any {
		return map[string]any{"Number": number, "Name": "Demo", "NetPrice": 49.0, "IsActive": true,
			"CodingId": eaccountingtest.DemoCodingGoods25, "UnitId": eaccountingtest.DemoUnitPiece}
	}
	res := w.Write(t.Context(), []connectors.Write{
		{Action: connectors.Create, Fields: fields(invalidSKU), KeyField: "Number"},
		{Action: connectors.Create, Fields: fields("ART-1007"), KeyField: "Number"},
	})
	if len(res) != 2 {
		t.Fatalf("%d results, want 2", len(res))
	}
	if res[0].Err == nil {
		t.Errorf("article %q (%d characters) was created; eAccounting allows 40", invalidSKU, len(invalidSKU))
	}
	if res[1].Err != nil || res[1].Record.ID == "" {
		t.Errorf("valid article: %v (id %q)", res[1].Err, res[1].Record.ID)
	}
}
