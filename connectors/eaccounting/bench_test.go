package eaccounting

import (
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// syncFigures are what one find-and-create run of n customers costs.
type syncFigures struct {
	callsFirst     float64 // API calls per record: find n keys in an empty company, create n
	callsUnchanged float64 // API calls per record: find the n again, all existing
	boundRatio     float64 // elapsed / (calls on the busiest endpoint / rate limit)
}

// apiCalls sums the requests to the customer endpoints.
func apiCalls(srv *eaccountingtest.Server) (total, busiest int) {
	for _, route := range []string{"GET /v2/customers", "POST /v2/customers", "GET /v2/customers/{customerId}", "PUT /v2/customers/{customerId}"} {
		n := srv.Requests(route)
		total += n
		busiest = max(busiest, n)
	}
	return total, busiest
}

// findAndCreate runs what a plan and an apply of n new customers ask of
// the connector, then what a second plan asks, with the fake and the client
// both at perMinute requests per minute per endpoint.
func findAndCreate(tb testing.TB, n int, perMinute int) syncFigures {
	tb.Helper()
	e := newEnv(tb, eaccountingtest.Options{RateLimit: perMinute}, connectors.Config{"rate_limit": int64(perMinute)})
	if err := companySettings(tb, e.conn); err != nil { // log in outside the measurement
		tb.Fatal(err)
	}
	obj := e.writer(tb, "customers")
	values := make([]any, n)
	writes := make([]connectors.Write, n)
	for i := range n {
		c := customer(i)
		values[i] = c["CustomerNumber"]
		writes[i] = connectors.Write{Action: connectors.Create, Fields: c, KeyField: "CustomerNumber"}
	}

	e.srv.ResetCounters()
	start := time.Now()
	found, err := obj.Find(tb.Context(), "CustomerNumber", values)
	if err != nil || len(found) != 0 {
		tb.Fatalf("Find in an empty company = %d records, %v", len(found), err)
	}
	for i, r := range obj.Write(tb.Context(), writes) {
		if r.Err != nil {
			tb.Fatalf("create %d: %v", i, r.Err)
		}
	}
	elapsed := time.Since(start)
	total, busiest := apiCalls(e.srv)
	var f syncFigures
	f.callsFirst = float64(total) / float64(n)
	bound := time.Duration(float64(busiest) / float64(perMinute) * float64(time.Minute))
	f.boundRatio = elapsed.Seconds() / bound.Seconds()
	if r := e.srv.Requests("*") - total; r != 0 {
		tb.Errorf("%d requests outside the customer endpoints (429s or refreshes?)", r)
	}

	e.srv.ResetCounters()
	found, err = obj.Find(tb.Context(), "CustomerNumber", values)
	if err != nil || len(found) != n {
		tb.Fatalf("Find of %d existing = %d records, %v", n, len(found), err)
	}
	total, _ = apiCalls(e.srv)
	f.callsUnchanged = float64(total) / float64(n)
	return f
}

// TestFindAndCreateCallBudget keeps the call counts of the benchmark
// below their targets, at a rate limit high enough to take no time.
func TestFindAndCreateCallBudget(t *testing.T) {
	f := findAndCreate(t, 1000, 600*10000)
	if f.callsFirst > 1.03 {
		t.Errorf("calls/record finding and creating 1000 = %.4f; want <= 1.03", f.callsFirst)
	}
	if f.callsUnchanged > 0.01 {
		t.Errorf("calls/record finding 1000 existing = %.4f; want <= 0.01", f.callsUnchanged)
	}
}

// BenchmarkFindAndCreateCustomers measures 1,000 customers into an empty
// fake: calls per record for the first run and for an unchanged rerun, and
// how close the creates come to the per-endpoint rate limit (600 per
// minute scaled up 100 times, in the fake and in the client alike).
func BenchmarkFindAndCreateCustomers(b *testing.B) {
	var sum syncFigures
	runs := 0
	for b.Loop() {
		f := findAndCreate(b, 1000, 600*100)
		sum.callsFirst += f.callsFirst
		sum.callsUnchanged += f.callsUnchanged
		sum.boundRatio += f.boundRatio
		runs++
	}
	b.ReportMetric(sum.callsFirst/float64(runs), "calls/record-first")
	b.ReportMetric(sum.callsUnchanged/float64(runs), "calls/record-unchanged")
	b.ReportMetric(sum.boundRatio/float64(runs), "bound-ratio")
}
