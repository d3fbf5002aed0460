package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- runWith(ctx, deps{stdout: &stdout, stderr: &stderr, registry: registry}, []string{"sandbox", "-hubspot-addr", "127.0.0.1:0"})
	}()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(stdout.String(), "These are the fakes' own test credentials") {
		select {
		case code := <-done:
			t.Fatalf("sandbox exited %d early:\n%s%s", code, stdout.String(), stderr.String())
		case <-deadline:
			t.Fatalf("sandbox did not start:\n%s%s", stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	out := stdout.String()
	for _, want := range []string{"HubSpot      http://127.0.0.1:", `connection "hubspot"`, "token", `connection "eaccounting"`, "client_id", "refresh_token"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("sandbox exited %d after Ctrl-C; want 0", code)
	}
}

// TestSandboxPlan plans the webshop example against a sandbox of its own,
// with no credentials in the environment.
func TestSandboxPlan(t *testing.T) {
	var stdout, stderr bytes.Buffer
	d := deps{stdout: &stdout, stderr: &stderr, registry: registry, lookupEnv: func(string) (string, bool) { return "", false }}
	code := runWith(t.Context(), d, []string{"-chdir", filepath.Join("..", "..", "examples", "webshop"), "plan", "-sandbox", "-detailed-exitcode", "-no-color"})
	if code != exitChanges {
		t.Fatalf("plan -sandbox exited %d; want 2 (changes):\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "to create") || !strings.Contains(stderr.String(), "Running against the sandbox") {
		t.Errorf("plan -sandbox output:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
}

// TestFlowTestsWithSandbox: a find() a test does not stub fails the test,
// unless -sandbox answers it from the demo data.
func TestFlowTestsWithSandbox(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", `
connection "file" "in"  { dir = "in" }
connection "file" "out" { dir = "out" }
connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
}

flow "prices" {
  source = file.in.prices
  target = file.out.prices
  key    = "sku"
  fields {
    sku   = "source.sku"
    gross = "round_money(number(source.net) * (1 + find(eaccounting.books.vatcodes, 'Code', 'MP1').VatRate / 100))"
  }
}
`)
	e.write("in/prices.csv", "sku,net\n")
	e.write("prices.test.hcl", `
test "gross price at the domestic rate" {
  flow   = flow.prices
  source = { sku = "A-1", net = "100" }
  expect {
    action = "create"
    fields = { gross = 125 }
  }
}
`)
	d := func(stdout, stderr *bytes.Buffer) deps {
		return deps{stdout: stdout, stderr: stderr, registry: registry, lookupEnv: func(string) (string, bool) { return "", false }}
	}
	var stdout, stderr bytes.Buffer
	if code := runWith(t.Context(), d(&stdout, &stderr), []string{"-chdir", e.dir, "test", "-no-color"}); code != exitError || !strings.Contains(stdout.String(), "has no stub") {
		t.Errorf("test without stub exited %d; want 1 naming the missing stub:\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := runWith(t.Context(), d(&stdout, &stderr), []string{"-chdir", e.dir, "test", "-sandbox", "-no-color"}); code != exitOK {
		t.Errorf("test -sandbox exited %d; want 0:\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestReadmeDemo runs the README's main command, which must succeed on a
// fresh machine, then its documented second step: with the demo's bad
// record, plan reports the too long SKU (and the order that needs it) as
// errors and exits 1, and apply writes every other record.
func TestReadmeDemo(t *testing.T) {
	webshop := filepath.Join("..", "..", "examples", "webshop")
	run := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		d := deps{stdout: &stdout, stderr: &stderr, registry: registry, lookupEnv: func(string) (string, bool) { return "", false }}
		code := runWith(t.Context(), d, append([]string{"-chdir", webshop}, args...))
		return code, stdout.String() + stderr.String()
	}
	if code, out := run("apply", "-sandbox", "-auto-approve", "-no-color"); code != exitOK {
		t.Fatalf("apply -sandbox -auto-approve exited %d; want 0:\n%s", code, out)
	}

	code, out := run("plan", "-sandbox-bad-record", "-detailed-exitcode", "-no-color")
	if code != exitError {
		t.Errorf("plan -sandbox-bad-record -detailed-exitcode exited %d; want 1 (errors):\n%s", code, out)
	}
	for _, want := range []string{"Number may have at most 40 characters", `"PRESENTINSLAGNING MED PERSONLIGT MEDDELANDE OCH KORT" has 52`, "4002"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan -sandbox-bad-record output lacks %q:\n%s", want, out)
		}
	}

	code, out = run("apply", "-sandbox-bad-record", "-auto-approve", "-no-color")
	if code != exitError {
		t.Errorf("apply -sandbox-bad-record exited %d; want 1 (a record failed):\n%s", code, out)
	}
	if !strings.Contains(out, "created") || strings.Contains(out, "maximum length of 40") {
		t.Errorf("apply -sandbox-bad-record should create the other records and never send the bad SKU:\n%s", out)
	}
}
