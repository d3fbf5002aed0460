package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/sandbox"
)

// callCounter counts the requests the connectors send, per service and per
// endpoint as the fakes limit them: HubSpot's burst (every request) and
// search budgets, eAccounting's per endpoint (method and path, ids left
// out).
type callCounter struct {
	next      http.RoundTripper
	hubspot   string // host of the HubSpot fake
	mu        sync.Mutex
	hs        int
	hsSearch  int
	ea        int
	endpoints map[string]int
	// took is the time the answers of each endpoint took, summed.
	took map[string]time.Duration
}

func newCallCounter(hubspotURL string) *callCounter {
	u, _ := url.Parse(hubspotURL)
	return &callCounter{next: http.DefaultTransport, hubspot: u.Host, endpoints: map[string]int{}, took: map[string]time.Duration{}}
}

func (c *callCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	switch {
	case req.URL.Host == c.hubspot:
		c.hs++
		c.endpoints["hubspot "+req.Method+" "+req.URL.Path]++
		if strings.HasSuffix(req.URL.Path, "/search") {
			c.hsSearch++
		}
	case strings.HasPrefix(req.URL.Path, "/v2/"):
		c.ea++
		c.endpoints[req.Method+" "+endpoint(req.URL.Path)]++
	}
	c.mu.Unlock()
	start := time.Now()
	resp, err := c.next.RoundTrip(req)
	if strings.HasPrefix(req.URL.Path, "/v2/") {
		c.mu.Lock()
		c.took[req.Method+" "+endpoint(req.URL.Path)] += time.Since(start)
		c.mu.Unlock()
	}
	return resp, err
}

// busiest names the busiest budget's calls, for the log.
func (c *callCounter) busiest() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	top, n := "", 0
	for e, m := range c.endpoints {
		if strings.HasPrefix(e, "hubspot ") {
			continue
		}
		if m > n {
			top, n = e, m
		}
	}
	if os.Getenv("KOPLA_BENCH_TIMELINE") != "" {
		for e, m := range c.endpoints {
			if m > n/10 && !strings.HasPrefix(e, "hubspot ") {
				top += fmt.Sprintf("; %s: %d, answered in %s on average", e, m, (c.took[e] / time.Duration(m)).Round(time.Millisecond))
			}
		}
	}
	return fmt.Sprintf("HubSpot %d calls (%d searches), eAccounting %d calls, the most %d to %s", c.hs, c.hsSearch, c.ea, n, top)
}

func (c *callCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hs, c.hsSearch, c.ea = 0, 0, 0
	c.endpoints = map[string]int{}
	c.took = map[string]time.Duration{}
}

// endpoint is a path with its ids replaced: /v2/orders/{}/convert.
func endpoint(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if i > 1 && strings.ContainsAny(p, "0123456789") { // after /v2
			parts[i] = "{}"
		}
	}
	return strings.Join(parts, "/")
}

// shopLimits are the fakes' limits in the benchmark: HubSpot's real ones
// (the connector paces itself by their headers, and its search pacing is
// fixed), eAccounting's 600 per minute per endpoint scaled by scale, in the
// fake and the client alike.
func shopLimits(scale int) sandbox.Limits {
	return sandbox.Limits{EAccountingPerEndpoint: 600 * scale}
}

// bound is the shortest time the limits allow for the calls counted: that
// of the busiest budget.
func (c *callCounter) bound(scale int) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := max(
		time.Duration(float64(c.hs)/190*float64(10*time.Second)),
		time.Duration(float64(c.hsSearch)/5*float64(time.Second)),
	)
	for e, n := range c.endpoints {
		if strings.HasPrefix(e, "hubspot ") {
			continue // counted in c.hs
		}
		b = max(b, time.Duration(float64(n)/float64(600*scale)*float64(time.Minute)))
	}
	return b
}

// seedShop grows the sandbox's HubSpot demo to at least contacts contacts:
// copies of its contacts, companies, products, orders and line items, with
// their associations, made distinct where HubSpot or the flows need it
// (e-mail, domain, names, SKUs, order names). It returns the number of
// HubSpot records.
func seedShop(tb testing.TB, hs *hubspottest.Server, contacts int) int {
	tb.Helper()
	types := []string{"companies", "contacts", "products", "orders", "line_items"}
	demo := map[string][]hubspottest.Object{}
	for _, t := range types {
		demo[t] = hs.Objects(t)
	}
	copies := int(math.Ceil(float64(contacts)/float64(len(demo["contacts"])))) - 1
	type assoc struct {
		From   string `json:"from"`
		To     string `json:"to"`
		TypeID int    `json:"typeId"`
	}
	type object struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		CreatedAt  time.Time         `json:"createdAt"`
		UpdatedAt  time.Time         `json:"updatedAt"`
	}
	// The demo's associations between the types copied.
	var links []assoc
	for _, pair := range [][2]string{{"orders", "line_items"}, {"orders", "contacts"}, {"orders", "companies"}, {"contacts", "companies"}} {
		for _, from := range demo[pair[0]] {
			for _, to := range demo[pair[1]] {
				for _, typeID := range hs.Associations(pair[0], from.ID, pair[1], to.ID) {
					links = append(links, assoc{pair[0] + "/" + from.ID, pair[1] + "/" + to.ID, typeID})
				}
			}
		}
	}
	seed := struct {
		Objects      map[string][]object `json:"objects"`
		Associations []assoc             `json:"associations"`
	}{Objects: map[string][]object{}}
	records := 0
	for _, t := range types {
		records += len(demo[t])
	}
	for k := 1; k <= copies; k++ {
		id := func(old string) string {
			n, _ := strconv.Atoi(old)
			return strconv.Itoa(k*1_000_000 + n)
		}
		tag := fmt.Sprintf("k%d", k)
		for _, t := range types {
			for _, o := range demo[t] {
				props := make(map[string]string, len(o.Properties))
				for name, v := range o.Properties {
					props[name] = v
				}
				delete(props, "hs_object_id")
				switch t {
				case "contacts":
					props["email"] = tag + "." + props["email"]
					if props["company"] != "" {
						props["company"] += " " + strings.ToUpper(tag)
					}
				case "companies":
					props["name"] += " " + strings.ToUpper(tag)
					props["domain"] = tag + "." + props["domain"]
				case "products", "line_items":
					delete(props, "gtin") // unique, and checked digit by digit
					if props["hs_sku"] != "" {
						props["hs_sku"] += "-" + strings.ToUpper(tag)
					}
					if props["hs_product_id"] != "" {
						props["hs_product_id"] = id(props["hs_product_id"])
					}
				case "orders":
					props["hs_order_name"] += " " + strings.ToUpper(tag)
					if props["hs_external_order_id"] != "" {
						props["hs_external_order_id"] += "-" + strings.ToUpper(tag)
					}
					if props["hs_billing_address_email"] != "" {
						props["hs_billing_address_email"] = tag + "." + props["hs_billing_address_email"]
					}
					if props["hs_billing_address_name"] != "" && props["hs_billing_address_name"] != props["hs_billing_address_firstname"]+" "+props["hs_billing_address_lastname"] {
						props["hs_billing_address_name"] += " " + strings.ToUpper(tag) // a company's name
					}
				}
				seed.Objects[t] = append(seed.Objects[t], object{ID: id(o.ID), Properties: props, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt})
				records++
			}
		}
		for _, l := range links {
			from, fromID, _ := strings.Cut(l.From, "/")
			to, toID, _ := strings.Cut(l.To, "/")
			seed.Associations = append(seed.Associations, assoc{from + "/" + id(fromID), to + "/" + id(toID), l.TypeID})
		}
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(seed); err != nil {
		tb.Fatal(err)
	}
	if err := hs.Seed(&buf); err != nil {
		tb.Fatal(err)
	}
	return records
}

// shopFigures are what a run of the flow library on a seeded shop costs.
type shopFigures struct {
	records                     int // HubSpot records in the shop
	hubspotPerRecord            float64
	eaccountingPerWrite         float64
	boundRatio                  float64
	unchangedHubSpotPerRecord   float64
	unchangedWrites             int
	elapsed, bound, planned     time.Duration
	busiest                     string
	eaccountingWrites, failures int
}

// runShop plans and applies the flow library on a shop of about contacts
// HubSpot contacts, then plans and applies again with nothing changed.
// With pipelined, each run is one engine.PlanAndApply (apply
// -auto-approve), else a plan, then an apply of it (apply FILE, or an
// interactive apply).
func runShop(tb testing.TB, contacts, scale int, pipelined bool) shopFigures {
	tb.Helper()
	w := newWorldOf(tb, sandbox.Options{Limits: shopLimits(scale)})
	w.eaRate = int64(600 * scale)
	var f shopFigures
	f.records = seedShop(tb, w.sb.HubSpot(), contacts)
	calls := newCallCounter(w.sb.HubSpotURL())
	w.httpClient = &http.Client{Transport: calls}

	var planned time.Duration
	run := func() (*plan.Plan, *engine.Result) {
		p := w.project()
		start := time.Now()
		applyStart := start
		var mu sync.Mutex
		timeline := map[string][2]time.Duration{}
		progress := func(flow string, done, total int) {
			mu.Lock()
			defer mu.Unlock()
			t := timeline[flow]
			if t[0] == 0 {
				t[0] = time.Since(applyStart)
			}
			t[1] = time.Since(applyStart)
			timeline[flow] = t
		}
		var (
			pl    *plan.Plan
			res   *engine.Result
			diags hcl.Diagnostics
		)
		aopts := engine.ApplyOptions{State: w.st, Holder: "benchmark", Progress: progress}
		if pipelined {
			pl, res, diags = p.PlanAndApply(tb.Context(), engine.PlanOptions{State: w.st}, aopts, nil)
			planned = 0
		} else {
			pl, diags = p.Plan(tb.Context(), engine.PlanOptions{State: w.st, ForApply: true})
			if diags.HasErrors() {
				tb.Fatalf("plan: %s", diagText(diags))
			}
			planned = time.Since(start)
			applyStart = time.Now()
			res, diags = p.Apply(tb.Context(), pl, aopts)
		}
		if pl != nil {
			tb.Cleanup(func() { pl.Close() })
		}
		if os.Getenv("KOPLA_BENCH_TIMELINE") != "" {
			for flow, t := range timeline {
				tb.Logf("%s: first batch done at %s, last at %s", flow, t[0].Round(time.Millisecond), t[1].Round(time.Millisecond))
			}
		}
		if diags.HasErrors() {
			tb.Fatalf("apply: %s", diagText(diags))
		}
		return pl, res
	}
	calls.reset()
	start := time.Now()
	_, res := run()
	f.elapsed = time.Since(start)
	f.planned = planned
	f.bound = calls.bound(scale)
	f.busiest = calls.busiest()
	for _, fr := range res.Flows {
		if !strings.HasPrefix(fr.Target, "eaccounting.") {
			continue
		}
		for _, r := range fr.Records {
			if r.Action == plan.Create || r.Action == plan.Update {
				f.eaccountingWrites++
			}
		}
	}
	c := res.Counts()
	f.failures = c.Error + c.Blocked
	f.hubspotPerRecord = float64(calls.hs) / float64(f.records)
	f.eaccountingPerWrite = float64(calls.ea) / float64(max(f.eaccountingWrites, 1))
	f.boundRatio = f.elapsed.Seconds() / f.bound.Seconds()

	calls.reset()
	pl, _ := run()
	if os.Getenv("KOPLA_BENCH_TIMELINE") != "" {
		calls.mu.Lock()
		for e, m := range calls.endpoints {
			if strings.HasPrefix(e, "hubspot ") {
				tb.Logf("unchanged run: %s: %d", e, m)
			}
		}
		calls.mu.Unlock()
	}
	f.unchangedHubSpotPerRecord = float64(calls.hs) / float64(f.records)
	u := pl.Counts()
	f.unchangedWrites = u.Create + u.Update
	return f
}

// BenchmarkWebshop runs the flow library (examples/webshop) through the
// engine on the sandbox's demo shop grown to KOPLA_BENCH_SHOP contacts
// (default 1,000; with companies, products, orders and line items in the
// demo's proportions): a first plan and apply, then one with nothing
// changed. HubSpot is at its real limits; eAccounting's 600 requests per
// minute per endpoint are scaled by KOPLA_BENCH_EA_SCALE (default 10) in
// the fake and the client alike. bound-ratio is the first run's elapsed
// time over the time its busiest budget needs.
//
//	go test ./scenario -run '^$' -bench Webshop -benchtime 1x
//	KOPLA_BENCH_SHOP=10000 go test ./scenario -run '^$' -bench Webshop -benchtime 1x -timeout 60m
//
// Its sub-benchmarks run each plan and apply as kopla apply -auto-approve
// does (pipelined: engine.PlanAndApply) and as plan, then apply
// (plan-then-apply: apply FILE, an interactive apply).
func BenchmarkWebshop(b *testing.B) {
	b.Run("pipelined", func(b *testing.B) { benchShop(b, true) })
	b.Run("plan-then-apply", func(b *testing.B) { benchShop(b, false) })
}

func benchShop(b *testing.B, pipelined bool) {
	contacts := envInt(b, "KOPLA_BENCH_SHOP", 1000)
	scale := envInt(b, "KOPLA_BENCH_EA_SCALE", 10)
	var f shopFigures
	for b.Loop() {
		f = runShop(b, contacts, scale, pipelined)
	}
	if f.failures > 0 {
		b.Logf("%d records failed or were blocked in the first run", f.failures)
	}
	b.Logf("%d HubSpot records, %d eAccounting writes, first run %s (the plan %s) against a bound of %s; %s",
		f.records, f.eaccountingWrites, f.elapsed.Round(time.Millisecond), f.planned.Round(time.Millisecond), f.bound.Round(time.Millisecond), f.busiest)
	b.ReportMetric(f.hubspotPerRecord, "hubspot-calls/record")
	b.ReportMetric(f.eaccountingPerWrite, "eaccounting-calls/write")
	b.ReportMetric(f.boundRatio, "bound-ratio")
	b.ReportMetric(f.unchangedHubSpotPerRecord, "unchanged-hubspot-calls/record")
	b.ReportMetric(float64(f.unchangedWrites), "unchanged-writes")
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}
