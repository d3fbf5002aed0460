package scenario

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine/plan"
)

// attemptTimeout gives up on the first request of one method and path
// after d, as the eAccounting client's attempt timeout does (a minute in
// real use, too long for a test): no answer, while the server may go on
// with it.
type attemptTimeout struct {
	method, path string
	d            time.Duration
	hit          atomic.Bool
}

func (a *attemptTimeout) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != a.method || !strings.HasSuffix(req.URL.Path, a.path) || a.hit.Swap(true) {
		return http.DefaultTransport.RoundTrip(req)
	}
	ctx, cancel := context.WithTimeout(req.Context(), a.d)
	resp, err := http.DefaultTransport.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	defer c.cancel()
	return c.ReadCloser.Close()
}

// TestLostCreateCommittedLate: eAccounting commits a create only after
// kopla stopped waiting for its answer, and the next apply runs before the
// commit is visible. The record must wait (not be planned or sent as a new
// create), and be linked once it shows: one customer (no 409), one order
// (no double booking), booked as a run without the fault books it.
func TestLostCreateCommittedLate(t *testing.T) {
	calm := newWorld(t)
	calm.seedBuyer()
	if _, res := calm.apply(); res.Counts().Error+res.Counts().Blocked > 0 {
		t.Fatalf("the run without faults: %+v", res.Counts())
	}
	want := booked(calm)
	wantCustomers := len(calm.read("eaccounting", "customers"))

	for _, tt := range []struct {
		name, path, flow, source string
	}{
		{"customer", "/v2/customers", "contacts_to_customers", "1950"},
		{"order", "/v2/orders", ordersFlow, "4950"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.apply()
			// A new buyer and order: the only create of its kind in the
			// next apply.
			w.seedBuyer()
			ea := w.sb.EAccounting()
			// The create is received at once but committed 1.5 s later;
			// kopla gives up on its answer after 300 ms. A create sent to
			// the same collection meanwhile waits for that commit, as on a
			// store's locks.
			ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: tt.path, CommitDelay: 1500 * time.Millisecond, DropAfterCommit: true})
			w.httpClient = &http.Client{Transport: &attemptTimeout{method: http.MethodPost, path: tt.path, d: 300 * time.Millisecond}}

			_, res := w.apply()
			if r := results(res, tt.flow)[tt.source]; r == nil || r.Action != plan.Error || !strings.Contains(r.Error, "may still be committing") {
				t.Errorf("first apply: %s %s is %+v; want its create lost while eAccounting commits it, not sent again", tt.flow, tt.source, r)
			}

			// At once again, before eAccounting committed it: the record
			// waits, in the plan and in the apply.
			pl, res := w.apply()
			if a, why := actionOf(pl, tt.flow, tt.source); a != plan.Waiting || !strings.Contains(why, "may still be committing") {
				t.Errorf("second plan: %s %s is %s (%s); want waiting", tt.flow, tt.source, a, why)
			}
			if a, why := actionOf(pl, ordersFlow, "4950"); a != plan.Waiting {
				t.Errorf("second plan: order 4950 is %s (%s); want waiting, for itself or its customer", a, why)
			}
			if c := pl.Counts(); c.Create > 0 {
				t.Errorf("second plan counts = %+v; want nothing to create", c)
			}
			if c := res.Counts(); c.Error+c.Create > 0 {
				t.Errorf("second apply counts = %+v; want no errors and nothing created", c)
			}

			ea.WaitCommits()
			_, res = w.apply()
			if c := res.Counts(); c.Error+c.Blocked+c.Waiting > 0 {
				t.Errorf("apply after the commit: %+v; want everything written", c)
			}
			if c := w.planCounts(); c.Create > 0 || c.Waiting+c.Error > 0 {
				t.Errorf("plan after the commit was linked: %+v; want nothing to create", c)
			}

			orders := map[string]int{}
			for _, o := range w.read("eaccounting", "orders") {
				if ref, _ := o["YourReference"].(string); strings.HasPrefix(ref, "HS-") {
					orders[ref]++
				}
			}
			for ref, n := range orders {
				if n > 1 {
					t.Errorf("order %s is booked %d times", ref, n)
				}
			}
			if got := len(w.read("eaccounting", "customers")); got != wantCustomers {
				t.Errorf("eAccounting holds %d customers; a run without faults makes %d", got, wantCustomers)
			}
			// Net, VAT, total, currency, debtor and terms as without the
			// fault.
			if diff := cmp.Diff(want, booked(w)); diff != "" {
				t.Errorf("orders booked without the fault (-) and with it (+):\n%s", diff)
			}
		})
	}
}

// seedBuyer adds a HubSpot contact (1950) and a paid order of it (4950)
// that the demo data does not have.
func (w *world) seedBuyer() {
	w.t.Helper()
	w.seedHubSpot(map[string]any{
		"objects": map[string]any{
			"contacts": []map[string]any{{"id": "1950", "properties": map[string]any{
				"firstname": "Mira", "lastname": "Sundqvist", "email": "mira.sundqvist@example.com",
				"address": "Storgatan 1", "city": "Umeå", "zip": "903 26", "country": "Sweden", "lifecyclestage": "customer",
			}}},
			"orders": []map[string]any{{"id": "4950", "properties": map[string]any{
				"hs_payment_status": "paid", "hs_currency_code": "SEK", "hs_order_name": "Webborder 4950",
				"hs_billing_address_country": "SE", "hs_external_created_date": "2026-03-01T10:00:00Z",
			}}},
			"line_items": []map[string]any{{"id": "4950-a", "properties": map[string]any{
				"hs_sku": "ART-1023", "name": "Pannlampa 300 lm", "quantity": "2", "price": "249",
			}}},
		},
		"associations": []map[string]any{
			{"from": "orders/4950", "to": "contacts/1950", "typeId": 507},
			{"from": "orders/4950", "to": "line_items/4950-a", "typeId": 513},
		},
	})
}

// actionOf returns what the plan does with a flow's source record, and why.
func actionOf(pl *plan.Plan, flow, sourceKey string) (plan.Action, string) {
	if fp := pl.Flow(flow); fp != nil {
		for ch := range fp.Changes() {
			if ch.SourceKey == sourceKey {
				return ch.Action, ch.Reason
			}
		}
	}
	return "", "not in the plan"
}

// planCounts plans the project and returns its counts.
func (w *world) planCounts() plan.Counts {
	w.t.Helper()
	_, pl := w.plan()
	return pl.Counts()
}
