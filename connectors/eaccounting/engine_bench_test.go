package eaccounting

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

const customersProject = `
variable "client_id" {}
variable "client_secret" {}
variable "refresh_token" {}
variable "base_url" {}
variable "identity_url" {}
variable "rate_limit" {}
variable "terms" {}

connection "memory" "crm" {}

connection "eaccounting" "books" {
  client_id     = var.client_id
  client_secret = var.client_secret
  refresh_token = var.refresh_token
  base_url      = var.base_url
  identity_url  = var.identity_url
  rate_limit    = var.rate_limit
}

flow "customers" {
  source = memory.crm.people
  target = eaccounting.books.customers
  key    = "CustomerNumber"
  fields {
    CustomerNumber    = "source.number"
    Name              = "source.name"
    EmailAddress      = "lower(source.email)"
    InvoiceCity       = "source.city"
    InvoicePostalCode = "source.zip"
    IsActive          = "true"
    IsPrivatePerson   = "false"
    TermsOfPaymentId  = "var.terms"
  }
}
`

// engineFigures are what plan+apply of n customers costs through the engine.
type engineFigures struct {
	callsFirst, callsUnchanged, writesUnchanged, boundRatio float64
}

// apiRequests counts the requests to the API (the identity server aside).
func apiRequests(srv *eaccountingtest.Server) int {
	return srv.Requests("*") - srv.Requests("POST /connect/token")
}

// customersRun is the customers project on a fake company, through the
// engine.
type customersRun struct {
	tb    testing.TB
	srv   *eaccountingtest.Server
	base  string
	store *connectortest.Store
	p     *engine.Project
	st    *state.Store
	dir   string
}

// newCustomersRun seeds n source people and compiles the project, with the
// fake and the client at perMinute requests per minute per endpoint.
func newCustomersRun(tb testing.TB, n, perMinute int) *customersRun {
	tb.Helper()
	ctx := context.Background()
	srv, base := eaccountingtest.NewTestServer(tb, eaccountingtest.Options{RateLimit: perMinute})
	if err := srv.SeedDemoCompany(); err != nil {
		tb.Fatal(err)
	}
	store := connectortest.NewStore()
	store.Define("crm", "people", connectors.Schema{Fields: []connectors.Field{
		{Name: "number", Type: connectors.TypeString}, {Name: "name", Type: connectors.TypeString},
		{Name: "email", Type: connectors.TypeString}, {Name: "city", Type: connectors.TypeString},
		{Name: "zip", Type: connectors.TypeString},
	}})
	store.SetPageSize(1000)
	recs := make([]connectors.Record, n)
	for i := range recs {
		recs[i] = connectors.Record{ID: fmt.Sprintf("p%d", i), Fields: map[string]any{
			"number": fmt.Sprintf("C%05d", i), "name": fmt.Sprintf("Customer %d AB", i),
			"email": fmt.Sprintf("Billing%d@Example.com", i), "city": "Stockholm", "zip": "11122",
		}}
	}
	store.Put("crm", "people", recs...)

	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(customersProject), 0o644); err != nil {
		tb.Fatal(err)
	}
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{New(), connectortest.Factory(store)} {
		if err := reg.Register(f); err != nil {
			tb.Fatal(err)
		}
	}
	// The identity server is in no API description: it is reached past the
	// contract proxy when one is in front (contract-check).
	cfg, diags := dsl.Load(dir, dsl.Options{Vars: map[string]string{
		"client_id": srv.ClientID(), "client_secret": srv.ClientSecret(), "refresh_token": srv.IssueRefreshToken(),
		"base_url": base + "/v2", "identity_url": srv.DirectURL(), "rate_limit": fmt.Sprint(perMinute),
		"terms": eaccountingtest.DemoTermsOfPayment30,
	}})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	p, diags := engine.New(engine.Options{Registry: reg}).Compile(cfg)
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	tb.Cleanup(func() { p.Close() })
	st, err := state.Open(ctx, filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return &customersRun{tb: tb, srv: srv, base: base, store: store, p: p, st: st, dir: dir}
}

// plan plans the project, reading its source in full: an unchanged run
// read from its cursor would read nothing, and measure no matching.
func (r *customersRun) plan() *plan.Plan {
	r.tb.Helper()
	pl, diags := r.p.Plan(context.Background(), engine.PlanOptions{State: r.st, ForApply: true, Full: true})
	if diags.HasErrors() {
		r.tb.Fatal(diags)
	}
	r.tb.Cleanup(func() { pl.Close() })
	return pl
}

// apply applies pl, which every record must pass.
func (r *customersRun) apply(pl *plan.Plan, saved bool) {
	r.tb.Helper()
	res, diags := r.p.Apply(context.Background(), pl, engine.ApplyOptions{State: r.st, Saved: saved})
	if diags.HasErrors() {
		r.tb.Fatal(diags)
	}
	if c := res.Counts(); c.Error+c.Blocked > 0 {
		r.tb.Fatalf("apply counts %+v", c)
	}
}

// run plans and applies, and returns the plan's counts.
func (r *customersRun) run() plan.Counts {
	r.tb.Helper()
	pl := r.plan()
	r.apply(pl, false)
	return pl.Counts()
}

// planApplyCustomers plans and applies n new customers into an empty
// company, then plans and applies again with nothing changed, with the fake
// and the client at perMinute requests per minute per endpoint.
func planApplyCustomers(tb testing.TB, n, perMinute int) engineFigures {
	tb.Helper()
	r := newCustomersRun(tb, n, perMinute)
	srv := r.srv
	srv.ResetCounters()
	start := time.Now()
	if c := r.run(); c.Create != n {
		tb.Fatalf("first plan: %+v; want %d creates", c, n)
	}
	elapsed := time.Since(start)
	var f engineFigures
	f.callsFirst = float64(apiRequests(srv)) / float64(n)
	busiest := srv.Requests("POST /v2/customers")
	bound := float64(busiest) / float64(perMinute) * 60
	f.boundRatio = elapsed.Seconds() / bound

	srv.ResetCounters()
	if c := r.run(); c.Changes() || c.NoOp != n {
		tb.Fatalf("second plan: %+v; want %d unchanged", c, n)
	}
	f.callsUnchanged = float64(apiRequests(srv)) / float64(n)
	f.writesUnchanged = float64(srv.Requests("POST /v2/customers") + srv.Requests("PUT /v2/customers/{customerId}"))
	return f
}

// TestPlanApplyCustomersBudget keeps the engine-level call counts below
// their targets at a rate limit high enough to take no time.
func TestPlanApplyCustomersBudget(t *testing.T) {
	f := planApplyCustomers(t, 1000, 600*10000)
	if f.callsFirst > 1.03 || f.callsUnchanged > 0.01 || f.writesUnchanged != 0 {
		t.Errorf("calls/record first %.4f (<= 1.03), unchanged %.4f (<= 0.01), writes unchanged %v (0)", f.callsFirst, f.callsUnchanged, f.writesUnchanged)
	}
}

// BenchmarkCreateCustomers plans and applies 1,000 customers into an empty
// fake through the engine, then again unchanged. bound-ratio is the first
// pass's elapsed time over the time the busiest endpoint's calls need at
// the rate limit (600 per minute scaled up 100 times, in the fake and in
// the client alike).
//
//	go test ./connectors/eaccounting -run '^$' -bench CreateCustomers -benchtime 3x
func BenchmarkCreateCustomers(b *testing.B) {
	var sum engineFigures
	runs := 0
	for b.Loop() {
		f := planApplyCustomers(b, 1000, 600*100)
		sum.callsFirst += f.callsFirst
		sum.callsUnchanged += f.callsUnchanged
		sum.writesUnchanged += f.writesUnchanged
		sum.boundRatio += f.boundRatio
		runs++
	}
	r := float64(runs)
	b.ReportMetric(sum.callsFirst/r, "calls/record-first")
	b.ReportMetric(sum.callsUnchanged/r, "calls/record-unchanged")
	b.ReportMetric(sum.writesUnchanged/r, "writes-unchanged")
	b.ReportMetric(sum.boundRatio/r, "bound-ratio")
}
