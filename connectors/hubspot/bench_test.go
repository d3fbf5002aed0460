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

// upsertFigures are what an upsert of n records by their key costs: what a
// plan and an apply of n new records ask of the connector, then what a
// second plan asks when nothing changed.
type upsertFigures struct {
	callsFirst, callsUnchanged float64 // API calls per record
	writesUnchanged            int     // write requests of the second run
	boundRatio                 float64 // elapsed / the largest per-budget bound
}

// upsertCase is an object the upsert benchmarks write.
type upsertCase struct {
	object, key string
	// record returns the fields of the i-th record; setup, when set, runs
	// first, before the counters start (the orders line items belong to),
	// and its result is handed to record.
	record func(i int, setup []string) map[string]any
	setup  func(tb testing.TB, conn connectors.Connector, n int) []string
}

func routesOf(object string) string { return "/crm/objects/2026-03/" + object }

var productsCase = upsertCase{object: "products", key: "hs_sku", record: func(i int, _ []string) map[string]any {
	sku := fmt.Sprintf("ART-%05d", i)
	return map[string]any{"hs_sku": sku, "name": "Produkt " + sku, "price": float64(100 + i%900)}
}}

// contactsCase upserts contacts by email, a unique property: creates go out
// as batch upserts.
var contactsCase = upsertCase{object: "contacts", key: "email", record: func(i int, _ []string) map[string]any {
	return map[string]any{"email": fmt.Sprintf("kund%05d@example.com", i), "firstname": "Kund", "lastname": strconv.Itoa(i)}
}}

// lineItemsCase creates line items associated with orders (four lines per
// order), found by a SKU of their own: creates with associations go out as
// batch creates, the associations inline.
var lineItemsCase = upsertCase{object: "line_items", key: "hs_sku",
	setup: func(tb testing.TB, conn connectors.Connector, n int) []string {
		obj, err := conn.Object("orders")
		if err != nil {
			tb.Fatal(err)
		}
		writes := make([]connectors.Write, (n+3)/4)
		for i := range writes {
			writes[i] = connectors.Write{Action: connectors.Create, Fields: map[string]any{"hs_order_name": fmt.Sprintf("Order %d", i)}}
		}
		ids := make([]string, len(writes))
		for i, r := range obj.(connectors.Writer).Write(tb.Context(), writes) {
			if r.Err != nil {
				tb.Fatalf("create order %d: %v", i, r.Err)
			}
			ids[i] = r.Record.ID
		}
		return ids
	},
	record: func(i int, orders []string) map[string]any {
		return map[string]any{"hs_sku": fmt.Sprintf("LINE-%05d", i), "name": "Rad " + strconv.Itoa(i), "quantity": float64(1 + i%3),
			"price": float64(100 + i%900), "associate_orders": []any{orders[i/4]}}
	}}

// upsertProducts is upsert of productsCase.
func upsertProducts(tb testing.TB, n int, limits hubspottest.Limits) upsertFigures {
	return upsert(tb, productsCase, n, limits)
}

// upsert finds n keys in an empty account, creates the records, then finds
// them again, against a fake HubSpot with the given limits and a connector
// that paces itself to HubSpot's published ones.
func upsert(tb testing.TB, uc upsertCase, n int, limits hubspottest.Limits) upsertFigures {
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
	obj, err := conn.Object(uc.object)
	if err != nil {
		tb.Fatal(err)
	}
	var setup []string
	if uc.setup != nil {
		setup = uc.setup(tb, conn, n)
	}
	finder, writer := obj.(connectors.Finder), obj.(connectors.Writer)
	keys := make([]any, n)
	writes := make([]connectors.Write, n)
	for i := range n {
		fields := uc.record(i, setup)
		keys[i] = fields[uc.key]
		writes[i] = connectors.Write{Action: connectors.Create, KeyField: uc.key, Fields: fields}
	}
	routes := routesOf(uc.object)

	srv.ResetCounters()
	start := time.Now()
	found, err := finder.Find(tb.Context(), uc.key, keys)
	if err != nil || len(found) != 0 {
		tb.Fatalf("Find in an empty account = %d records, %v", len(found), err)
	}
	for i, r := range writer.Write(tb.Context(), writes) {
		if r.Err != nil {
			tb.Fatalf("create %d: %v", i, r.Err)
		}
	}
	elapsed := time.Since(start)
	if srv.Requests("POST "+routes+"/batch/create")+srv.Requests("POST "+routes+"/batch/upsert") == 0 {
		tb.Fatalf("no %s batch create or upsert counted: the counters' route names changed", uc.object)
	}
	var fig upsertFigures
	total := srv.Requests("*")
	fig.callsFirst = float64(total) / float64(n)
	fig.boundRatio = elapsed.Seconds() / bound(srv, routes, total, limits).Seconds()

	srv.ResetCounters()
	found, err = finder.Find(tb.Context(), uc.key, keys)
	if err != nil || len(found) != n {
		tb.Fatalf("Find of %d existing = %d records, %v", n, len(found), err)
	}
	fig.callsUnchanged = float64(srv.Requests("*")) / float64(n)
	for _, w := range []string{"batch/create", "batch/update", "batch/upsert"} {
		fig.writesUnchanged += srv.Requests("POST " + routes + "/" + w)
	}
	return fig
}

// bound is the shortest time HubSpot's limits allow for the requests made:
// that of the busiest budget (searches, or all requests in the burst window).
func bound(srv *hubspottest.Server, routes string, total int, l hubspottest.Limits) time.Duration {
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
	searches := srv.Requests("POST " + routes + "/search")
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

// benchSize reads a benchmark's size from env, n when it is not set.
func benchSize(b *testing.B, env string, n int) int {
	if s := os.Getenv(env); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("%s=%q: want a number of records", env, s)
		}
	}
	return n
}

// benchUpsert runs uc at HubSpot's real limits and reports its figures.
func benchUpsert(b *testing.B, uc upsertCase, n int) {
	var f upsertFigures
	for b.Loop() {
		f = upsert(b, uc, n, hubspottest.Limits{})
	}
	b.ReportMetric(f.callsFirst, "calls/record-first")
	b.ReportMetric(f.callsUnchanged, "calls/record-unchanged")
	b.ReportMetric(float64(f.writesUnchanged), "writes-unchanged")
	b.ReportMetric(f.boundRatio, "bound-ratio")
}

// TestUpsertCallBudgets is TestUpsertProductsCallBudget for the contacts
// and line items of the other benchmarks.
func TestUpsertCallBudgets(t *testing.T) {
	for _, uc := range []upsertCase{contactsCase, lineItemsCase} {
		f := upsert(t, uc, 1000, hubspottest.Limits{Burst: 1 << 20, Search: 1 << 20, Daily: -1})
		if f.callsFirst > 0.021 || f.callsUnchanged > 0.011 || f.writesUnchanged != 0 {
			t.Errorf("upsert of 1000 %s: %.3f calls/record first, %.3f unchanged, %d writes unchanged; want <= 0.021, <= 0.011, 0",
				uc.object, f.callsFirst, f.callsUnchanged, f.writesUnchanged)
		}
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
	benchUpsert(b, productsCase, benchSize(b, "KOPLA_BENCH_PRODUCTS", 10000))
}

// BenchmarkUpsertContacts is BenchmarkUpsertProducts for contacts by
// email (KOPLA_BENCH_CONTACTS, default 10,000).
func BenchmarkUpsertContacts(b *testing.B) {
	benchUpsert(b, contactsCase, benchSize(b, "KOPLA_BENCH_CONTACTS", 10000))
}

// BenchmarkCreateLineItems is BenchmarkUpsertProducts for line items
// associated with orders, four to an order (KOPLA_BENCH_LINE_ITEMS, default
// 10,000); the orders are created before the clock starts.
func BenchmarkCreateLineItems(b *testing.B) {
	benchUpsert(b, lineItemsCase, benchSize(b, "KOPLA_BENCH_LINE_ITEMS", 10000))
}
