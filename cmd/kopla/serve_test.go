//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/sandbox"
)

// buildKopla builds the kopla binary once per test run.
func buildKopla(t *testing.T) string {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("built kopla in %v", time.Since(start)) }()
	bin := filepath.Join(t.TempDir(), "kopla")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// serveProc is a kopla serve process.
type serveProc struct {
	cmd  *exec.Cmd
	addr string
	logs chan string // stderr lines
	done chan error
}

func startServe(t *testing.T, bin string, env []string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, logs: make(chan string, 10000), done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "kopla serve is running on http://"); ok {
				addr <- strings.Fields(a)[0]
			}
		}
	}()
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case p.logs <- sc.Text():
			default:
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("serve exited at start: %v", err)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("serve did not start")
	}
	return p
}

// waitLog waits for a stderr line containing s.
func (p *serveProc) waitLog(t *testing.T, s string, within time.Duration) string {
	t.Helper()
	l, ok := p.log(s, within)
	if !ok {
		t.Fatalf("no log line with %q within %s", s, within)
	}
	return l
}

// log waits for a stderr line containing s, reporting whether one came.
func (p *serveProc) log(s string, within time.Duration) (string, bool) {
	deadline := time.After(within)
	for {
		select {
		case l := <-p.logs:
			if strings.Contains(l, s) {
				return l, true
			}
		case <-deadline:
			return "", false
		}
	}
}

func (p *serveProc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		t.Fatalf("serve did not stop on %v", sig)
	}
}

// newServedEnv is the project of newInterruptEnv run hourly by serve in a
// child process: total customers, whose creates eAccounting answers
// slowly, and the environment the child sees.
func newServedEnv(t *testing.T, total int) (*sandbox.Sandbox, *env, []string) {
	sb, e := newInterruptEnv(t, total)
	sb.EAccounting().InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Latency: 40 * time.Millisecond, Times: -1})
	e.write("main.hcl", strings.Replace(interruptProject, `flow "customers" {`, `flow "customers" {
  schedule = "every 1h"`, 1))
	environ := append(os.Environ(), "KOPLA_LOG=info")
	for k, v := range e.vars {
		environ = append(environ, k+"="+v)
	}
	return sb, e, environ
}

// TestServeKilledLosesNothing starts the built binary and stops it with
// SIGTERM (with a short grace, so that the run in flight is cut) or kills
// it (SIGKILL) at random points of its runs, then lets a last one finish:
// every customer is in eAccounting exactly once and a plan finds nothing
// left to do.
func TestServeKilledLosesNothing(t *testing.T) {
	const total = 120
	bin := buildKopla(t)
	sb, e, env := newServedEnv(t, total)

	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d", seed)
	for i, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGKILL, syscall.SIGTERM} {
		p := startServe(t, bin, env, "-chdir", e.dir, "serve", "-listen", "127.0.0.1:0", "-grace", "50ms", "-no-reconcile")
		if _, ok := p.log("run started", 3*time.Second); !ok {
			// A run before finished everything: nothing is due.
			p.signal(t, syscall.SIGTERM)
			t.Logf("start %d: nothing to do", i+1)
			continue
		}
		time.Sleep(time.Duration(rng.IntN(250)) * time.Millisecond)
		p.signal(t, sig)
		t.Logf("stop %d (%v): %d customers stored", i+1, sig, len(fakeCustomers(t, sb)))
	}
	// A last start catches up (the sweep that was cut is still due) and
	// finishes.
	p := startServe(t, bin, env, "-chdir", e.dir, "serve", "-listen", "127.0.0.1:0", "-no-reconcile")
	if _, ok := p.log("run started", 3*time.Second); ok {
		if line := p.waitLog(t, "run finished", 60*time.Second); !strings.Contains(line, "failed=0") {
			t.Errorf("the last run: %s", line)
		}
	}
	p.signal(t, syscall.SIGTERM)
	stored := fakeCustomers(t, sb)
	numbers := map[string]int{}
	for _, n := range stored {
		numbers[n]++
	}
	if len(numbers) != total || len(stored) != total {
		t.Errorf("eAccounting holds %d customers with %d numbers; want %d, each once", len(stored), len(numbers), total)
	}
	for n, c := range numbers {
		if c > 1 {
			t.Errorf("customer %s stored %d times", n, c)
		}
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var stdout, stderr bytes.Buffer
	code := runWith(t.Context(), deps{stdout: &stdout, stderr: &stderr, registry: registry,
		lookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
	}, []string{"-chdir", e.dir, "plan", "-detailed-exitcode", "-no-color"})
	if code != exitOK {
		t.Errorf("plan after serve exited %d; want 0 (nothing left):\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestServeSandbox: kopla serve -sandbox prints the fakes and their
// credentials, polls the HubSpot fake (which sends no webhooks) and writes
// its paid orders to the eAccounting fake, and stops cleanly on SIGTERM.
func TestServeSandbox(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- runWith(ctx, deps{stdout: &stdout, stderr: &stderr, registry: registry, lookupEnv: func(string) (string, bool) { return "", false }},
			[]string{"-chdir", filepath.Join("..", "..", "examples", "webshop"), "serve", "-sandbox", "-flow", "orders_to_eaccounting_orders", "-listen", "127.0.0.1:0", "-no-reconcile"})
	}()
	deadline := time.After(60 * time.Second)
	for !strings.Contains(stderr.String(), `msg="run finished"`) {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d early:\n%s%s", code, stdout.String(), stderr.String())
		case <-deadline:
			t.Fatalf("no run within 60s:\n%s%s", stdout.String(), stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	// The dashboard is served under / on the same listener.
	addr := regexp.MustCompile(`kopla serve is running on (http://127\.0\.0\.1:\d+) \(dashboard: /;`).FindStringSubmatch(stdout.String())
	if addr == nil {
		t.Fatalf("serve does not say it serves the dashboard:\n%s", stdout.String())
	}
	for path, want := range map[string]string{"/": "orders_to_eaccounting_orders", "/runs": "orders_to_eaccounting_orders", "/healthz": "ok"} {
		resp, err := http.Get(addr[1] + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d; want 200 with %q:\n%.400s", path, resp.StatusCode, want, body)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("serve exited %d after SIGTERM; want 0", code)
	}
	out, logs := stdout.String(), stderr.String()
	for _, want := range []string{"Sandbox: HubSpot http://127.0.0.1:", "eaccounting refresh_token", "webhook client secret", "kopla serve is running on http://127.0.0.1:", "kopla serve stopped."} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(logs, "trigger=sweep create=") || strings.Contains(logs, "trigger=sweep create=0 ") {
		t.Errorf("the first poll created nothing:\n%s", logs)
	}
}
