package hubspot_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
)

// upsertFigures are what an upsert of n products by SKU costs: what a plan
// and an apply of n new products ask of the connector, then what a second
// plan asks when nothing changed.
type upsertFigures struct {
	callsFirst, callsUnchanged float64 // API calls per record
	writesUnchanged            int     // write requests of the second run
	boundRatio                 float64 // elapsed / the largest per-budget bound
}

const productRoutes = "/crm/objects/2026-03/products"

// upsertProducts finds n SKUs in an empty account, creates the products,
// then finds them again, against a fake HubSpot with the given limits and a
// connector that paces itself to HubSpot's published ones.
func upsertProducts(tb testing.TB, n int, limits hubspottest.Limits) upsertFigures {
	tb.Helper()
	srv := hubspottest.New(hubspottest.Options{Limits: limits})
	ts := httptest.NewServer(srv)
	tb.Cleanup(ts.Close)
	f := hubspot.New()
	cfg := connectors.Config{"token": srv.Token(), "base_url": ts.URL, "api_version": "2026-03"}
	deps := connectors.Deps{Name: "shop", StateDir: tb.TempDir()}
	conn, err := f.New(tb.Context(), cfg, deps)
	if err != nil {
		tb.Fatal(err)
	}
	obj, err := conn.Object("products")
	if err != nil {
		tb.Fatal(err)
	}
	finder, writer := obj.(connectors.Finder), obj.(connectors.Writer)
	skus := make([]any, n)
	writes := make([]connectors.Write, n)
	for i := range n {
		sku := fmt.Sprintf("ART-%05d", i)
		skus[i] = sku
		writes[i] = connectors.Write{Action: connectors.Create, KeyField: "hs_sku", Fields: map[string]any{
			"hs_sku": sku, "name": "Produkt " + sku, "price": float64(100 + i%900),
		}}
	}

	srv.ResetCounters()
	start := time.Now()
	found, err := finder.Find(tb.Context(), "hs_sku", skus)
	if err != nil || len(found) != 0 {
		tb.Fatalf("Find in an empty account = %d records, %v", len(found), err)
	}
	for i, r := range writer.Write(tb.Context(), writes) {
		if r.Err != nil {
			tb.Fatalf("create %d: %v", i, r.Err)
		}
	}
	elapsed := time.Since(start)
	if srv.Requests("POST "+productRoutes+"/batch/create") == 0 {
		tb.Fatal("no product batch create counted: the counters' route names changed")
	}
	var fig upsertFigures
	total := srv.Requests("*")
	fig.callsFirst = float64(total) / float64(n)
	fig.boundRatio = elapsed.Seconds() / bound(srv, total, limits).Seconds()

	srv.ResetCounters()
	found, err = finder.Find(tb.Context(), "hs_sku", skus)
	if err != nil || len(found) != n {
		tb.Fatalf("Find of %d existing = %d records, %v", n, len(found), err)
	}
	fig.callsUnchanged = float64(srv.Requests("*")) / float64(n)
	for _, w := range []string{"batch/create", "batch/update", "batch/upsert"} {
		fig.writesUnchanged += srv.Requests("POST " + productRoutes + "/" + w)
	}
	return fig
}

// bound is the shortest time HubSpot's limits allow for the requests made:
// that of the busiest budget (searches, or all requests in the burst window).
func bound(srv *hubspottest.Server, total int, l hubspottest.Limits) time.Duration {
	burst, window, search, searchWindow := l.Burst, l.Window, l.Search, l.SearchWindow
	if burst == 0 {
		burst = 190
	}
	if window == 0 {
		window = 10 * time.Second
	}
	if search == 0 {
		search = 5
	}
	if searchWindow == 0 {
		searchWindow = time.Second
	}
	searches := srv.Requests("POST " + productRoutes + "/search")
	return max(
		time.Duration(float64(total)/float64(burst)*float64(window)),
		time.Duration(float64(searches)/float64(search)*float64(searchWindow)),
	)
}

// TestUpsertProductsCallBudget keeps the call counts of the benchmark below
// the targets of the scale issue, at limits high enough to take no time.
func TestUpsertProductsCallBudget(t *testing.T) {
	f := upsertProducts(t, 1000, hubspottest.Limits{Burst: 1 << 20, Search: 1 << 20, Daily: -1})
	if f.callsFirst > 0.021 || f.callsUnchanged > 0.011 || f.writesUnchanged != 0 {
		t.Errorf("upsert of 1000 products: %.3f calls/record first, %.3f unchanged, %d writes unchanged; want <= 0.021, <= 0.011, 0",
			f.callsFirst, f.callsUnchanged, f.writesUnchanged)
	}
}

// BenchmarkUpsertProducts upserts products by hs_sku at HubSpot's real
// limits (Professional private app: 190 requests per 10 s, 5 searches per
// second) and reports calls per record and elapsed time against the bound
// those limits set. 10,000 products take about 20 s an iteration; set
// KOPLA_BENCH_PRODUCTS for another size:
//
//	go test ./connectors/hubspot -run '^$' -bench UpsertProducts -benchtime 1x
func BenchmarkUpsertProducts(b *testing.B) {
	n := 10000
	if s := os.Getenv("KOPLA_BENCH_PRODUCTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("KOPLA_BENCH_PRODUCTS=%q: want a number of products", s)
		}
	}
	var f upsertFigures
	for b.Loop() {
		f = upsertProducts(b, n, hubspottest.Limits{})
	}
	b.ReportMetric(f.callsFirst, "calls/record-first")
	b.ReportMetric(f.callsUnchanged, "calls/record-unchanged")
	b.ReportMetric(float64(f.writesUnchanged), "writes-unchanged")
	b.ReportMetric(f.boundRatio, "bound-ratio")
}
