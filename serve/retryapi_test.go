package serve

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/sandbox"
)

// TestRetryAPI: POST /api/retry queues a run of the failed records of a
// run (a 400 no automatic retry repeats), which writes them once the
// cause is gone; requests that are not JSON, name no served flow, or
// records that did not fail are refused, and every request passes the
// API middleware.
func TestRetryAPI(t *testing.T) {
	t.Parallel()
	var through atomic.Int32
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}, APIMiddleware: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			through.Add(1)
			next.ServeHTTP(w, r)
		})
	}})
	ea := h.sb.EAccounting()
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Status: http.StatusBadRequest, Times: -1})
	h.start()
	h.post([]map[string]any{orderEvent(1, "4001", "creation"), orderEvent(2, "4002", "creation")})
	first := h.waitRun(30 * time.Second)
	if len(first.Failed) != 2 || first.Failed[0].Retryable || first.RunID == 0 {
		t.Fatalf("first run %+v; want orders 4001 and 4002 failed with a 400, not retryable", first)
	}
	ea.ClearFaults()

	retry := func(method, contentType, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://"+h.addr+"/api/retry", strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var out map[string]any
		json.Unmarshal(b, &out)
		return resp.StatusCode, out
	}
	for _, tt := range []struct {
		method, contentType, body string
		status                    int
		errPart                   string
	}{
		{http.MethodGet, "", "", http.StatusMethodNotAllowed, ""},
		{http.MethodPost, "application/x-www-form-urlencoded", "flow=" + ordersFlow, http.StatusUnsupportedMediaType, "as JSON"},
		{http.MethodPost, "application/json", `{"flow": "nope"}`, http.StatusNotFound, `runs no flow "nope"`},
		{http.MethodPost, "application/json", `{"flow": "` + ordersFlow + `", "run": 99}`, http.StatusNotFound, "there is no run 99"},
		{http.MethodPost, "application/json", `{"flow": "` + ordersFlow + `", "records": ["4003"]}`, http.StatusUnprocessableEntity, "records [4003] did not fail"},
		{http.MethodPost, "application/json", `{"flow": `, http.StatusBadRequest, "not a retry request"},
	} {
		status, out := retry(tt.method, tt.contentType, tt.body)
		if status != tt.status || !strings.Contains(asString(out["error"]), tt.errPart) {
			t.Errorf("%s %s %s: %d %v; want %d with %q", tt.method, tt.contentType, tt.body, status, out, tt.status, tt.errPart)
		}
	}
	select {
	case r := <-h.runs:
		t.Fatalf("a refused request ran the flow: %+v", r)
	default:
	}

	posts := ea.Requests("POST /v2/orders")
	status, out := retry(http.MethodPost, "application/json; charset=utf-8", `{"flow": "`+ordersFlow+`", "records": ["4002"]}`)
	if status != http.StatusAccepted || out["job"] == nil || asFloat(out["run"]) != float64(first.RunID) {
		t.Fatalf("retry of 4002: %d %v; want 202 with the job and run %d", status, out, first.RunID)
	}
	r := h.waitRun(30 * time.Second)
	if r.Trigger != "retry" || r.Counts["create"] != 1 || len(r.Failed) != 0 {
		t.Fatalf("retry run: trigger %s, counts %v, failed %+v; want order 4002 created", r.Trigger, r.Counts, r.Failed)
	}
	if n := ea.Requests("POST /v2/orders") - posts; n != 1 || h.link(ordersFlow, "4002") == "" || h.link(ordersFlow, "4001") != "" {
		t.Errorf("the retry sent %d creates (want 1): 4002 linked %q, 4001 linked %q (want only 4002)", n, h.link(ordersFlow, "4002"), h.link(ordersFlow, "4001"))
	}
	// The last run (the retry) failed nothing: there is nothing to retry.
	if status, out := retry(http.MethodPost, "application/json", `{"flow": "`+ordersFlow+`"}`); status != http.StatusUnprocessableEntity || !strings.Contains(asString(out["error"]), "no failed records") {
		t.Errorf("retry of the last run: %d %v; want 422", status, out)
	}
	if n := through.Load(); n != 7 {
		t.Errorf("%d requests went through the API middleware; want the 7 POSTs", n)
	}
}

func asString(v any) string { s, _ := v.(string); return s }

func asFloat(v any) float64 { f, _ := v.(float64); return f }
