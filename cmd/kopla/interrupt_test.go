//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/sandbox"
)

// interruptProject writes customers from a file to the sandbox's
// eAccounting fake.
const interruptProject = `
connection "file" "in" {
  dir = "in"
  key = "number"
}

connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
  refresh_token = env("EACCOUNTING_REFRESH_TOKEN")
  base_url      = env("EACCOUNTING_BASE_URL")
  identity_url  = env("EACCOUNTING_IDENTITY_URL")
  rate_limit    = 100000
}

flow "customers" {
  source = file.in.people
  target = eaccounting.books.customers
  key    = "CustomerNumber"
  fields {
    CustomerNumber    = "source.number"
    Name              = "source.name"
    InvoiceCity       = "'Uppsala'"
    InvoicePostalCode = "'75310'"
    IsActive          = "true"
    IsPrivatePerson   = "true"
    TermsOfPaymentId  = "find(eaccounting.books.termsofpayments, 'Name', '30 dagar netto').Id"
  }
}
`

// newInterruptEnv is a project that creates total eAccounting customers
// from a file, on a sandbox that allows any pace.
func newInterruptEnv(t *testing.T, total int) (*sandbox.Sandbox, *env) {
	sb := sandbox.NewTest(t, sandbox.Options{Limits: sandbox.Limits{EAccountingPerEndpoint: 100000}})
	ea := sb.EAccounting()
	e := newEnv(t)
	e.write("main.hcl", interruptProject)
	var people strings.Builder
	for i := range total {
		fmt.Fprintf(&people, `{"number":"K-%03d","name":"Kund %d"}`+"\n", i, i)
	}
	e.write("in/people.jsonl", people.String())
	e.vars = map[string]string{
		"EACCOUNTING_CLIENT_ID":     ea.ClientID(),
		"EACCOUNTING_CLIENT_SECRET": ea.ClientSecret(),
		"EACCOUNTING_REFRESH_TOKEN": ea.IssueRefreshToken(),
		"EACCOUNTING_BASE_URL":      sb.EAccountingURL(),
		"EACCOUNTING_IDENTITY_URL":  sb.IdentityURL(),
	}
	return sb, e
}

// Ctrl-C (SIGINT) in the middle of a long apply on the sandbox: every
// customer eAccounting answered for is linked and logged, the output says
// "Apply interrupted!" with the counts, the exit code is 1, and the next
// apply writes the rest without a duplicate.
func TestInterruptedApplySavesWhatWasWritten(t *testing.T) {
	const total, interruptAt = 40, 12
	sb, e := newInterruptEnv(t, total)
	ea := sb.EAccounting()

	// Every create takes a while; the interruptAt-th answer sends SIGINT
	// to this process, as Ctrl-C in a terminal does.
	ctx, stop := signal.NotifyContext(t.Context(), os.Interrupt)
	defer stop()
	var answered atomic.Int32
	ea.InjectFault(eaccountingtest.Fault{
		Method: http.MethodPost, PathPrefix: "/v2/customers", Latency: 5 * time.Millisecond, Times: -1,
		Answer: func(map[string]any) {
			if answered.Add(1) == interruptAt {
				syscall.Kill(os.Getpid(), syscall.SIGINT)
			}
		},
	})
	var stdout, stderr bytes.Buffer
	code := runWith(ctx, deps{
		stdout: &stdout, stderr: &stderr, registry: registry, now: time.Now,
		lookupEnv: func(k string) (string, bool) { v, ok := e.vars[k]; return v, ok },
	}, []string{"-chdir", e.dir, "apply", "-auto-approve", "-no-color"})
	stop()
	out := stdout.String()
	if code != exitError {
		t.Errorf("interrupted apply exited %d; want 1\n%s%s", code, out, stderr.String())
	}
	if strings.Contains(out, "Apply complete!") || !strings.Contains(out, "Apply interrupted!") {
		t.Errorf("output does not say the apply was interrupted:\n%s", out)
	}

	checkInterrupted(t, e.dir, sb, out, total, interruptAt)

	// The next apply writes the rest, once each.
	ea.ClearFaults()
	stdout.Reset()
	code = runWith(t.Context(), deps{
		stdout: &stdout, stderr: &stderr, registry: registry, now: time.Now,
		lookupEnv: func(k string) (string, bool) { v, ok := e.vars[k]; return v, ok },
	}, []string{"-chdir", e.dir, "apply", "-auto-approve", "-no-color"})
	if code != exitOK || !strings.Contains(stdout.String(), "Apply complete!") {
		t.Errorf("second apply exited %d:\n%s", code, stdout.String())
	}
	if after := fakeCustomers(t, sb); len(after) != total {
		t.Errorf("after the second apply the fake holds %d customers; want %d, no duplicates", len(after), total)
	}
}

// checkInterrupted checks the state of the project in dir after an apply
// of total customers was interrupted once at least interruptAt were
// answered: every customer eAccounting stored is linked and logged, or
// still pending in the intent journal (its answer was cut off), the output
// counts what was written, and the run is marked interrupted.
func checkInterrupted(t *testing.T, dir string, sb *sandbox.Sandbox, out string, total, interruptAt int) {
	t.Helper()
	// eAccounting may still commit a create whose answer kopla no longer
	// waited for (a handler past its latency when the connection closed):
	// let the fake settle before comparing it with the state.
	for n, stable, deadline := len(fakeCustomers(t, sb)), 0, time.Now().Add(3*time.Second); stable < 5 && time.Now().Before(deadline); {
		time.Sleep(40 * time.Millisecond)
		if m := len(fakeCustomers(t, sb)); m != n {
			n, stable = m, 0
			continue
		}
		stable++
	}
	stored := fakeCustomers(t, sb)
	if len(stored) < interruptAt || len(stored) == total {
		t.Fatalf("the fake stored %d customers; want at least %d and fewer than %d (interrupted)", len(stored), interruptAt, total)
	}
	st, err := state.Open(t.Context(), filepath.Join(dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]string{} // target id -> source key
	if err := st.ListLinks(t.Context(), "customers", func(l state.Link) error { linked[l.TargetID] = l.SourceKey; return nil }); err != nil {
		t.Fatal(err)
	}
	pending, err := st.PendingIntents(t.Context(), "customers")
	if err != nil {
		t.Fatal(err)
	}
	unanswered := map[string]bool{}
	for _, in := range pending {
		unanswered[in.KeyValue] = true
	}
	acts, err := st.Activities(t.Context(), state.ActivityFilter{Flow: "customers"})
	if err != nil {
		t.Fatal(err)
	}
	logged := map[string]bool{}
	for _, a := range acts {
		if a.Action == "create" {
			logged[a.TargetID] = true
		}
	}
	// A customer stored but not linked is one whose answer never came
	// back (cut off by the interrupt): its intent is still pending, so the
	// next apply looks it up instead of creating it again.
	for id, number := range stored {
		switch {
		case linked[id] != "":
			if !logged[id] {
				t.Errorf("customer %s (%s) is linked but has no create in the activity log", number, id)
			}
		case !unanswered[number]:
			t.Errorf("customer %s (%s) was stored by eAccounting but is neither linked nor pending in the state", number, id)
		}
	}
	created := 0
	for id := range linked {
		if _, ok := stored[id]; !ok {
			t.Errorf("link to %s, which eAccounting does not hold", id)
		}
		created++
	}
	if want := fmt.Sprintf("Apply interrupted! %d created, 0 updated, 0 failed, 0 blocked, %d not written.", created, total-created); !strings.Contains(out, want) {
		t.Errorf("output does not say %q:\n%s", want, out)
	}
	runs, err := st.Runs(t.Context(), 1)
	if err != nil || len(runs) != 1 || runs[0].Status != "interrupted" {
		t.Errorf("last run = %+v, %v; want one marked interrupted", runs, err)
	}
	st.Close()

}

// fakeCustomers returns the K- customers the fake holds, number by id.
func fakeCustomers(t *testing.T, sb *sandbox.Sandbox) map[string]string {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, sb.EAccountingURL()+"/customers?$pagesize=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+sb.EAccounting().IssueAccessToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Data []struct{ Id, CustomerNumber string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatalf("GET customers: %d %v", resp.StatusCode, err)
	}
	out := map[string]string{}
	for _, c := range page.Data {
		if strings.HasPrefix(c.CustomerNumber, "K-") {
			out[c.Id] = c.CustomerNumber
		}
	}
	return out
}
