package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/sandbox"
)

// TestPollingPicksUpStockChange: a stock change in the eAccounting fake
// reaches the HubSpot product within one poll interval (plus the run).
func TestPollingPicksUpStockChange(t *testing.T) {
	const interval = time.Second
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{"stock"},
		Poll: PollOptions{Interval: interval, Active: interval, Share: 1}})
	h.start()
	first := h.waitRun(30 * time.Second) // the first poll reads every article
	if first.Err != nil || first.Trigger != "sweep" {
		t.Fatalf("first poll run: %+v", first)
	}
	var list struct{ Data []map[string]any }
	h.eaDo(http.MethodGet, "/articles?$pagesize=1000", nil, &list)
	var art map[string]any
	for _, a := range list.Data {
		if a["IsStock"] == true && a["IsActive"] == true {
			art = a
			break
		}
	}
	if art == nil {
		t.Fatal("the demo has no stock article")
	}
	drain(h.runs)
	art["StockBalance"] = 777.0
	changed := time.Now()
	h.eaDo(http.MethodPut, "/articles/"+art["Id"].(string), art, nil)
	deadline := time.After(30 * time.Second)
	for {
		select {
		case r := <-h.runs:
			if r.Err != nil {
				t.Fatalf("poll run: %v", r.Err)
			}
			if r.Counts["update"] == 0 {
				continue
			}
			lat := time.Since(changed)
			t.Logf("stock change picked up in %v (poll interval %v, run %v)", lat, interval, r.Ended.Sub(r.Started))
			if max := interval + r.Ended.Sub(r.Started) + time.Second; lat > max {
				t.Errorf("picked up after %v; want within one poll interval and the run (%v)", lat, max)
			}
			id := h.link("stock", art["Id"].(string))
			props, ok := h.sb.HubSpot().Object("products", id)
			if !ok || props["stock_quantity"] != "777" {
				t.Errorf("HubSpot product %s stock_quantity %q; want 777", id, props["stock_quantity"])
			}
			return
		case <-deadline:
			t.Fatalf("the stock change was not picked up in 30s; log:\n%s", h.logs.String())
		}
	}
}

func drain(c chan RunReport) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

// eaDo calls the eAccounting fake's API.
func (h *harness) eaDo(method, path string, body, out any) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, h.sb.EAccountingURL()+path, r)
	req.Header.Set("Authorization", "Bearer "+h.sb.EAccounting().IssueAccessToken())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		h.t.Fatalf("%s %s: %s %s", method, path, resp.Status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			h.t.Fatal(err)
		}
	}
}

// TestPollingPicksUpPaidOrder: with HubSpot polled (no webhooks), an order
// that becomes paid in the HubSpot fake reaches eAccounting within one poll
// interval (plus the run).
func TestPollingPicksUpPaidOrder(t *testing.T) {
	const interval = time.Second
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}, PollHubSpot: true,
		Poll: PollOptions{Interval: interval, Active: interval, Share: 1}})
	h.start()
	if r := h.waitRun(30 * time.Second); r.Err != nil || r.Trigger != "sweep" {
		t.Fatalf("first poll run: %+v", r)
	}
	var order string
	for _, o := range h.sb.HubSpot().Objects("orders") {
		if o.Properties["hs_payment_status"] == "pending" {
			order = o.ID
			break
		}
	}
	if order == "" {
		t.Fatal("the demo has no pending order")
	}
	if h.link(ordersFlow, order) != "" {
		t.Fatalf("pending order %s was written", order)
	}
	drain(h.runs)
	changed := time.Now()
	h.hsDo(http.MethodPatch, "/crm/v3/objects/orders/"+order, map[string]any{"properties": map[string]any{"hs_payment_status": "paid"}})
	deadline := time.After(30 * time.Second)
	for {
		select {
		case r := <-h.runs:
			if r.Err != nil {
				t.Fatalf("poll run: %v", r.Err)
			}
			if h.link(ordersFlow, order) == "" {
				continue
			}
			lat := time.Since(changed)
			t.Logf("paid order picked up in %v (poll interval %v, run %v)", lat, interval, r.Ended.Sub(r.Started))
			if max := interval + r.Ended.Sub(r.Started) + time.Second; lat > max {
				t.Errorf("picked up after %v; want within one poll interval and the run (%v)", lat, max)
			}
			return
		case <-deadline:
			t.Fatalf("the paid order was not picked up in 30s; log:\n%s", h.logs.String())
		}
	}
}

// hsDo calls the HubSpot fake's API.
func (h *harness) hsDo(method, path string, body any) {
	h.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, h.sb.HubSpotURL()+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+h.sb.HubSpot().Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		out, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("%s %s: %s %s", method, path, resp.Status, out)
	}
}
