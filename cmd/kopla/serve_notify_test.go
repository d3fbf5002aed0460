//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/internal/mailpittest"
	"github.com/kopla-dev/kopla/notify"
	"github.com/kopla-dev/kopla/sandbox"
)

// notifyProject is interruptProject with the customers' country
// from the source (a country eAccounting does not know fails the record
// there with a 400 on InvoiceCountryCode), an hourly schedule (serve runs
// the flow once when it starts) and the notify block NOTIFY.
func notifyProject(notifyBlock string) string {
	p := strings.Replace(interruptProject, `flow "customers" {`, `flow "customers" {
  schedule = "every 1h"`, 1)
	p = strings.Replace(p, `InvoiceCity       = "'Uppsala'"`, `InvoiceCity       = "'Uppsala'"
    InvoiceCountryCode = "source.country"`, 1)
	return p + notifyBlock
}

// notifyPeople are three customers, K-001 in the country country.
func notifyPeople(country string) string {
	return `{"number":"K-000","name":"Kund 0","country":"SE"}
{"number":"K-001","name":"Kund 1","country":"` + country + `"}
{"number":"K-002","name":"Kund 2","country":"SE"}
`
}

// postRetry asks serve at addr to retry the failed records of the last
// run of flow (POST /api/retry).
func postRetry(t *testing.T, addr, flow string) {
	t.Helper()
	resp, err := http.Post("http://"+addr+"/api/retry", "application/json", strings.NewReader(`{"flow": "`+flow+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/retry: %s %s", resp.Status, b)
	}
}

// mailsWithin waits up to within for Mailpit to hold want messages, and
// then a little longer, to see that no more arrive.
func mailsWithin(t *testing.T, mp *mailpittest.Server, want int, within time.Duration) []mailpittest.Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for len(mp.Messages(t)) < want && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	return mp.Messages(t)
}

// TestServeNotifiesByEmail runs the built kopla serve on the eAccounting
// fake with a notify block that mails a real SMTP server (Mailpit, with
// STARTTLS and a login): a run whose record eAccounting refuses sends one
// e-mail naming the flow, the record, the field and the API's code and
// message; the next failing run (a retry through POST /api/retry) sends
// nothing; a restart of serve resends nothing; once the record is fixed
// its retry succeeds and exactly one recovery arrives.
func TestServeNotifiesByEmail(t *testing.T) {
	bin := buildKopla(t)
	mp := mailpittest.Start(t, mailpittest.StartTLS)
	sb := sandbox.NewTest(t, sandbox.Options{Limits: sandbox.Limits{EAccountingPerEndpoint: 100000}})
	ea := sb.EAccounting()
	e := newEnv(t)
	e.write("main.hcl", notifyProject(fmt.Sprintf(`
notify "ops" {
  on = ["records_failed"]
  records_failed {
    count = 1
  }
  email {
    to   = ["ops@example.com"]
    from = "kopla@example.com"
    smtp {
      host     = "127.0.0.1"
      port     = %d
      username = %q
      password = env("SMTP_PASSWORD")
    }
  }
}
`, mp.SMTPPort, mailpittest.User)))
	e.write("in/people.jsonl", notifyPeople("XX"))
	refresh := ea.IssueRefreshToken()
	env := append(os.Environ(),
		"EACCOUNTING_CLIENT_ID="+ea.ClientID(), "EACCOUNTING_CLIENT_SECRET="+ea.ClientSecret(),
		"EACCOUNTING_REFRESH_TOKEN="+refresh, "EACCOUNTING_BASE_URL="+sb.EAccountingURL(),
		"EACCOUNTING_IDENTITY_URL="+sb.IdentityURL(), "KOPLA_LOG=info",
		"SMTP_PASSWORD="+mailpittest.Password,
		// The child trusts the test's certificate as a system root.
		"SSL_CERT_FILE="+mp.CertFile, "KOPLA_NOTIFY_EVERY=200ms")
	serveArgs := []string{"-chdir", e.dir, "serve", "-listen", "127.0.0.1:0", "-no-reconcile"}

	p := startServe(t, bin, env, serveArgs...)
	if line := p.waitLog(t, "run finished", 60*time.Second); !strings.Contains(line, "failed=1") {
		t.Fatalf("the first run: %s; want 1 failed record", line)
	}
	got := mailsWithin(t, mp, 1, 20*time.Second)
	if len(got) != 1 {
		t.Fatalf("Mailpit received %d messages after the failing run; want 1", len(got))
	}
	fail := got[0]
	if !strings.Contains(fail.Subject, "/customers FAILING: 1 of 3 records failed in run 1") {
		t.Errorf("subject = %q", fail.Subject)
	}
	for _, part := range []string{
		"Flow customers of project",
		"source number=K-001, key K-001",
		"field InvoiceCountryCode: eaccounting 400 2000:",
		"Unknown country code.",
		"kopla -chdir " + e.dir + " log -run 1 -action error",
	} {
		if !strings.Contains(fail.Text, part) {
			t.Errorf("the failing mail lacks %q:\n%s", part, fail.Text)
		}
	}
	for _, secret := range []string{mailpittest.Password, ea.ClientSecret(), refresh} {
		if strings.Contains(fail.Text, secret) || strings.Contains(fail.Subject, secret) {
			t.Errorf("the mail holds a secret:\n%s", fail.Text)
		}
	}

	// The next run fails the same way: no second message.
	postRetry(t, p.addr, "customers")
	if line := p.waitLog(t, "run finished", 60*time.Second); !strings.Contains(line, "failed=1") {
		t.Fatalf("the retry: %s; want 1 failed record", line)
	}
	if got := mailsWithin(t, mp, 2, time.Second); len(got) != 1 {
		t.Fatalf("Mailpit holds %d messages after a second failing run; want still 1", len(got))
	}

	// A restart resends nothing: the rule's state is the state file's.
	p.signal(t, syscall.SIGTERM)
	p = startServe(t, bin, env, serveArgs...)
	defer p.signal(t, syscall.SIGTERM)
	if got := mailsWithin(t, mp, 2, time.Second); len(got) != 1 {
		t.Fatalf("Mailpit holds %d messages after a restart; want still 1", len(got))
	}

	// Fixed in the source, the record's retry goes through: one recovery.
	e.write("in/people.jsonl", notifyPeople("NO"))
	postRetry(t, p.addr, "customers")
	if line := p.waitLog(t, "run finished", 60*time.Second); !strings.Contains(line, "create=1") || !strings.Contains(line, "failed=0") {
		t.Fatalf("the retry after the fix: %s; want K-001 created", line)
	}
	got = mailsWithin(t, mp, 2, 20*time.Second)
	if len(got) != 2 {
		t.Fatalf("Mailpit holds %d messages after the recovery; want 2 (failing, recovered)", len(got))
	}
	// Mailpit lists the newest first.
	if rec := got[0]; !strings.Contains(rec.Subject, "/customers recovered: 0 of 1 records failed in run 3") {
		t.Errorf("recovery subject = %q\n%s", rec.Subject, rec.Text)
	}
	if n := len(fakeCustomers(t, sb)); n != 3 {
		t.Errorf("eAccounting holds %d customers; want 3", n)
	}
}

// receiver is a local HTTP server that records the JSON bodies posted to
// it.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	heads  []http.Header
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies, r.heads = append(r.bodies, b), append(r.heads, req.Header.Clone())
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func (r *receiver) wait(t *testing.T, n int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for r.count() < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if got := r.count(); got != n {
		t.Fatalf("%s received %d requests; want %d", r.srv.URL, got, n)
	}
}

// TestServeNotifiesSlackAndWebhook runs kopla serve in this process with a
// notify block posting to Slack and to a signed webhook (local HTTP
// servers): the failing run posts once to each, the recovery once more,
// and the webhook's signature verifies with its secret.
func TestServeNotifiesSlackAndWebhook(t *testing.T) {
	const hookSecret = "hook-secret-5b1c"
	slack, hook := newReceiver(t), newReceiver(t)
	sb := sandbox.NewTest(t, sandbox.Options{Limits: sandbox.Limits{EAccountingPerEndpoint: 100000}})
	ea := sb.EAccounting()
	e := newEnv(t)
	e.write("main.hcl", notifyProject(`
notify "ops" {
  on = ["records_failed"]
  slack {
    webhook_url = env("SLACK_WEBHOOK")
  }
  webhook {
    url    = env("OPS_HOOK")
    secret = env("OPS_HOOK_SECRET")
  }
}
`))
	e.write("in/people.jsonl", notifyPeople("XX"))
	vars := map[string]string{
		"EACCOUNTING_CLIENT_ID": ea.ClientID(), "EACCOUNTING_CLIENT_SECRET": ea.ClientSecret(),
		"EACCOUNTING_REFRESH_TOKEN": ea.IssueRefreshToken(), "EACCOUNTING_BASE_URL": sb.EAccountingURL(),
		"EACCOUNTING_IDENTITY_URL": sb.IdentityURL(),
		"SLACK_WEBHOOK":            slack.srv.URL + "/services/T000/B000/XXXX", "OPS_HOOK": hook.srv.URL + "/hooks/kopla", "OPS_HOOK_SECRET": hookSecret,
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runWith(ctx, deps{stdout: &stdout, stderr: &stderr, registry: registry, now: time.Now,
			lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }},
			[]string{"-chdir", e.dir, "serve", "-listen", "127.0.0.1:0", "-no-reconcile"})
	}()
	addr := waitFor(t, &stdout, &stderr, done, "kopla serve is running on http://")
	addr = strings.Fields(addr)[0]
	waitFor(t, &stderr, &stderr, done, `msg="run finished"`)
	slack.wait(t, 1, 20*time.Second)
	hook.wait(t, 1, 20*time.Second)

	var text struct{ Text string }
	if err := json.Unmarshal(slack.bodies[0], &text); err != nil || !strings.Contains(text.Text, "source number=K-001, key K-001") || !strings.Contains(text.Text, "InvoiceCountryCode") {
		t.Errorf("Slack message %s (%v); want it to name K-001 and InvoiceCountryCode", slack.bodies[0], err)
	}
	var m notify.Message
	if err := json.Unmarshal(hook.bodies[0], &m); err != nil || m.Event != "failing" || m.Flow != "customers" || len(m.Records) != 1 ||
		m.Records[0].Field != "InvoiceCountryCode" || m.Records[0].Code != "2000" || m.Records[0].Key != "K-001" {
		t.Errorf("webhook message %s (%v); want customers failing on InvoiceCountryCode", hook.bodies[0], err)
	}
	h := hook.heads[0]
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write([]byte(h.Get(notify.HeaderTimestamp) + "." + string(hook.bodies[0])))
	if got, want := h.Get(notify.HeaderSignature), "v1="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("signature %q; want %q", got, want)
	}

	e.write("in/people.jsonl", notifyPeople("NO"))
	postRetry(t, addr, "customers")
	slack.wait(t, 2, 20*time.Second)
	hook.wait(t, 2, 20*time.Second)
	if err := json.Unmarshal(hook.bodies[1], &m); err != nil || m.Event != "recovered" {
		t.Errorf("second webhook message %s (%v); want the recovery", hook.bodies[1], err)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d:\n%s", code, stderr.String())
	}
}

// waitFor waits for a line of w containing s and returns what follows s.
func waitFor(t *testing.T, w, logs *syncBuffer, done chan int, s string) string {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		if _, after, ok := strings.Cut(w.String(), s); ok {
			line, _, _ := strings.Cut(after, "\n")
			return line
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d early:\n%s", code, logs.String())
		case <-deadline:
			t.Fatalf("no %q within 60s:\n%s", s, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestServeRefusesUndecodableNotify: a notify block whose secret is an
// unset environment variable stops serve before it starts, naming it.
func TestServeRefusesUndecodableNotify(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", notifyProject(`
notify "ops" {
  on = ["run_failed"]
  slack {
    webhook_url = env("SLACK_WEBHOOK")
  }
}
`))
	e.write("in/people.jsonl", notifyPeople("SE"))
	vars := map[string]string{"EACCOUNTING_CLIENT_ID": "id", "EACCOUNTING_CLIENT_SECRET": "secret", "EACCOUNTING_REFRESH_TOKEN": "token",
		"EACCOUNTING_BASE_URL": "http://127.0.0.1:1/v2", "EACCOUNTING_IDENTITY_URL": "http://127.0.0.1:1"}
	var stdout, stderr bytes.Buffer
	code := runWith(t.Context(), deps{stdout: &stdout, stderr: &stderr, registry: registry, now: time.Now,
		lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }},
		[]string{"-chdir", e.dir, "-no-color", "serve", "-listen", "127.0.0.1:0", "-no-reconcile"})
	out := stdout.String() + stderr.String()
	if code != exitError || !strings.Contains(out, "SLACK_WEBHOOK") || strings.Contains(out, "kopla serve is running") {
		t.Errorf("serve exited %d; want 1 before it starts, naming SLACK_WEBHOOK:\n%s", code, out)
	}
}
