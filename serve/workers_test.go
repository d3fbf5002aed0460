package serve

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/connectors/hubspot"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/sandbox"
	"github.com/kopla-dev/kopla/schedule"
)

// pgWorker is one serve process of several on a Postgres queue: a project
// and a state handle of its own (the state file is shared: the workers of
// these tests run on one machine).
type pgWorker struct {
	name string
	addr string
	srv  *Server
	stop context.CancelFunc
	done chan error
	runs chan RunReport
}

func startWorker(t *testing.T, sb *sandbox.Sandbox, dir, queueURL, name, flow string, sched schedule.Schedule) *pgWorker {
	t.Helper()
	cfg, diags := dsl.Load(filepath.Join("..", "examples", "webshop"), dsl.Options{LookupEnv: sb.LookupEnv})
	if diags.HasErrors() {
		t.Fatalf("load: %v", diags)
	}
	reg := connectors.NewRegistry()
	for _, f := range []connectors.Factory{hubspot.New(), eaccounting.New(), file.New()} {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	proj, diags := engine.New(engine.Options{Registry: reg, ConnectionConfig: sb.ConnectionConfig, LookupEnv: sb.LookupEnv, StateDir: dir}).Compile(cfg)
	if diags.HasErrors() {
		t.Fatalf("compile: %v", diags)
	}
	t.Cleanup(func() { proj.Close() })
	st, err := state.Open(t.Context(), filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w := &pgWorker{name: name, runs: make(chan RunReport, 100), done: make(chan error, 1)}
	addr := make(chan string, 1)
	srv, err := New(t.Context(), Options{
		Project: proj, State: st, Flows: []string{flow}, QueueURL: queueURL, Listen: "127.0.0.1:0",
		HubSpotSecret: testSecret, NoReconcile: true, Observer: chanObserver(w.runs), Grace: 10 * time.Second,
		Metrics: prometheus.NewRegistry(), Listening: func(a string) { addr <- a },
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("worker", name),
	})
	if err != nil {
		t.Fatal(err)
	}
	if sched != nil {
		srv.flows[flow].sched = sched
	}
	w.srv = srv
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	go func() { w.done <- srv.Run(ctx) }()
	select {
	case w.addr = <-addr:
	case err := <-w.done:
		t.Fatalf("worker %s ended at start: %v", name, err)
	case <-time.After(20 * time.Second):
		t.Fatalf("worker %s did not start", name)
	}
	t.Cleanup(w.shutdown)
	return w
}

func (w *pgWorker) shutdown() {
	if w.srv == nil {
		return
	}
	w.stop()
	<-w.done
	w.srv.Close()
	w.srv = nil
}

// queueDB opens the queue's schema for the test's own queries.
func queueDB(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, _, err := openPostgresQueue(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestLeaderFailover: two workers on one Postgres queue; the elected
// leader alone enqueues the schedule's ticks (one per tick, not one per
// worker), and once it stops the other takes the schedule over, and the
// pickup with it.
func TestLeaderFailover(t *testing.T) {
	queueURL := testQueueURL(t)
	sb := sandbox.NewTest(t, sandbox.Options{})
	dir := t.TempDir()
	const tick = 2 * time.Second
	sched := schedule.Every(tick)
	a := startWorker(t, sb, dir, queueURL, "a", "stock", sched)
	b := startWorker(t, sb, dir, queueURL, "b", "stock", sched)
	db := queueDB(t, queueURL)

	leaderID := func() string {
		var id string
		if err := db.QueryRowContext(t.Context(), `SELECT leader_id FROM river_leader`).Scan(&id); err != nil {
			return ""
		}
		return id
	}
	ticks := func(since time.Time) int {
		var n int
		if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM river_job WHERE kind = 'kopla_flow_tick' AND created_at >= $1`, since).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor := func(what string, within time.Duration, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v", what, within)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("a leader elected", 20*time.Second, func() bool { return leaderID() != "" })
	leader, follower := a, b
	if leaderID() == b.srv.workerID {
		leader, follower = b, a
	}
	if leaderID() != leader.srv.workerID {
		t.Fatalf("leader %q is neither worker (%s, %s)", leaderID(), a.srv.workerID, b.srv.workerID)
	}
	waitFor("the pickup lock held by one worker", 20*time.Second, func() bool { return a.srv.leading() || b.srv.leading() })
	if a.srv.leading() && b.srv.leading() {
		t.Fatal("both workers hold the pickup lock")
	}

	// Ticks for a few periods: one per tick from the leader alone.
	from := time.Now()
	time.Sleep(3*tick + tick/2)
	if n := ticks(from); n < 2 || n > 4 {
		t.Fatalf("%d ticks in 3.5 periods with two workers; want 3 (±1): one worker enqueues them", n)
	}

	// The leader stops; the follower takes over the schedule and the pickup.
	leader.shutdown()
	waitFor("the follower elected", 30*time.Second, func() bool { return leaderID() == follower.srv.workerID })
	waitFor("the follower holds the pickup lock", 20*time.Second, follower.srv.leading)
	from = time.Now()
	waitFor("ticks from the new leader", 5*tick, func() bool { return ticks(from) > 0 })
	// And its ticks make runs, on the one worker left.
	deadline := time.After(60 * time.Second)
	for {
		select {
		case r := <-follower.runs:
			if r.Err != nil {
				t.Fatalf("run on the new leader: %v", r.Err)
			}
			if !r.Started.Before(from) {
				return
			}
		case <-deadline:
			t.Fatal("no run on the new leader after the failover")
		}
	}
}

// testQueueURL is a Postgres queue in a schema of the test's own.
func testQueueURL(t *testing.T) string {
	base := pgtest.URL(t)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "schema=" + pgtest.Schema(t, base)
}

// TestWebhooksOnEveryWorker: HubSpot's webhook requests reach either of
// two workers; each stores its events in Postgres before answering, and
// every order is written to eAccounting once, whichever worker ran it.
func TestWebhooksOnEveryWorker(t *testing.T) {
	queueURL := testQueueURL(t)
	sb := sandbox.NewTest(t, sandbox.Options{})
	dir := t.TempDir()
	workers := []*pgWorker{
		startWorker(t, sb, dir, queueURL, "a", ordersFlow, nil),
		startWorker(t, sb, dir, queueURL, "b", ordersFlow, nil),
	}
	orders := []string{"4001", "4002", "4003", "4004"}
	for i, id := range orders {
		w := workers[i%2]
		h := &harness{t: t, addr: w.addr}
		if resp := h.post([]map[string]any{orderEvent(200+i, id, "creation")}); resp.StatusCode != http.StatusOK {
			t.Fatalf("worker %s answered %s", w.name, resp.Status)
		}
	}
	st, err := state.Open(t.Context(), filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		links, err := st.Links(t.Context(), ordersFlow, orders)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, id := range orders {
			if links[id].TargetID != "" {
				n++
			}
		}
		if n == len(orders) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d orders linked after 60s", n, len(orders))
		}
		time.Sleep(100 * time.Millisecond)
	}
	h := &harness{t: t, sb: sb}
	got := h.eaGet("/orders?$pagesize=1000")
	refs := map[string]int{}
	for _, o := range got["Data"].([]any) {
		refs[o.(map[string]any)["YourReference"].(string)]++
	}
	for _, id := range orders {
		if refs["HS-"+id] != 1 {
			t.Errorf("eAccounting has %d orders of HubSpot order %s; want 1", refs["HS-"+id], id)
		}
	}
	db := queueDB(t, queueURL)
	// A run marks its events done after it wrote the links.
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var pending int
		if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM kopla_events WHERE done_at IS NULL`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("%d events still pending 10s after every order was written", pending)
		}
	}
}

// TestRescueDeadWorkersRuns: a run left running by a worker whose
// heartbeat stopped (kill -9) is queued again by the pickup holder; one
// of a live worker is left alone.
func TestRescueDeadWorkersRuns(t *testing.T) {
	queueURL := testQueueURL(t)
	sb := sandbox.NewTest(t, sandbox.Options{})
	w := startWorker(t, sb, t.TempDir(), queueURL, "a", "stock", nil)
	db := queueDB(t, queueURL)
	ctx := t.Context()
	if _, err := db.ExecContext(ctx, `INSERT INTO kopla_workers (id, heartbeat) VALUES
		('dead', now() - interval '1 minute'), ('live', now())`); err != nil {
		t.Fatal(err)
	}
	insert := func(worker string) int64 {
		var id int64
		// A queue no worker serves: the job stays as the test left it.
		if err := db.QueryRowContext(ctx, `INSERT INTO river_job (kind, args, queue, state, attempt, attempted_at, attempted_by, max_attempts, scheduled_at)
			VALUES ('kopla_test_job', '{}', 'nobody', 'running', 1, now(), ARRAY[$1], 10, now()) RETURNING id`, worker).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	dead, live := insert("dead"), insert("live")
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(3 * heartbeatEvery); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("%s: not within %v", what, 3*heartbeatEvery)
			}
		}
	}
	jobState := func(id int64) string {
		var st string
		if err := db.QueryRowContext(ctx, `SELECT state FROM river_job WHERE id = $1`, id).Scan(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitFor("the pickup lock", w.srv.leading)
	waitFor("the dead worker's run queued again", func() bool { return jobState(dead) == "available" })
	if got := jobState(live); got != "running" {
		t.Errorf("the live worker's run is %s; want it left running", got)
	}
}
