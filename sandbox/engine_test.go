package sandbox

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// privatePersons is a small project: HubSpot contacts without a company
// become private-person customers in eAccounting, matched by e-mail. Its
// credentials come from env() variables the test does not set.
const privatePersons = `
connection "hubspot" "shop" {
  token = env("HUBSPOT_KOPLA_SANDBOX_E2E_TOKEN")
}

connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_KOPLA_SANDBOX_E2E_ID")
  client_secret = env("EACCOUNTING_KOPLA_SANDBOX_E2E_SECRET")
}

flow "private_persons" {
  source = hubspot.shop.contacts
  target = eaccounting.books.customers
  where  = "source.company == nil && source.country == 'Sweden'"
  key    = "EmailAddress"
  fields {
    EmailAddress      = "source.email"
    Name              = "source.firstname + ' ' + source.lastname"
    InvoiceAddress1   = "source.address"
    InvoicePostalCode = "source.zip"
    InvoiceCity       = "source.city"
    InvoiceCountryCode = "'SE'"
  }
  create_only {
    IsPrivatePerson  = "true"
    IsActive         = "true"
    TermsOfPaymentId = "'` + eaccountingtest.DemoTermsOfPayment30 + `'"
  }
}
`

// TestEngineRunsAgainstSandbox runs plan and apply of a project through the
// engine with the sandbox plugged in, as `kopla apply -sandbox` does.
func TestEngineRunsAgainstSandbox(t *testing.T) {
	s := NewTest(t, Options{})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(privatePersons), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := dsl.Load(dir, dsl.Options{LookupEnv: s.LookupEnv})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{hubspot.New(), eaccounting.New()} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	eng := engine.New(engine.Options{Registry: reg, ConnectionConfig: s.ConnectionConfig, LookupEnv: s.LookupEnv})
	proj, diags := eng.Compile(cfg)
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	st, err := state.Open(t.Context(), filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })

	pl, diags := proj.Plan(t.Context(), engine.PlanOptions{State: st})
	if diags.HasErrors() {
		t.Fatalf("plan: %v", diags)
	}
	// Five Swedish private persons: one is customer 1002 already (same
	// e-mail address), four are new.
	got := map[plan.Action]int{}
	for _, fp := range pl.Flows {
		for ch := range fp.Changes() {
			got[ch.Action]++
		}
		got[plan.NoOp] += fp.NoOps
	}
	if got[plan.Create] != 4 || got[plan.Update]+got[plan.NoOp] != 1 || got[plan.Error] != 0 {
		t.Errorf("plan actions %v; want 4 creates and 1 update or no-op", got)
	}

	res, diags := proj.Apply(t.Context(), pl, engine.ApplyOptions{State: st, Holder: "sandbox test"})
	if diags.HasErrors() {
		t.Fatalf("apply: %v", diags)
	}
	if c := res.Counts(); c.Error != 0 {
		t.Errorf("apply had %d errors", c.Error)
	}
	ea := openThrough(t, s, eaccounting.New(), connectors.Config{"client_id": Placeholder, "client_secret": Placeholder})
	var private []string
	for _, c := range readAll(t, ea, "customers", connectors.ReadRequest{}) {
		if c.Fields["IsPrivatePerson"] == true {
			private = append(private, c.Fields["CustomerNumber"].(string))
		}
	}
	slices.Sort(private)
	if diff := cmp.Diff([]string{"1000", "1002", "1006", "1007", "1008", "1009"}, private); diff != "" {
		t.Errorf("private-person customers after apply (-want +got):\n%s", diff)
	}
}
