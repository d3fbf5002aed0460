package serve

import (
	"database/sql"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/sandbox"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHealthAndMetrics: /healthz and /readyz answer, and /metrics counts
// the runs, records, webhook events and the queue.
func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	base := "http://" + h.addr
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code, _ := get(t, base+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d", code)
	}
	h.post([]map[string]any{orderEvent(1, "4001", "creation")})
	rep := h.waitRun(30 * time.Second)
	// The run's pickup lag is stored with it, for the dashboard.
	if stats, err := h.st.RunStats(t.Context(), []int64{rep.RunID}); err != nil || !rep.HasPickupLag || len(stats[rep.RunID].PickupLag) != 1 || stats[rep.RunID].PickupLag[rep.Flow] != rep.PickupLag.Truncate(time.Millisecond) {
		t.Errorf("stored pickup lag of run %d = %v, %v; want %s for %s", rep.RunID, stats[rep.RunID].PickupLag, err, rep.PickupLag, rep.Flow)
	}
	_, body := get(t, base+"/metrics")
	for _, want := range []string{
		`kopla_runs_total{flow="orders_to_eaccounting_orders",outcome="ok",trigger="webhook"} 1`,
		`kopla_records_total{action="create",flow="orders_to_eaccounting_orders"}`,
		`kopla_webhook_events_total{result="stored"} 1`,
		`kopla_pickup_lag_seconds_count{flow="orders_to_eaccounting_orders"} 1`,
		`kopla_api_budget_calls_total{budget="burst",connection="hubspot.shop"}`,
		`kopla_api_budget_calls_total{budget="POST orders",connection="eaccounting.`,
		`kopla_queue_events_pending 0`,
		`kopla_queue_jobs`,
		`kopla_api_requests_total{endpoint="/v2/orders",host="` + strings.TrimPrefix(strings.TrimSuffix(h.sb.EAccountingURL(), "/v2"), "http://") + `",status="2xx"}`,
		`kopla_api_requests_total{endpoint="/crm/objects/2026-03/orders",host="` + strings.TrimPrefix(h.sb.HubSpotURL(), "http://") + `"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	h.shutdown()
	if h.srv != nil || h.stop == nil {
		t.Fatal("not shut down")
	}
}

// TestLockHeldByApply: while another process (a manual kopla apply) holds
// the state lock, serve's run waits for it, and runs once it is free.
func TestLockHeldByApply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}, LockTimeout: 200 * time.Millisecond})
	lock, diags := engine.LockState(t.Context(), h.st, engine.LockOptions{Holder: "kopla apply"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	h.start()
	h.post([]map[string]any{orderEvent(1, "4001", "creation")})
	r := h.waitRun(30 * time.Second)
	if r.Err == nil || !strings.Contains(r.Err.Error(), "locked") || !strings.Contains(r.Err.Error(), "kopla apply") {
		t.Fatalf("run while locked: %v; want a lock error naming kopla apply", r.Err)
	}
	lock.Unlock()
	// River retries the job with backoff; the event is still pending.
	r = h.waitRun(30 * time.Second)
	if r.Err != nil || r.Counts["create"] == 0 {
		t.Fatalf("run after the lock was released: %+v", r)
	}
}

// TestCatchUpIsOneRun: a scheduled flow that missed ticks while serve was
// down runs once at start, not once per missed tick, and a start before its
// next tick runs nothing.
func TestCatchUpIsOneRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{"stock"}})
	setSchedule(t, h, "stock", "every 1h")
	h.start()
	if r := h.waitRun(30 * time.Second); r.Trigger != "sweep" || r.Err != nil {
		t.Fatalf("first run: %+v", r)
	}
	h.shutdown()

	// Three hours of downtime: three ticks missed.
	db, err := sql.Open("sqlite", "file:"+h.opts.QueuePath+"?_pragma=busy_timeout(10000)") // as serve opens it: a second opener waits for the lock
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE kopla_flow_runs SET last_start = ? WHERE flow = 'stock'`, fmtTime(time.Now().Add(-3*time.Hour))); err != nil {
		t.Fatal(err)
	}
	db.Close()
	h.start()
	if r := h.waitRun(30 * time.Second); r.Trigger != "sweep" || r.Err != nil {
		t.Fatalf("catch-up run: %+v", r)
	}
	expectNoRun(t, h, "a second catch-up run")
	h.shutdown()

	h.start()
	expectNoRun(t, h, "a run before the next tick")
}

func setSchedule(t *testing.T, h *harness, flow, sched string) {
	t.Helper()
	for _, f := range h.proj.Config().Flows {
		if f.Name == flow {
			f.Schedule = sched
			return
		}
	}
	t.Fatalf("no flow %s", flow)
}

func expectNoRun(t *testing.T, h *harness, what string) {
	t.Helper()
	select {
	case r := <-h.runs:
		t.Fatalf("%s: %+v", what, r)
	case <-time.After(1500 * time.Millisecond):
	}
}

// TestOverlapPolicy: a tick while the flow runs is dropped with overlap =
// "skip", and queued as one follow-up run with "buffer" (the default).
func TestOverlapPolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		overlap string
		runs    bool
	}{{"skip", false}, {"buffer", true}, {"", true}} {
		t.Run("overlap="+tc.overlap, func(t *testing.T) {
			h := newHarness(t, sandbox.Options{}, Options{Flows: []string{"stock"}})
			setSchedule(t, h, "stock", "every 1h")
			for _, f := range h.proj.Config().Flows {
				if f.Name == "stock" {
					f.Overlap = tc.overlap
				}
			}
			h.start()
			h.waitRun(30 * time.Second) // the first (catch-up) run
			// A tick comes while the flow is (said to be) running.
			h.srv.setRunning("stock", true)
			w := &tickWorker{s: h.srv}
			if err := w.Work(t.Context(), &river.Job[tickArgs]{JobRow: &rivertype.JobRow{}, Args: tickArgs{Flow: "stock"}}); err != nil {
				t.Fatal(err)
			}
			h.srv.setRunning("stock", false)
			if tc.runs {
				if r := h.waitRun(30 * time.Second); r.Trigger != "sweep" {
					t.Errorf("buffered tick: %+v", r)
				}
			} else {
				expectNoRun(t, h, "a skipped tick")
			}
		})
	}
}

// TestApplyDuringServeRun: a manual apply while serve runs a flow fails at
// once, naming kopla serve as the holder (with -lock-timeout it would wait).
func TestApplyDuringServeRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.sb.EAccounting().InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Latency: 1500 * time.Millisecond})
	h.start()
	h.post([]map[string]any{orderEvent(1, "4001", "creation")})
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(h.logs.String(), `msg="run started"`) {
		if time.Now().After(deadline) {
			t.Fatal("no run started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // planned; writing under the lock
	_, diags := engine.LockState(t.Context(), h.st, engine.LockOptions{Holder: "kopla apply"})
	if !diags.HasErrors() || !strings.Contains(diags.Error(), "kopla serve") {
		t.Errorf("apply during a serve run: %v; want a lock error naming kopla serve", diags)
	}
	if r := h.waitRun(30 * time.Second); r.Err != nil || r.Counts["create"] == 0 {
		t.Errorf("serve's run: %+v", r)
	}
}
