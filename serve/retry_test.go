package serve

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/sandbox"
)

// TestRetryAfter503: an order whose create eAccounting answers with 503 is
// retried after the backoff, alone, and then written once.
func TestRetryAfter503(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}, Retry: RetryPolicy{Base: time.Second, MaxAttempts: 3}})
	// The connector tries a create again within the run: the fault lasts
	// until the run is over.
	h.sb.EAccounting().InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Status: http.StatusServiceUnavailable, Times: -1})
	h.start()
	h.post([]map[string]any{orderEvent(1, "4001", "creation")})
	r := h.waitRun(30 * time.Second)
	h.sb.EAccounting().ClearFaults()
	refused := h.sb.EAccounting().Requests("POST /v2/orders")
	if len(r.Failed) != 1 || !r.Failed[0].Retryable || !strings.Contains(r.Failed[0].Message, "503") || r.Failed[0].SourceKey != "4001" {
		t.Fatalf("first run %+v; want order 4001 failed with a retryable 503; log:\n%s", r, h.logs.String())
	}
	r = h.waitRun(30 * time.Second)
	if r.Trigger != "retry" || r.Counts["create"] != 1 || len(r.Failed) != 0 {
		t.Fatalf("retry run: trigger %s, counts %v, failed %+v; want one create", r.Trigger, r.Counts, r.Failed)
	}
	if h.link(ordersFlow, "4001") == "" {
		t.Error("order 4001 is not linked after the retry")
	}
	if n := h.sb.EAccounting().Requests("POST /v2/orders") - refused; n != 1 {
		t.Errorf("%d order creates sent by the retry; want 1", n)
	}
	if next, _ := h.srv.q.nextRetry(t.Context(), ordersFlow); !next.IsZero() {
		t.Errorf("a retry is still due at %s", next)
	}
}

// TestRetryGivesUp: a record that keeps failing for a retryable cause is
// retried MaxAttempts times, then marked failed (given up).
func TestRetryGivesUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}, Retry: RetryPolicy{Base: 200 * time.Millisecond, MaxAttempts: 1}})
	h.sb.EAccounting().InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Status: http.StatusBadGateway, Times: -1})
	h.start()
	h.post([]map[string]any{orderEvent(1, "4001", "creation")})
	var last RunReport
	for i := range 2 {
		last = h.waitRun(30 * time.Second)
		if len(last.Failed) != 1 {
			t.Fatalf("run %d failed %+v; want order 4001", i+1, last.Failed)
		}
		if gaveUp := last.Failed[0].GivenUp; gaveUp != (i == 1) {
			t.Fatalf("run %d: given up %v", i+1, gaveUp)
		}
	}
	select {
	case r := <-h.runs:
		t.Fatalf("a run after giving up: %+v", r)
	case <-time.After(time.Second):
	}
}
