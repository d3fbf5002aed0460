package eaccounting

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

const ordersProject = `
variable "client_id" {}
variable "client_secret" {}
variable "refresh_token" {}
variable "base_url" {}
variable "identity_url" {}

connection "memory" "shop" {}

connection "eaccounting" "books" {
  client_id     = var.client_id
  client_secret = var.client_secret
  refresh_token = var.refresh_token
  base_url      = var.base_url
  identity_url  = var.identity_url
  rate_limit    = 60000
}

flow "orders" {
  source = memory.shop.sales
  target = eaccounting.books.orders
  key    = "YourReference"
  mode   = "create"
  fields {
    YourReference = "source.ref"
    CustomerId    = "source.customer"
    CurrencyCode  = "'SEK'"
    OrderDate     = "'2026-03-01'"
    Status        = 2
    Rows = "[{LineNumber: 0, ArticleId: source.article, Quantity: 2, UnitPrice: 100}, {LineNumber: 1, ArticleId: source.extra, Quantity: 1, UnitPrice: 50}]"
  }
}
`

// totalsReads are the reads of customers and articles a plan makes.
func totalsReads(srv *eaccountingtest.Server) int {
	n := 0
	for _, route := range []string{"GET /v2/customers", "GET /v2/customers/{customerId}", "GET /v2/articles", "GET /v2/articles/{articleId}"} {
		n += srv.Requests(route)
	}
	return n
}

// TestPlanTotalsReadsPerBatch: the totals of a plan of n orders read their
// customers and articles once per plan batch, not per order: 2 reads per
// batch, where pricing each order on its own, as plans did, reads 2 per
// order.
func TestPlanTotalsReadsPerBatch(t *testing.T) {
	const n, batch, nCustomers, nArticles = 120, 50, 7, 4
	e := newEnv(t, eaccountingtest.Options{}, nil)
	custs := create(t, e.writer(t, "customers"), "CustomerNumber", customers(1, nCustomers)...)
	var arts []connectors.Record
	for i := range nArticles {
		arts = append(arts, create(t, e.writer(t, "articles"), "Number", article(i+1))...)
	}
	store := connectortest.NewStore()
	store.Define("shop", "sales", connectors.Schema{Fields: []connectors.Field{
		{Name: "ref", Type: connectors.TypeString}, {Name: "customer", Type: connectors.TypeString},
		{Name: "article", Type: connectors.TypeString}, {Name: "extra", Type: connectors.TypeString},
	}})
	recs := make([]connectors.Record, n)
	for i := range recs {
		recs[i] = connectors.Record{ID: fmt.Sprintf("s%03d", i), Fields: map[string]any{
			"ref": fmt.Sprintf("S-%03d", i), "customer": custs[i%nCustomers].ID,
			"article": arts[i%nArticles].ID, "extra": arts[(i+1)%nArticles].ID,
		}}
	}
	store.Put("shop", "sales", recs...)

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(ordersProject), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{New(), connectortest.Factory(store)} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := dsl.Load(dir, dsl.Options{Vars: map[string]string{
		"client_id": e.srv.ClientID(), "client_secret": e.srv.ClientSecret(), "refresh_token": e.srv.IssueRefreshToken(),
		"base_url": e.base + "/v2", "identity_url": e.srv.DirectURL(),
	}})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := engine.New(engine.Options{Registry: reg, BatchSize: batch}).Compile(cfg)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	defer p.Close()

	e.srv.ResetCounters()
	pl, diags := p.Plan(t.Context(), engine.PlanOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	defer pl.Close()
	if c := pl.Counts(); c.Create != n {
		t.Fatalf("plan counts %+v; want %d creates", c, n)
	}
	for ch := range pl.Flow("orders").Changes() {
		if tt := ch.Totals; tt == nil || tt.Error != "" || tt.Unknown || tt.Net != 250 || tt.VAT != 62.5 || tt.Gross != 313 || tt.Currency != "SEK" {
			t.Fatalf("totals of %s: %+v; want net 250, VAT 62.50, gross 313 SEK (rounded to whole kronor)", ch.SourceKey, tt)
		}
	}
	batches := (n + batch - 1) / batch
	reads := totalsReads(e.srv)

	// Before: each document priced on its own, as plans did.
	orders, err := e.conn.Object("orders")
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ResetCounters()
	for _, rec := range recs {
		f := rec.Fields
		doc := map[string]any{"CustomerId": f["customer"], "CurrencyCode": "SEK", "Rows": []any{
			map[string]any{"ArticleId": f["article"], "Quantity": 2.0, "UnitPrice": 100.0},
			map[string]any{"ArticleId": f["extra"], "Quantity": 1.0, "UnitPrice": 50.0},
		}}
		if _, _, err := orders.(connectors.Verifier).ExpectedTotals(t.Context(), doc); err != nil {
			t.Fatal(err)
		}
	}
	alone := totalsReads(e.srv)
	t.Logf("%d orders in %d batches: %d reads of customers and articles (%.3f per order); priced one by one: %d (%.3f per order)",
		n, batches, reads, float64(reads)/n, alone, float64(alone)/n)
	if reads > 2*batches || alone != 2*n {
		t.Errorf("%d reads of customers and articles for %d orders in %d batches; want at most %d (one of each per batch), against %d (want %d) one by one",
			reads, n, batches, 2*batches, alone, 2*n)
	}
}

// TestPreparedTotalsMatch: a document priced from the batch's reads totals
// what it totals priced on its own, and one whose records the batch did
// not read is priced by reading them.
func TestPreparedTotalsMatch(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	custs := create(t, e.writer(t, "customers"), "CustomerNumber", customers(1, 2)...)
	art := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	orders, err := e.conn.Object("orders")
	if err != nil {
		t.Fatal(err)
	}
	doc := func(customer string) map[string]any {
		return map[string]any{"CustomerId": customer, "CurrencyCode": "SEK", "Rows": []any{
			map[string]any{"ArticleId": art.ID, "Quantity": 3.0, "UnitPrice": 80.0, "DiscountPercentage": 0.1},
		}}
	}
	s := orders.(*salesObject)
	alone, ok, err := s.ExpectedTotals(t.Context(), doc(custs[0].ID))
	if err != nil || !ok {
		t.Fatalf("ExpectedTotals: %v, %v", ok, err)
	}
	prepared, err := s.PrepareTotals(t.Context(), []map[string]any{doc(custs[0].ID), doc("missing-customer")})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.ResetCounters()
	got, ok, err := prepared.ExpectedTotals(t.Context(), doc(custs[0].ID))
	if err != nil || !ok || got != alone {
		t.Errorf("prepared totals %+v (%v, %v); want %+v", got, ok, err, alone)
	}
	if n := totalsReads(e.srv); n != 0 {
		t.Errorf("%d reads pricing a prepared document; want none", n)
	}
	if _, _, err := prepared.ExpectedTotals(t.Context(), doc("missing-customer")); err == nil {
		t.Error("a document of a customer that does not exist was priced; want an error")
	}
	if got, _, err := prepared.ExpectedTotals(t.Context(), doc(custs[1].ID)); err != nil || got.Net != alone.Net {
		t.Errorf("totals of a document the batch did not read: %+v, %v; want net %.2f", got, err, alone.Net)
	}
	if n := totalsReads(e.srv); n != 1 {
		t.Errorf("%d reads pricing a document the batch did not read; want 1 (its customer)", n)
	}
}
