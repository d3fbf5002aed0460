//go:build unix

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// terminal is kopla running as its own process (this test binary as
// main, see TestMain) on a pseudo-terminal: what it prints is read from the
// terminal, and what is written to it is typed, Ctrl-C included.
type terminal struct {
	t    *testing.T
	cmd  *exec.Cmd
	tty  *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	seen int // what expect has consumed of out
	eof  chan struct{}
}

// startTerminal starts kopla with args on a new pseudo-terminal, with only
// the environment variables given (and PATH, HOME, TMPDIR).
func startTerminal(t *testing.T, environ map[string]string, args ...string) *terminal {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = []string{"KOPLA_TEST_RUN_MAIN=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TMPDIR=" + os.TempDir()}
	for k, v := range environ {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Fatalf("start kopla on a pseudo-terminal: %v", err)
	}
	term := &terminal{t: t, cmd: cmd, tty: tty, eof: make(chan struct{})}
	go func() {
		defer close(term.eof)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return // EIO once kopla has exited and closed the terminal
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		tty.Close()
	})
	return term
}

// output is everything kopla printed so far.
func (term *terminal) output() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

// waitFor waits until what kopla printed after the last match matches re,
// and returns the submatches.
func (term *terminal) waitFor(re *regexp.Regexp, timeout time.Duration) []string {
	term.t.Helper()
	deadline := time.Now().Add(timeout)
	ended := false
	for {
		term.mu.Lock()
		rest := term.out.String()[term.seen:]
		if loc := re.FindStringSubmatchIndex(rest); loc != nil {
			m := make([]string, len(loc)/2)
			for i := range m {
				if loc[2*i] >= 0 {
					m[i] = rest[loc[2*i]:loc[2*i+1]]
				}
			}
			term.seen += loc[1]
			term.mu.Unlock()
			return m
		}
		term.mu.Unlock()
		if ended {
			term.t.Fatalf("kopla ended before printing %s:\n%s", re, term.output())
		}
		select {
		case <-term.eof:
			ended = true // look once more: the last output came with the end
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("kopla did not print %s within %s:\n%s", re, timeout, term.output())
		}
	}
}

// typeIn types text at the terminal.
func (term *terminal) typeIn(text string) {
	term.t.Helper()
	if _, err := io.WriteString(term.tty, text); err != nil {
		term.t.Fatalf("type %q: %v", text, err)
	}
}

// exitCode waits for kopla to end and returns its exit code.
func (term *terminal) exitCode(timeout time.Duration) int {
	term.t.Helper()
	done := make(chan error, 1)
	go func() { done <- term.cmd.Wait() }()
	select {
	case err := <-done:
		<-term.eof
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			term.t.Fatalf("wait for kopla: %v", err)
		}
		return 0
	case <-time.After(timeout):
		term.t.Fatalf("kopla did not end within %s:\n%s", timeout, term.output())
		return -1
	}
}

// prompt is a question of kopla new waiting for its answer: "name? " or
// "name? [default] " at the end of the output.
var prompt = regexp.MustCompile(`(?:^|\n)([^\n]*?)\? (?:\[[^\]\n]*\] )?$`)

// TestNewInteractive drives kopla new through a pseudo-terminal: it takes
// the default flows, answers the freight article with one that does not
// exist, sees the question asked again with the reason, answers it right,
// changes one more setting and takes the other defaults; the project is
// written with the answers and planned.
func TestNewInteractive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shop")
	term := startTerminal(t, nil, "new", "-sandbox", "-no-color", dir)
	asked := map[string]int{}
	for {
		m := term.waitFor(regexp.MustCompile(`(?:`+prompt.String()+`)|(kopla new: done\.|kopla new stopped|Error: .*)`), 20*time.Second)
		if m[2] != "" {
			if !strings.HasPrefix(m[2], "kopla new: done") {
				t.Fatalf("kopla new failed:\n%s", term.output())
			}
			break
		}
		q := m[1]
		asked[q]++
		switch {
		case q == "freight_article_number" && asked[q] == 1:
			term.typeIn("NOPE\r")
			term.waitFor(regexp.MustCompile(`"NOPE" is not accepted: eaccounting\.books has no article with Number "NOPE": create it there, or answer one that exists`), 5*time.Second)
		case q == "freight_article_number":
			term.typeIn("FRAKT\r")
		case q == "reference_prefix":
			term.typeIn("SHOP-\r")
		default:
			term.typeIn("\r")
		}
	}
	if code := term.exitCode(20 * time.Second); code != exitOK {
		t.Fatalf("kopla new exited %d:\n%s", code, term.output())
	}
	if asked["freight_article_number"] != 2 {
		t.Errorf("freight_article_number was asked %d times; want 2 (again after the wrong answer)", asked["freight_article_number"])
	}
	if !strings.Contains(term.output(), "Number of the eAccounting article that charges shipping costs") {
		t.Error("the setting's description was not shown with its question")
	}
	main := read(t, filepath.Join(dir, "main.hcl"))
	for _, want := range []string{`freight_article_number = "FRAKT"`, `reference_prefix = "SHOP-"`, `default_customer_number = "1000"`} {
		if !strings.Contains(main, want) {
			t.Errorf("main.hcl lacks %q:\n%s", want, main)
		}
	}
	for _, want := range []string{"Success! The configuration is valid.", "The accounts have everything the flow libraries need.", "Plan: "} {
		if !strings.Contains(term.output(), want) {
			t.Errorf("kopla new did not show %q:\n%s", want, term.output())
		}
	}
}
