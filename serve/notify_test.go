package serve

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/internal/mailpittest"
	"github.com/kopla-dev/kopla/notify"
	"github.com/kopla-dev/kopla/sandbox"
)

// TestNotifyThroughServe: orders from HubSpot webhooks that eAccounting
// refuses (400) make one e-mail to a real SMTP server naming the flow, the
// orders by label and keys and the API's answer; the next failing run and
// a restart send nothing; the run after the cause is gone sends one
// recovery. The pending gauge is on /metrics.
func TestNotifyThroughServe(t *testing.T) {
	t.Parallel()
	mp := mailpittest.Start(t, mailpittest.StartTLS)
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}, NotifyEvery: 100 * time.Millisecond})
	n, err := notify.New([]notify.Block{{
		Notify: &dsl.Notify{Name: "ops", Rules: []dsl.NotifyRule{{Kind: dsl.RuleRecordsFailed, Count: 1}}},
		Channels: &dsl.NotifyChannels{Email: &dsl.EmailChannel{
			To: []string{"ops@example.com"}, From: "kopla@example.com",
			SMTP: dsl.SMTPSettings{Host: "127.0.0.1", Port: mp.SMTPPort, Username: mailpittest.User, Password: dsl.Secret(mailpittest.Password), StartTLS: true},
		}},
	}}, notify.Options{Project: "webshop", Flows: []string{ordersFlow}, Store: h.st, TLSConfig: &tls.Config{RootCAs: mp.Roots}, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.opts.Notifier = n
	ea := h.sb.EAccounting()
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/orders", Status: http.StatusBadRequest, Times: -1})
	h.start()
	// mails waits up to within for want messages, and a little more.
	mails := func(want int, within time.Duration) []mailpittest.Message {
		t.Helper()
		deadline := time.Now().Add(within)
		for len(mp.Messages(t)) < want && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // and no more
		return mp.Messages(t)
	}

	h.post([]map[string]any{orderEvent(1, "4001", "creation"), orderEvent(2, "4002", "creation")})
	if r := h.waitRun(30 * time.Second); len(r.Failed) != 2 {
		t.Fatalf("first run failed %+v; want orders 4001 and 4002", r.Failed)
	}
	got := mails(1, 10*time.Second)
	if len(got) != 1 {
		t.Fatalf("%d mails after the failing run; want 1", len(got))
	}
	// The run's counts are those of the flows it ran (the orders' ensured
	// customers and articles too): the orders' line items were blocked.
	if !strings.Contains(got[0].Subject, "webshop/"+ordersFlow+" FAILING: 4 of 20 records failed in run 1") {
		t.Errorf("subject %q", got[0].Subject)
	}
	for _, part := range []string{
		// The key (YourReference) is personal data in eAccounting: left out.
		`order 4001 "Webborder 1001" (source 4001)`, `order 4002 "Webborder 1002" (source 4002)`,
		"eaccounting 400 6001: Bad Request", "kopla log -run 1 -action error", "kopla trace 4001",
	} {
		if !strings.Contains(got[0].Text, part) {
			t.Errorf("the mail lacks %q:\n%s", part, got[0].Text)
		}
	}

	h.post([]map[string]any{orderEvent(3, "4001", "propertyChange")})
	if r := h.waitRun(30 * time.Second); len(r.Failed) != 1 {
		t.Fatalf("second run failed %+v; want order 4001", r.Failed)
	}
	if got := mails(2, time.Second); len(got) != 1 {
		t.Fatalf("%d mails after the second failing run; want still 1", len(got))
	}
	h.shutdown()
	h.start()
	if got := mails(2, time.Second); len(got) != 1 {
		t.Fatalf("%d mails after a restart; want still 1", len(got))
	}

	ea.ClearFaults()
	h.post([]map[string]any{orderEvent(4, "4001", "propertyChange"), orderEvent(5, "4002", "propertyChange")})
	if r := h.waitRun(30 * time.Second); len(r.Failed) != 0 || r.Counts["create"] != 2 {
		t.Fatalf("run after the fault: counts %v, failed %+v; want 2 creates", r.Counts, r.Failed)
	}
	got = mails(2, 10*time.Second)
	if len(got) != 2 || !strings.Contains(got[0].Subject, "recovered") {
		t.Fatalf("%d mails after the recovery (newest %q); want 2, the newest a recovery", len(got), got[0].Subject)
	}
	resp, err := http.Get("http://" + h.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\nkopla_notifications_pending 0\n") {
		t.Errorf("/metrics lacks kopla_notifications_pending 0")
	}
}

// TestNotifyReport: the adapter hands the notifier the counts, the pickup
// lag and each failed record, with the API's error whole when there is one
// (its fields' messages with it).
func TestNotifyReport(t *testing.T) {
	api := &connectors.APIError{Service: "eaccounting", Status: 400, Code: "2000", Message: "bad country",
		Fields: []connectors.FieldError{{Field: "InvoiceCountryCode", Message: "Unknown country code."}}}
	r := notifyReport(RunReport{
		Flow: "customers", RunID: 7, Counts: map[string]int{"create": 2, "update": 1, "no_op": 3, "skip": 4, "error": 1, "blocked": 1},
		PickupLag: time.Minute, HasPickupLag: true,
		Failed: []FailedRecord{
			{SourceKey: "K-1", Label: "customer K-1", Key: "K-1", Field: "InvoiceCountryCode", Code: "2000", Status: 400, Message: api.Error(), Err: fmt.Errorf("create: %w", api)},
			{SourceKey: "K-2", Message: "blocked: its parent failed"},
		},
	})
	if r.Flow != "customers" || r.RunID != 7 || r.Counts != (plan.Counts{Create: 2, Update: 1, NoOp: 3, Skip: 4, Error: 1, Blocked: 1}) || r.PickupLag != time.Minute || !r.HasPickupLag {
		t.Errorf("report %+v", r)
	}
	if len(r.Failed) != 2 {
		t.Fatalf("failed %+v", r.Failed)
	}
	if f := r.Failed[0]; f.Err == nil || f.Code != "" || f.Message != "" || f.Label != "customer K-1" || f.Key != "K-1" || f.Field != "InvoiceCountryCode" {
		t.Errorf("API failure %+v; want the error whole, for the notifier to describe", f)
	}
	if f := r.Failed[1]; f.Err != nil || f.Message != "blocked: its parent failed" {
		t.Errorf("other failure %+v; want its message", f)
	}
}

// TestNotifyChecks: serve checks the notifier every NotifyEvery, so a
// flow that has not run successfully within no_success_within is told
// about without any run.
func TestNotifyChecks(t *testing.T) {
	t.Parallel()
	got := make(chan []byte, 10)
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- b
	}))
	defer slack.Close()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}, NotifyEvery: 50 * time.Millisecond})
	n, err := notify.New([]notify.Block{{
		Notify:   &dsl.Notify{Name: "ops", Rules: []dsl.NotifyRule{{Kind: dsl.RuleNoSuccess, Within: 300 * time.Millisecond}}},
		Channels: &dsl.NotifyChannels{Slack: &dsl.SlackChannel{WebhookURL: dsl.Secret(slack.URL + "/services/T/B/X")}},
	}}, notify.Options{Project: "webshop", Flows: []string{ordersFlow}, Store: h.st, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	h.opts.Notifier = n
	h.start()
	select {
	case b := <-got:
		if !strings.Contains(string(b), ordersFlow) || !strings.Contains(string(b), "FAILING") {
			t.Errorf("Slack got %s; want the no_success message of %s", b, ordersFlow)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no message within 10s; the checks did not run; log:\n%s", h.logs.String())
	}
}
