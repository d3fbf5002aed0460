package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

const hookSecret = "whsec-test-7f3a9c"

// receiver is a webhook endpoint that checks each delivery's signature
// the way the docs tell receivers to, and keeps the messages.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	messages []Message
	// fail answers that many deliveries with 503 before accepting.
	fail int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	ts := req.Header.Get(HeaderTimestamp)
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write([]byte(ts + "." + string(body)))
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	if got := req.Header.Get(HeaderSignature); !hmac.Equal([]byte(got), []byte(want)) {
		r.t.Errorf("delivery signature = %q; want %q", got, want)
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if sec, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		r.t.Errorf("delivery timestamp %q is not the time of sending", ts)
	}
	if req.Header.Get("Content-Type") != "application/json" {
		r.t.Errorf("Content-Type = %q", req.Header.Get("Content-Type"))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		r.t.Errorf("delivery is not a message: %v: %s", err, body)
	}
	if id := req.Header.Get(HeaderDelivery); id != m.ID || id == "" {
		r.t.Errorf("%s = %q; want the message id %q", HeaderDelivery, id, m.ID)
	}
	if ev := req.Header.Get(HeaderEvent); ev != m.Event {
		r.t.Errorf("%s = %q; want %q", HeaderEvent, ev, m.Event)
	}
	r.messages = append(r.messages, m)
}

// take returns the messages received since the last take.
func (r *receiver) take() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.messages
	r.messages = nil
	return m
}

// events summarises messages as "rule:flow:event".
func events(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Rule+":"+m.Flow+":"+m.Event)
	}
	return out
}

func openStore(t *testing.T, path string) *state.Store {
	t.Helper()
	s, err := state.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func webhookBlock(name, url string, rules []dsl.NotifyRule, flows ...string) Block {
	return Block{
		Notify:   &dsl.Notify{Name: name, Rules: rules, Flows: flows},
		Channels: &dsl.NotifyChannels{Webhook: &dsl.WebhookChannel{URL: url, Secret: dsl.Secret(hookSecret)}},
	}
}

func newNotifier(t *testing.T, store Store, blocks ...Block) *Notifier {
	t.Helper()
	n, err := New(blocks, Options{
		Project:    "shop",
		Flows:      []string{"paid_orders", "products"},
		Store:      store,
		Backoff:    time.Millisecond,
		RetryAfter: time.Millisecond,
		Secrets:    []string{"pat-na1-0123456789"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var t0 = time.Date(2026, 12, 8, 3, 0, 0, 0, time.UTC)

func okRun(flow string, id int64, at time.Time) RunReport {
	return RunReport{Flow: flow, RunID: id, Started: at.Add(-time.Minute), Ended: at, Counts: plan.Counts{Create: 2, NoOp: 8}}
}

func failedRun(flow string, id int64, at time.Time) RunReport {
	r := okRun(flow, id, at)
	r.Counts = plan.Counts{}
	r.Err = &connectors.APIError{Service: "hubspot", Status: 503, Code: "SERVICE_UNAVAILABLE", Message: "try again later"}
	return r
}

func recordsRun(flow string, id int64, at time.Time, failed int) RunReport {
	r := okRun(flow, id, at)
	r.Counts.Error = failed
	for i := range failed {
		key := strconv.Itoa(4000 + i)
		r.Failed = append(r.Failed, FailedRecord{
			Label: "order " + key + ` "#10` + key[2:] + `"`, SourceKey: key, Key: "HS-" + key, Field: "CustomerId",
			Err: &connectors.APIError{Service: "eaccounting", Status: 400, Code: "4000", Message: "Customer not found"},
		})
	}
	return r
}

func TestOneMessagePerChangeOfState(t *testing.T) {
	rcv := newReceiver(t)
	store := openStore(t, filepath.Join(t.TempDir(), "state.db"))
	n := newNotifier(t, store, webhookBlock("ops", rcv.srv.URL, []dsl.NotifyRule{{Kind: dsl.RuleRunFailed}}))
	ctx := t.Context()
	steps := []struct {
		run  RunReport
		want []string
	}{
		{okRun("paid_orders", 1, t0), nil},
		{failedRun("paid_orders", 2, t0.Add(time.Minute)), []string{"run_failed:paid_orders:failing"}},
		{failedRun("paid_orders", 3, t0.Add(2*time.Minute)), nil},
		{failedRun("paid_orders", 4, t0.Add(3*time.Minute)), nil},
		{okRun("products", 5, t0.Add(3*time.Minute)), nil},
		{okRun("paid_orders", 6, t0.Add(4*time.Minute)), []string{"run_failed:paid_orders:recovered"}},
		{okRun("paid_orders", 7, t0.Add(5*time.Minute)), nil},
	}
	var all []Message
	for i, s := range steps {
		if err := n.RunFinished(ctx, s.run); err != nil {
			t.Fatalf("step %d: RunFinished = %v", i, err)
		}
		got := rcv.take()
		all = append(all, got...)
		if diff := cmp.Diff(s.want, events(got)); diff != "" {
			t.Errorf("step %d (run %d): messages (-want +got):\n%s", i, s.run.RunID, diff)
		}
	}
	if len(all) != 2 {
		t.Fatalf("got %d messages; want 2", len(all))
	}
	fail, rec := all[0], all[1]
	if fail.RunID != 2 || fail.Error == nil || fail.Error.Code != "SERVICE_UNAVAILABLE" || fail.Error.Status != 503 || fail.Error.Service != "hubspot" {
		t.Errorf("failing message = %+v; want run 2 with hubspot's 503 SERVICE_UNAVAILABLE", fail)
	}
	if !strings.Contains(fail.Summary, "try again later") || fail.Project != "shop" || fail.DedupKey != "kopla/shop/paid_orders/ops/run_failed" {
		t.Errorf("failing message = %+v", fail)
	}
	if diff := cmp.Diff([]string{"kopla log -run 2"}, fail.More); diff != "" {
		t.Errorf("failing message's more (-want +got):\n%s", diff)
	}
	if rec.RunID != 6 || !rec.FailingSince.Equal(t0.Add(time.Minute)) || rec.DedupKey != fail.DedupKey || rec.ID == fail.ID {
		t.Errorf("recovery = %+v; want run 6, failing since run 2, same dedup key, its own id", rec)
	}
	if n.Pending() != 0 {
		t.Errorf("Pending = %d after deliveries; want 0", n.Pending())
	}
}

// TestRestartDoesNotResend: the state of a rule survives a new Notifier
// on the same state file, so a restart of serve neither resends the
// failing message nor forgets to recover.
func TestRestartDoesNotResend(t *testing.T) {
	rcv := newReceiver(t)
	path := filepath.Join(t.TempDir(), "state.db")
	rules := []dsl.NotifyRule{{Kind: dsl.RuleRunFailed}, {Kind: dsl.RuleRecordsFailed, Count: 1}}
	ctx := t.Context()

	first := openStore(t, path)
	n := newNotifier(t, first, webhookBlock("ops", rcv.srv.URL, rules))
	if err := n.RunFinished(ctx, failedRun("paid_orders", 1, t0)); err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(ctx, recordsRun("paid_orders", 2, t0.Add(time.Minute), 2)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"run_failed:paid_orders:failing", "records_failed:paid_orders:failing", "run_failed:paid_orders:recovered"}, events(rcv.take())); diff != "" {
		t.Fatalf("before the restart (-want +got):\n%s", diff)
	}
	first.Close()

	// "Restart": a new store and Notifier on the same file.
	second := openStore(t, path)
	n = newNotifier(t, second, webhookBlock("ops", rcv.srv.URL, rules))
	if err := n.Check(ctx, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(ctx, recordsRun("paid_orders", 3, t0.Add(3*time.Minute), 1)); err != nil {
		t.Fatal(err)
	}
	if got := rcv.take(); len(got) != 0 {
		t.Fatalf("after the restart, a run still failing sent %v; want nothing", events(got))
	}
	if err := n.RunFinished(ctx, okRun("paid_orders", 4, t0.Add(4*time.Minute))); err != nil {
		t.Fatal(err)
	}
	got := rcv.take()
	if diff := cmp.Diff([]string{"records_failed:paid_orders:recovered"}, events(got)); diff != "" {
		t.Fatalf("success after the restart (-want +got):\n%s", diff)
	}
	if !got[0].FailingSince.Equal(t0.Add(time.Minute)) {
		t.Errorf("recovery says failing since %s; want %s (run 2, before the restart)", got[0].FailingSince, t0.Add(time.Minute))
	}
}

func TestRules(t *testing.T) {
	lag := func(r RunReport, d time.Duration) RunReport {
		r.PickupLag, r.HasPickupLag = d, true
		return r
	}
	tests := []struct {
		name string
		rule dsl.NotifyRule
		runs []RunReport
		want []string // per run: "" or the event
	}{
		{
			name: "records_failed count",
			rule: dsl.NotifyRule{Kind: dsl.RuleRecordsFailed, Count: 2},
			runs: []RunReport{recordsRun("paid_orders", 1, t0, 1), recordsRun("paid_orders", 2, t0, 2), recordsRun("paid_orders", 3, t0, 5), failedRun("paid_orders", 4, t0), recordsRun("paid_orders", 5, t0, 1)},
			want: []string{"", "failing", "", "", "recovered"},
		},
		{
			name: "records_failed share",
			rule: dsl.NotifyRule{Kind: dsl.RuleRecordsFailed, Share: 0.2},
			// okRun handles 10 records; with n failed, 10+n.
			runs: []RunReport{recordsRun("paid_orders", 1, t0, 2), recordsRun("paid_orders", 2, t0, 3), recordsRun("paid_orders", 3, t0, 0)},
			want: []string{"", "failing", "recovered"},
		},
		{
			name: "consecutive_failures",
			rule: dsl.NotifyRule{Kind: dsl.RuleConsecutiveFailures, Count: 3},
			runs: []RunReport{failedRun("paid_orders", 1, t0), failedRun("paid_orders", 2, t0), okRun("paid_orders", 3, t0), failedRun("paid_orders", 4, t0), failedRun("paid_orders", 5, t0), failedRun("paid_orders", 6, t0), failedRun("paid_orders", 7, t0), okRun("paid_orders", 8, t0)},
			want: []string{"", "", "", "", "", "failing", "", "recovered"},
		},
		{
			name: "pickup_lag",
			rule: dsl.NotifyRule{Kind: dsl.RulePickupLag, Within: 10 * time.Minute},
			runs: []RunReport{lag(okRun("paid_orders", 1, t0), time.Minute), lag(okRun("paid_orders", 2, t0), 11*time.Minute), okRun("paid_orders", 3, t0), lag(okRun("paid_orders", 4, t0), 12*time.Minute), lag(okRun("paid_orders", 5, t0), 2*time.Minute)},
			want: []string{"", "failing", "", "", "recovered"},
		},
		{
			name: "no_success with failed runs",
			rule: dsl.NotifyRule{Kind: dsl.RuleNoSuccess, Within: time.Hour},
			runs: []RunReport{okRun("paid_orders", 1, t0), failedRun("paid_orders", 2, t0.Add(30*time.Minute)), failedRun("paid_orders", 3, t0.Add(61*time.Minute)), failedRun("paid_orders", 4, t0.Add(90*time.Minute)), okRun("paid_orders", 5, t0.Add(2*time.Hour))},
			want: []string{"", "", "failing", "", "recovered"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newReceiver(t)
			n := newNotifier(t, openStore(t, filepath.Join(t.TempDir(), "state.db")), webhookBlock("ops", rcv.srv.URL, []dsl.NotifyRule{tt.rule}))
			var got []string
			for _, r := range tt.runs {
				if err := n.RunFinished(t.Context(), r); err != nil {
					t.Fatal(err)
				}
				ms := rcv.take()
				switch len(ms) {
				case 0:
					got = append(got, "")
				case 1:
					got = append(got, ms[0].Event)
				default:
					t.Fatalf("run %d sent %d messages: %v", r.RunID, len(ms), events(ms))
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events per run (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNoSuccessByTime(t *testing.T) {
	rcv := newReceiver(t)
	n := newNotifier(t, openStore(t, filepath.Join(t.TempDir(), "state.db")),
		webhookBlock("ops", rcv.srv.URL, []dsl.NotifyRule{{Kind: dsl.RuleNoSuccess, Within: 6 * time.Hour}}, "paid_orders"))
	ctx := t.Context()
	check := func(at time.Time) []string {
		t.Helper()
		if err := n.Check(ctx, at); err != nil {
			t.Fatal(err)
		}
		return events(rcv.take())
	}
	// Watching begins at the first check: no success is known yet.
	if got := check(t0); got != nil {
		t.Fatalf("first check sent %v", got)
	}
	if got := check(t0.Add(5 * time.Hour)); got != nil {
		t.Fatalf("check within 6h sent %v", got)
	}
	got := func() []Message {
		if err := n.Check(ctx, t0.Add(7*time.Hour)); err != nil {
			t.Fatal(err)
		}
		return rcv.take()
	}()
	if diff := cmp.Diff([]string{"no_success:paid_orders:failing"}, events(got)); diff != "" {
		t.Fatalf("check after 7h (-want +got):\n%s", diff)
	}
	if !strings.Contains(got[0].Summary, "since kopla began watching at 2026-12-08 03:00:00 UTC") {
		t.Errorf("summary = %q; want it to say when watching began", got[0].Summary)
	}
	if got := check(t0.Add(8 * time.Hour)); got != nil {
		t.Fatalf("second check while failing sent %v", got)
	}
	if err := n.RunFinished(ctx, okRun("paid_orders", 9, t0.Add(9*time.Hour))); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"no_success:paid_orders:recovered"}, events(rcv.take())); diff != "" {
		t.Fatalf("success (-want +got):\n%s", diff)
	}
	// The flow not in the block's flows is not watched.
	if err := n.Check(ctx, t0.Add(30*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"no_success:paid_orders:failing"}, events(rcv.take())); diff != "" {
		t.Fatalf("check after a day (-want +got):\n%s", diff)
	}
}

// TestFailedSendIsKept: a send that fails keeps its message, across a
// restart, until a later check delivers it; nothing is lost or sent twice.
func TestFailedSendIsKept(t *testing.T) {
	rcv := newReceiver(t)
	rcv.fail = 3 // every attempt of the first delivery
	path := filepath.Join(t.TempDir(), "state.db")
	rules := []dsl.NotifyRule{{Kind: dsl.RuleRunFailed}}
	ctx := t.Context()
	n := newNotifier(t, openStore(t, path), webhookBlock("ops", rcv.srv.URL, rules))
	if err := n.RunFinished(ctx, failedRun("paid_orders", 1, t0)); err != nil {
		t.Fatalf("RunFinished = %v; a failed send is no error of the run", err)
	}
	if got := rcv.take(); len(got) != 0 || n.Pending() != 1 {
		t.Fatalf("after 3 refused attempts: received %v, pending %d; want nothing and 1", events(got), n.Pending())
	}
	stored, err := openStore(t, path).NotifyStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var p []pending
	if len(stored) != 1 || json.Unmarshal(stored[0].Pending, &p) != nil || len(p) != 1 || p[0].Attempts != 1 || !strings.Contains(p[0].LastError, "503") {
		t.Fatalf("stored state = %+v; want the message pending after 1 failed delivery with its 503", stored)
	}

	// A restart, then the receiver recovers: the next check delivers,
	// once; further checks send nothing.
	n = newNotifier(t, openStore(t, path), webhookBlock("ops", rcv.srv.URL, rules))
	if err := n.Check(ctx, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"run_failed:paid_orders:failing"}, events(rcv.take())); diff != "" {
		t.Fatalf("retry (-want +got):\n%s", diff)
	}
	if err := n.Check(ctx, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := rcv.take(); len(got) != 0 || n.Pending() != 0 {
		t.Fatalf("after delivery: received %v, pending %d; want nothing", events(got), n.Pending())
	}
}

// failingStore refuses writes while broken.
type failingStore struct {
	Store
	broken bool
}

func (s *failingStore) PutNotifyState(ctx context.Context, st state.NotifyState) error {
	if s.broken {
		return errors.New("disk full")
	}
	return s.Store.PutNotifyState(ctx, st)
}

// TestUnstoredTransitionIsNotLost: when the state cannot be written, the
// transition is neither sent nor forgotten: the next report finds it.
func TestUnstoredTransitionIsNotLost(t *testing.T) {
	rcv := newReceiver(t)
	store := &failingStore{Store: openStore(t, filepath.Join(t.TempDir(), "state.db")), broken: true}
	n := newNotifier(t, store, webhookBlock("ops", rcv.srv.URL, []dsl.NotifyRule{{Kind: dsl.RuleRunFailed}}))
	if err := n.RunFinished(t.Context(), failedRun("paid_orders", 1, t0)); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("RunFinished with a broken store = %v; want the store's error", err)
	}
	if got := rcv.take(); len(got) != 0 {
		t.Fatalf("sent %v before the transition was stored", events(got))
	}
	store.broken = false
	if err := n.RunFinished(t.Context(), failedRun("paid_orders", 2, t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"run_failed:paid_orders:failing"}, events(rcv.take())); diff != "" {
		t.Fatalf("next run (-want +got):\n%s", diff)
	}
}

func TestMessageNamesRecordsAndHidesSecrets(t *testing.T) {
	rcv := newReceiver(t)
	n := newNotifier(t, openStore(t, filepath.Join(t.TempDir(), "state.db")),
		webhookBlock("ops", rcv.srv.URL, []dsl.NotifyRule{{Kind: dsl.RuleRecordsFailed, Count: 1}}))
	r := recordsRun("paid_orders", 42, t0, 7)
	r.Failed[1].Err = &connectors.APIError{Service: "hubspot", Status: 400, Code: "VALIDATION_ERROR",
		Message: "Email anna.svensson@example.com is invalid; Authorization: Bearer pat-na1-0123456789 token=abc123 " + hookSecret}
	r.Failed[2].Label, r.Failed[2].LabelSensitive = "Anna Svensson <anna.svensson@example.com>", true
	if err := n.RunFinished(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	got := rcv.take()
	if len(got) != 1 {
		t.Fatalf("got %d messages; want 1", len(got))
	}
	m := got[0]
	if m.RecordsFailed != 7 || m.RecordsTotal != 17 || len(m.Records) != maxRecords {
		t.Errorf("records = %d of %d, %d named; want 7 of 17, %d named", m.RecordsFailed, m.RecordsTotal, len(m.Records), maxRecords)
	}
	want := Record{Label: `order 4000 "#1000"`, SourceKey: "4000", Key: "HS-4000", Field: "CustomerId", Problem: Problem{Service: "eaccounting", Status: 400, Code: "4000", Message: "Customer not found"}}
	if diff := cmp.Diff(want, m.Records[0]); diff != "" {
		t.Errorf("first record (-want +got):\n%s", diff)
	}
	if m.Records[2].Label != "" || m.Records[2].SourceKey != "4002" {
		t.Errorf("record with a sensitive label = %+v; want its keys without the label", m.Records[2])
	}
	wantMore := []string{"kopla log -run 42 -action error", "kopla trace 4000", "kopla trace 4001", "kopla trace 4002"}
	if diff := cmp.Diff(wantMore, m.More); diff != "" {
		t.Errorf("more (-want +got):\n%s", diff)
	}
	text := m.Text()
	js, _ := json.Marshal(m)
	for _, out := range []string{text, m.Subject(), string(js)} {
		for _, leak := range []string{"anna.svensson", "Anna Svensson", "pat-na1-0123456789", "abc123", hookSecret} {
			if strings.Contains(out, leak) {
				t.Errorf("message shows %q:\n%s", leak, out)
			}
		}
	}
	for _, part := range []string{
		"Flow paid_orders of project shop: 7 of 17 records failed in run 42.",
		`order 4000 "#1000" (source 4000, key HS-4000)`,
		"field CustomerId: eaccounting 400 4000: Customer not found",
		"hubspot 400 VALIDATION_ERROR: Email (e-mail address) is invalid; Authorization: Bearer (sensitive value) token=(sensitive value) (sensitive value)",
		"and 2 more.",
		"kopla log -run 42 -action error",
		"kopla trace 4000",
	} {
		if !strings.Contains(text, part) {
			t.Errorf("text lacks %q:\n%s", part, text)
		}
	}
}

func TestSlack(t *testing.T) {
	var mu sync.Mutex
	var texts []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/services/T000/B000/XXXX" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("request %s %s (%s); want a JSON POST to the webhook's path", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("body: %v", err)
		}
		text, _ := body["text"].(string)
		if len(body) != 1 || text == "" {
			t.Errorf("body = %v; want {\"text\": ...}", body)
		}
		mu.Lock()
		texts = append(texts, text)
		mu.Unlock()
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	hook := srv.URL + "/services/T000/B000/XXXX"
	n := newNotifier(t, openStore(t, filepath.Join(t.TempDir(), "state.db")), Block{
		Notify:   &dsl.Notify{Name: "team", Rules: []dsl.NotifyRule{{Kind: dsl.RuleRecordsFailed, Count: 1}}},
		Channels: &dsl.NotifyChannels{Slack: &dsl.SlackChannel{WebhookURL: dsl.Secret(hook)}},
	})
	r := recordsRun("paid_orders", 7, t0, 1)
	r.Failed[0].Label = "order <4000> & co"
	if err := n.RunFinished(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(t.Context(), okRun("paid_orders", 8, t0.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if len(texts) != 2 {
		t.Fatalf("Slack received %d messages; want 2", len(texts))
	}
	for _, part := range []string{
		"*[kopla] shop/paid_orders FAILING: 1 of 11 records failed in run 7*",
		"order &lt;4000&gt; &amp; co (source 4000, key HS-4000)",
		"field CustomerId: eaccounting 400 4000: Customer not found",
		"kopla log -run 7 -action error",
		"kopla trace 4000",
	} {
		if !strings.Contains(texts[0], part) {
			t.Errorf("failing text lacks %q:\n%s", part, texts[0])
		}
	}
	if !strings.Contains(texts[1], "*[kopla] shop/paid_orders recovered: 0 of 10 records failed in run 8*") {
		t.Errorf("recovery text:\n%s", texts[1])
	}
}

// TestSlackErrorHidesURL: Slack's webhook URL is its secret; a failed
// post must not log it.
func TestSlackErrorHidesURL(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "invalid_token", http.StatusForbidden)
	}))
	defer srv.Close()
	hook := srv.URL + "/services/T000/B000/SECRETPART"
	var logs strings.Builder
	n, err := New([]Block{{
		Notify:   &dsl.Notify{Name: "team", Rules: []dsl.NotifyRule{{Kind: dsl.RuleRunFailed}}},
		Channels: &dsl.NotifyChannels{Slack: &dsl.SlackChannel{WebhookURL: dsl.Secret(hook)}},
	}}, Options{Project: "shop", Store: openStore(t, filepath.Join(t.TempDir(), "state.db")), Backoff: time.Millisecond, Attempts: 2, Logger: newTextLogger(&logs)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.RunFinished(t.Context(), failedRun("paid_orders", 1, t0)); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if strings.Count(out, "notification send failed") != 2 || !strings.Contains(out, "403") || !strings.Contains(out, "invalid_token") {
		t.Errorf("log lacks the two failed attempts with Slack's answer:\n%s", out)
	}
	if strings.Contains(out, "SECRETPART") {
		t.Errorf("log shows the webhook URL:\n%s", out)
	}
	if n.Pending() != 1 {
		t.Errorf("Pending = %d; want the message kept", n.Pending())
	}
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func TestSign(t *testing.T) {
	// The documented example: receivers check their code against it.
	got := Sign("secret", 1765162800, []byte(`{"event":"failing"}`))
	mac := hmac.New(sha256.New, []byte("secret"))
	mac.Write([]byte(`1765162800.{"event":"failing"}`))
	if want := "v1=" + hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("Sign = %s; want %s", got, want)
	}
}

// TestConcurrentReports: reports of several flows and periodic checks at
// the same time deliver each transition exactly once.
func TestConcurrentReports(t *testing.T) {
	rcv := newReceiver(t)
	n := newNotifier(t, openStore(t, filepath.Join(t.TempDir(), "state.db")),
		webhookBlock("ops", rcv.srv.URL, []dsl.NotifyRule{{Kind: dsl.RuleRunFailed}, {Kind: dsl.RuleRecordsFailed, Count: 1}}))
	ctx := t.Context()
	flows := []string{"a", "b", "c", "d"}
	const runs = 12 // failing on odd runs: 6 failing and 6 recovered messages per rule and flow
	var wg sync.WaitGroup
	done, checked := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(checked)
		for {
			select {
			case <-done:
				return
			default:
				if err := n.Check(ctx, time.Now()); err != nil {
					t.Error(err)
				}
			}
		}
	}()
	for _, f := range flows {
		wg.Go(func() {
			for i := range runs {
				r := okRun(f, int64(i+1), t0.Add(time.Duration(i)*time.Minute))
				if i%2 == 0 {
					r = recordsRun(f, int64(i+1), t0.Add(time.Duration(i)*time.Minute), 1)
					r.Err = errors.New("read stopped")
				}
				if err := n.RunFinished(ctx, r); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	<-checked
	if err := n.Check(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range events(rcv.take()) {
		count[e]++
	}
	for _, f := range flows {
		for _, rule := range []string{"run_failed", "records_failed"} {
			for _, ev := range []string{EventFailing, EventRecovered} {
				if got := count[rule+":"+f+":"+ev]; got != runs/2 {
					t.Errorf("%s %s %s: %d messages; want %d", rule, f, ev, got, runs/2)
				}
			}
		}
	}
}
