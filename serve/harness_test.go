package serve

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/sandbox"
)

const testSecret = "test-client-secret"

// harness runs a Server over the webshop example against a sandbox, with
// a state and queue of its own, through a real HTTP listener.
type harness struct {
	t    *testing.T
	sb   *sandbox.Sandbox
	proj *engine.Project
	st   *state.Store
	dir  string
	opts Options
	srv  *Server
	addr string
	stop context.CancelFunc
	done chan error
	runs chan RunReport
	logs *syncWriter
	// started says start ran once already.
	started bool
}

type chanObserver chan RunReport

func (c chanObserver) RunFinished(_ context.Context, r RunReport) {
	select {
	case c <- r:
	default:
	}
}

func newHarness(t *testing.T, sbOpts sandbox.Options, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, sb: sandbox.NewTest(t, sbOpts), dir: t.TempDir(), runs: make(chan RunReport, 100), logs: &syncWriter{w: &bytes.Buffer{}}}
	cfg, diags := dsl.Load(filepath.Join("..", "examples", "webshop"), dsl.Options{LookupEnv: h.sb.LookupEnv})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{hubspot.New(), eaccounting.New(), file.New()} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	opts.Metrics = prometheus.NewRegistry()
	eng := engine.New(engine.Options{Registry: reg, ConnectionConfig: h.sb.ConnectionConfig, LookupEnv: h.sb.LookupEnv, StateDir: h.dir,
		HTTPClient: NewAPIMetrics(opts.Metrics).Client()})
	proj, diags := eng.Compile(cfg)
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	t.Cleanup(func() { proj.Close() })
	h.proj = proj
	st, err := state.Open(t.Context(), filepath.Join(h.dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h.st = st
	opts.Project, opts.State = proj, st
	opts.QueuePath = filepath.Join(h.dir, "serve.db")
	opts.Listen = "127.0.0.1:0"
	if opts.HubSpotSecret == "" {
		opts.HubSpotSecret = testSecret
	}
	opts.NoReconcile = true
	opts.Observer = chanObserver(h.runs)
	opts.Grace = 10 * time.Second
	h.opts = opts
	return h
}

// start starts serve and waits until it listens.
func (h *harness) start() {
	h.t.Helper()
	opts := h.opts
	if h.started {
		// A registry takes one server's metrics: a restart has its own
		// (the connectors' API counts stay in the first).
		opts.Metrics = prometheus.NewRegistry()
	}
	h.started = true
	opts.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	addr := make(chan string, 1)
	opts.Listening = func(a string) { addr <- a }
	srv, err := New(h.t.Context(), opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	h.stop, h.done = cancel, make(chan error, 1)
	go func() { h.done <- srv.Run(ctx) }()
	select {
	case h.addr = <-addr:
	case err := <-h.done:
		h.t.Fatalf("serve ended at start: %v", err)
	case <-time.After(20 * time.Second):
		h.t.Fatal("serve did not start")
	}
	h.t.Cleanup(h.shutdown)
}

// shutdown stops serve as SIGTERM does and waits for it.
func (h *harness) shutdown() {
	if h.srv == nil {
		return
	}
	h.stop()
	if err := <-h.done; err != nil {
		h.t.Errorf("serve: %v", err)
	}
	h.srv.Close()
	h.srv = nil
}

// post sends a signed (v3) webhook request of events.
func (h *harness) post(events []map[string]any) *http.Response {
	h.t.Helper()
	body, _ := json.Marshal(events)
	return h.postRaw(body, testSecret)
}

func (h *harness) postRaw(body []byte, secret string) *http.Response {
	h.t.Helper()
	url := "http://" + h.addr + "/hooks/hubspot"
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(http.MethodPost + url))
	mac.Write(body)
	mac.Write([]byte(ts))
	req.Header.Set("X-HubSpot-Signature-v3", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

// orderEvent is a HubSpot generic-subscription event of an order.
func orderEvent(eventID int, orderID, action string) map[string]any {
	n, _ := strconv.Atoi(orderID)
	return map[string]any{
		"eventId": eventID, "subscriptionId": 77, "portalId": 1234, "appId": 5678,
		"occurredAt": time.Now().UnixMilli(), "subscriptionType": "object." + action, "objectTypeId": "0-123",
		"objectId": n, "attemptNumber": 0, "changeSource": "CRM",
	}
}

// waitRun waits for the next run report.
func (h *harness) waitRun(within time.Duration) RunReport {
	h.t.Helper()
	select {
	case r := <-h.runs:
		return r
	case <-time.After(within):
		h.t.Fatalf("no run within %s; log:\n%s", within, h.logs.String())
	}
	return RunReport{}
}

// link is the target record a flow's source record was written to ("" when
// none).
func (h *harness) link(flow, sourceKey string) string {
	h.t.Helper()
	links, err := h.st.Links(h.t.Context(), flow, []string{sourceKey})
	if err != nil {
		h.t.Fatal(err)
	}
	return links[sourceKey].TargetID
}

// eaGet reads a record of the eAccounting fake through its API.
func (h *harness) eaGet(path string) map[string]any {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.sb.EAccountingURL()+path, nil)
	req.Header.Set("Authorization", "Bearer "+h.sb.EAccounting().IssueAccessToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		h.t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// noChangesLeft checks that a full plan of flow finds nothing to write.
func (h *harness) noChangesLeft(flow string) {
	h.t.Helper()
	pl, diags := h.proj.Plan(h.t.Context(), engine.PlanOptions{Flows: []string{flow}, State: h.st})
	if diags.HasErrors() {
		h.t.Fatalf("plan: %v", diags)
	}
	defer pl.Close()
	for _, fp := range pl.Flows {
		if fp.Flow == flow {
			if c := fp.Counts(); c.Create+c.Update > 0 {
				h.t.Errorf("a full plan of %s still has %d creates and %d updates", flow, c.Create, c.Update)
			}
		}
	}
}
