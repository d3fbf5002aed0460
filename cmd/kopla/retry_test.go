package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/sandbox"
)

// TestRetryCommand: kopla retry applies again only the records that failed
// in the last run (a 503), and then has nothing left to retry.
func TestRetryCommand(t *testing.T) {
	sb := sandbox.NewTest(t, sandbox.Options{})
	ea := sb.EAccounting()
	e := newEnv(t)
	e.write("main.hcl", interruptProject)
	people := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `{"number":"K-%03d","name":"Kund %d"}`+"\n", i, i)
		}
		return b.String()
	}
	e.write("in/people.jsonl", people(3))
	vars := map[string]string{
		"EACCOUNTING_CLIENT_ID": ea.ClientID(), "EACCOUNTING_CLIENT_SECRET": ea.ClientSecret(),
		"EACCOUNTING_REFRESH_TOKEN": ea.IssueRefreshToken(), "EACCOUNTING_BASE_URL": sb.EAccountingURL(),
		"EACCOUNTING_IDENTITY_URL": sb.IdentityURL(),
	}
	kopla := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := runWith(t.Context(), deps{stdout: &stdout, stderr: &stderr, registry: registry, now: time.Now,
			lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		}, append([]string{"-chdir", e.dir, "-no-color"}, args...))
		return code, stdout.String() + stderr.String()
	}
	if code, out := kopla("apply", "-auto-approve"); code != exitOK {
		t.Fatalf("first apply exited %d:\n%s", code, out)
	}
	// Two new customers, whose creates eAccounting refuses with 503.
	e.write("in/people.jsonl", people(5))
	ea.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Status: http.StatusServiceUnavailable, Times: -1})
	if code, out := kopla("apply", "-auto-approve"); code != exitError || len(fakeCustomers(t, sb)) != 3 {
		t.Fatalf("apply exited %d with %d customers stored; want 1 and 3:\n%s", code, len(fakeCustomers(t, sb)), out)
	}
	ea.ClearFaults()
	posts := ea.Requests("POST /v2/customers")
	code, out := kopla("retry")
	if code != exitOK || !strings.Contains(out, "Retrying 2 failed records of run 2") || !strings.Contains(out, "Plan: 2 to create, 0 to update, 0 unchanged") {
		t.Fatalf("retry exited %d; want 0, retrying the 2 failed records only:\n%s", code, out)
	}
	if n := ea.Requests("POST /v2/customers") - posts; n != 2 || len(fakeCustomers(t, sb)) != 5 {
		t.Errorf("retry sent %d creates and left %d customers; want 2 and 5", n, len(fakeCustomers(t, sb)))
	}
	if code, out := kopla("retry"); code != exitOK || !strings.Contains(out, "has no failed records") {
		t.Errorf("second retry exited %d:\n%s", code, out)
	}
	if code, out := kopla("retry", "-run", "99"); code != exitError || !strings.Contains(out, "There is no run 99") {
		t.Errorf("retry -run 99 exited %d:\n%s", code, out)
	}
}
