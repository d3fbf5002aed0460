//go:build unix

package main

import (
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// TestInterruptAtTerminal presses Ctrl-C at the terminal of a kopla apply
// that is writing to the sandbox's (slowed) eAccounting: the terminal
// driver turns the keystroke into SIGINT for kopla's process, as it does
// for a person. kopla says "Apply interrupted!" with the counts and exits
// 1; every write eAccounting answered is linked and logged in the state,
// and the next apply writes the rest without a duplicate.
func TestInterruptAtTerminal(t *testing.T) {
	const total, interruptAt = 60, 10
	sb, e := newInterruptEnv(t, total)
	ea := sb.EAccounting()
	// Each create takes 50 ms: the whole apply would take about half a
	// second at eight writes in flight, so Ctrl-C lands in its middle.
	var answered atomic.Int32
	reached := make(chan struct{})
	ea.InjectFault(eaccountingtest.Fault{
		Method: http.MethodPost, PathPrefix: "/v2/customers", Latency: 50 * time.Millisecond, Times: -1,
		Answer: func(map[string]any) {
			if answered.Add(1) == interruptAt {
				close(reached)
			}
		},
	})

	term := startTerminal(t, e.vars, "-chdir", e.dir, "apply", "-auto-approve", "-no-color")
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatalf("eAccounting did not answer %d creates:\n%s", interruptAt, term.output())
	}
	term.typeIn("\x03") // Ctrl-C
	term.waitFor(regexp.MustCompile(`Apply interrupted!`), 5*time.Second)
	if code := term.exitCode(5 * time.Second); code != exitError {
		t.Errorf("interrupted apply exited %d; want 1\n%s", code, term.output())
	}
	out := strings.ReplaceAll(term.output(), "\r\n", "\n")
	if strings.Contains(out, "Apply complete!") {
		t.Errorf("the interrupted apply says it completed:\n%s", out)
	}
	checkInterrupted(t, e.dir, sb, out, total, interruptAt)

	// The next apply writes the rest, once each.
	ea.ClearFaults()
	r := runKopla(t, e.vars, "-chdir", e.dir, "apply", "-auto-approve", "-no-color")
	if r.code != exitOK || !strings.Contains(r.stdout, "Apply complete!") {
		t.Errorf("second apply exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if after := fakeCustomers(t, sb); len(after) != total {
		t.Errorf("after the second apply the fake holds %d customers; want %d, no duplicates", len(after), total)
	}
}
