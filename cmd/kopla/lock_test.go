package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
	"github.com/kopla-dev/kopla/sandbox"
)

// shop is the webshop example with the flow library, pointed at a sandbox
// of its own through the environment, as `kopla sandbox` tells a user to:
// several kopla runs share its fakes and its state, like two terminals or
// a cron job and a terminal.
type shop struct {
	t   *testing.T
	sb  *sandbox.Sandbox
	dir string
	env map[string]string
}

func newShop(t *testing.T) *shop {
	t.Helper()
	// Limits far above what a run sends: no run waits for a rate-limit
	// window, so the runs overlap only where a test makes them.
	sb := sandbox.NewTest(t, sandbox.Options{Limits: sandbox.Limits{
		HubSpot:                hubspottest.Limits{Burst: 100000, Search: 100000},
		EAccountingPerEndpoint: 100000,
	}})
	root := t.TempDir()
	copyTree(t, filepath.Join("..", "..", "examples", "webshop"), filepath.Join(root, "examples", "webshop"))
	copyTree(t, filepath.Join("..", "..", "flows"), filepath.Join(root, "flows"))
	s := &shop{t: t, sb: sb, dir: filepath.Join(root, "examples", "webshop"), env: map[string]string{}}
	for _, e := range sandboxExports(sb) {
		s.env[e[0]] = e[1]
	}
	if r := s.run("init", "-no-color"); r.code != exitOK {
		t.Fatalf("kopla init = exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return s
}

// run is one kopla run in the project, to its end.
func (s *shop) run(args ...string) result {
	s.t.Helper()
	k := s.start(strings.NewReader(""), args...)
	return k.wait()
}

// kopla is a kopla run in progress.
type kopla struct {
	t              *testing.T
	args           []string
	stdout, stderr *syncBuffer
	done           chan int
	res            *result
}

// start starts a kopla run in the project, reading stdin.
func (s *shop) start(stdin io.Reader, args ...string) *kopla {
	d := deps{
		stdin: stdin, registry: registry,
		lookupEnv: func(name string) (string, bool) { v, ok := s.env[name]; return v, ok },
	}
	return startKopla(s.t, d, s.dir, args)
}

// startKopla starts kopla in dir with d, its output going to the run's
// buffers.
func startKopla(t *testing.T, d deps, dir string, args []string) *kopla {
	k := &kopla{t: t, args: args, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan int, 1)}
	d.stdout, d.stderr = k.stdout, k.stderr
	go func() { k.done <- runWith(t.Context(), d, append([]string{"-chdir", dir}, args...)) }()
	return k
}

// waitFor waits until the run's output (stdout or stderr) says text; the
// run ending first fails the test.
func (k *kopla) waitFor(text string) {
	k.t.Helper()
	deadline := time.After(2 * time.Minute)
	for !strings.Contains(k.stdout.String()+k.stderr.String(), text) {
		select {
		case code := <-k.done:
			k.done <- code
			k.t.Fatalf("kopla %s ended (exit %d) before saying %q:\n%s%s", strings.Join(k.args, " "), code, text, k.stdout.String(), k.stderr.String())
		case <-deadline:
			k.t.Fatalf("kopla %s did not say %q:\n%s%s", strings.Join(k.args, " "), text, k.stdout.String(), k.stderr.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// wait waits for the run to end.
func (k *kopla) wait() result {
	k.t.Helper()
	if k.res == nil {
		code := <-k.done
		k.res = &result{code: code, stdout: k.stdout.String(), stderr: k.stderr.String()}
	}
	return *k.res
}

func (k *kopla) expect(code int) result {
	k.t.Helper()
	r := k.wait()
	if r.code != code {
		k.t.Fatalf("kopla %s = exit %d; want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(k.args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

func (s *shop) expect(code int, args ...string) result {
	s.t.Helper()
	k := s.start(strings.NewReader(""), args...)
	return k.expect(code)
}

// books counts the records the flows create, by the key they are created
// with: in eAccounting (read through its API) customers, articles and the
// documents an order can become; in HubSpot contacts and companies. A key
// counted twice is a record written twice.
type books map[string]map[string]int

var bookKeys = map[string]string{
	"customers":             "EmailAddress",
	"articles":              "Number",
	"orders":                "YourReference",
	"customerinvoicedrafts": "YourReference",
	"customerinvoices":      "YourReference",
	"hubspot contacts":      "email",
	"hubspot companies":     "name",
}

func (s *shop) books() books {
	s.t.Helper()
	out := books{}
	token := s.sb.EAccounting().IssueAccessToken()
	for coll, field := range bookKeys {
		out[coll] = map[string]int{}
		if object, ok := strings.CutPrefix(coll, "hubspot "); ok {
			for _, rec := range s.sb.HubSpot().Objects(object) {
				if key := rec.Properties[field]; key != "" && !rec.Archived {
					out[coll][strings.ToLower(key)]++
				}
			}
			continue
		}
		for page := 1; ; page++ {
			q := url.Values{"$page": {fmt.Sprint(page)}, "$pagesize": {"1000"}}
			req, err := http.NewRequestWithContext(s.t.Context(), http.MethodGet, s.sb.EAccountingURL()+"/"+coll+"?"+q.Encode(), nil)
			if err != nil {
				s.t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				s.t.Fatal(err)
			}
			var body struct {
				Meta struct{ TotalNumberOfPages int }
				Data []map[string]any
			}
			err = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				s.t.Fatalf("GET %s: %s, %v", coll, resp.Status, err)
			}
			for _, rec := range body.Data {
				if key, _ := rec[field].(string); key != "" {
					out[coll][strings.ToLower(key)]++
				}
			}
			if page >= body.Meta.TotalNumberOfPages {
				break
			}
		}
	}
	return out
}

// duplicates lists the keys booked more than once.
func (b books) duplicates() []string {
	var dup []string
	for coll, keys := range b {
		for key, n := range keys {
			if n > 1 {
				dup = append(dup, fmt.Sprintf("%s %s = %q: %d records", coll, bookKeys[coll], key, n))
			}
		}
	}
	slices.Sort(dup)
	return dup
}

func (b books) total() int {
	n := 0
	for _, keys := range b {
		for _, c := range keys {
			n += c
		}
	}
	return n
}

func (b books) equal(o books) bool {
	return maps.EqualFunc(b, o, func(x, y map[string]int) bool { return maps.Equal(x, y) })
}

// created is the number of records an apply says it created.
func created(t *testing.T, r result) int {
	t.Helper()
	m := regexp.MustCompile(`Apply complete! (\d+) created`).FindStringSubmatch(r.stdout)
	if m == nil {
		if strings.Contains(r.stdout, "+ create ") {
			t.Fatalf("the apply planned creates but did not complete:\n%s%s", r.stdout, r.stderr)
		}
		return 0 // nothing to do
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// checkLockedMessage checks that a run refused for the lock says who holds
// it, since when, and how to wait for it or break it.
func checkLockedMessage(t *testing.T, r result) {
	t.Helper()
	for _, want := range []string{"Error: State is locked", "kopla apply, pid ", " since 20", "-lock-timeout=", "kopla state unlock"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the refused apply does not say %q:\n%s", want, r.stdout)
		}
	}
}

// TestApplyAtPromptHoldsTheLock: an apply waiting at its prompt holds the
// state lock. A second apply meanwhile fails fast, writing nothing; a third
// with -lock-timeout waits, then plans after the first has written, and
// writes nothing twice.
func TestApplyAtPromptHoldsTheLock(t *testing.T) {
	s := newShop(t)
	before := s.books()

	answer, answerW := io.Pipe()
	defer answerW.Close()
	first := s.start(answer, "apply", "-no-color")
	first.waitFor("Enter a value:")

	start := time.Now()
	r := s.expect(exitError, "apply", "-auto-approve", "-no-color")
	checkLockedMessage(t, r)
	if strings.Contains(r.stdout, "+ create ") {
		t.Errorf("the refused apply planned before taking the lock:\n%s", r.stdout)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the refused apply took %v; want it to fail fast", d)
	}
	if got := s.books(); !got.equal(before) {
		t.Fatalf("the refused apply wrote: %d records before, %d after", before.total(), got.total())
	}

	waiter := s.start(strings.NewReader(""), "apply", "-auto-approve", "-no-color", "-lock-timeout=2m")
	waiter.waitFor("waiting up to 2m0s for it (-lock-timeout)")

	if _, err := io.WriteString(answerW, "yes\n"); err != nil {
		t.Fatal(err)
	}
	r = first.wait()
	if n := created(t, r); n == 0 {
		t.Fatalf("the approved apply created nothing:\n%s%s", r.stdout, r.stderr)
	}
	afterFirst := s.books()
	if dup := afterFirst.duplicates(); len(dup) > 0 {
		t.Fatalf("records written twice by one apply:\n%s", strings.Join(dup, "\n"))
	}

	r = waiter.wait()
	if strings.Contains(r.stdout, "State is locked") {
		t.Fatalf("the waiting apply gave up:\n%s", r.stdout)
	}
	if n := created(t, r); n != 0 {
		t.Errorf("the apply that waited for the lock created %d records; want 0 (the first apply created them):\n%s", n, r.stdout)
	}
	if got := s.books(); !got.equal(afterFirst) {
		t.Errorf("the apply that waited for the lock wrote again: %d records, %d after it; duplicates: %v", afterFirst.total(), got.total(), got.duplicates())
	}
}

// TestApplyAutoApproveTogether: two -auto-approve applies started together.
// Without -lock-timeout, each either applies or fails fast for the lock;
// with it, both apply, the second planning after the first. Either way no
// record is written twice, and the books are those of one apply.
func TestApplyAutoApproveTogether(t *testing.T) {
	for _, timeout := range []string{"0s", "2m"} {
		t.Run("lock-timeout="+timeout, func(t *testing.T) {
			s := newShop(t)
			runs := []*kopla{
				s.start(strings.NewReader(""), "apply", "-auto-approve", "-no-color", "-lock-timeout="+timeout),
				s.start(strings.NewReader(""), "apply", "-auto-approve", "-no-color", "-lock-timeout="+timeout),
			}
			total, locked := 0, 0
			for _, k := range runs {
				r := k.wait()
				if strings.Contains(r.stdout, "State is locked") {
					if timeout != "0s" {
						t.Errorf("an apply with -lock-timeout=%s gave up:\n%s", timeout, r.stdout)
					}
					checkLockedMessage(t, r)
					locked++
					continue
				}
				total += created(t, r)
			}
			if locked == len(runs) {
				t.Fatal("both applies were refused for the lock")
			}
			got := s.books()
			if dup := got.duplicates(); len(dup) > 0 {
				t.Fatalf("records written twice:\n%s", strings.Join(dup, "\n"))
			}
			// Everything the two created is in the books once.
			if again := s.run("apply", "-auto-approve", "-no-color"); created(t, again) != 0 {
				t.Errorf("a third apply still created records:\n%s", again.stdout)
			}
			if after := s.books(); !after.equal(got) {
				t.Errorf("a third apply wrote again: %v", after.duplicates())
			}
			if total == 0 {
				t.Error("neither apply created anything")
			}
		})
	}
}

// TestSavedPlanAfterAnotherApply: a plan saved before another apply wrote
// the same records is refused as stale, under the lock, and writes nothing.
func TestSavedPlanAfterAnotherApply(t *testing.T) {
	s := newShop(t)
	s.expect(exitOK, "plan", "-out", "shop.plan", "-no-color")
	if r := s.run("apply", "-auto-approve", "-no-color"); created(t, r) == 0 {
		t.Fatalf("the apply created nothing:\n%s%s", r.stdout, r.stderr)
	}
	afterApply := s.books()
	r := s.expect(exitError, "apply", "shop.plan", "-no-color")
	for _, want := range []string{"Error: Saved plan is stale", "now exists", "Run kopla plan again"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("apply of the stale plan does not say %q:\n%s", want, r.stdout)
		}
	}
	if got := s.books(); !got.equal(afterApply) {
		t.Errorf("the stale plan wrote: %v", got.duplicates())
	}
}

// TestApplyRechecksCreatesAfterPrompt: while an apply waits at its prompt,
// a process other than kopla creates one of the records it plans to
// create. The apply, approved, looks its creates up again and does not
// create that one twice; it says why, and the next plan sees the record.
func TestApplyRechecksCreatesAfterPrompt(t *testing.T) {
	e := shopEnv(t)
	answer, answerW := io.Pipe()
	defer answerW.Close()
	d := deps{stdin: answer, registry: e.registry, lookupEnv: func(string) (string, bool) { return "", false }}
	e.store.ResetCalls()
	k := startKopla(t, d, e.dir, []string{"apply", "-flow", "archive", "-no-color"})
	k.waitFor("Enter a value:")
	if !strings.Contains(k.stdout.String(), "Plan: 3 to create") {
		t.Fatalf("the plan of the archive:\n%s", k.stdout.String())
	}
	// Another process archives Bob meanwhile.
	e.store.Put("books", "archive", connectors.Record{Fields: map[string]any{"Email": "bob@example.com"}})
	if _, err := io.WriteString(answerW, "yes\n"); err != nil {
		t.Fatal(err)
	}
	r := k.expect(exitError)
	want := `not created: a record with Email = "bob@example.com" was created in memory.books.archive after the plan was made, by another process; run kopla plan again`
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "Apply complete! 2 created, 0 updated, 1 failed, 0 blocked.") {
		t.Errorf("apply after another process created a planned record:\n%s", r.stdout)
	}
	emails := map[string]int{}
	for _, rec := range e.store.Records("books", "archive") {
		emails[rec.Fields["Email"].(string)]++
	}
	if want := map[string]int{"ada@example.com": 1, "bob@example.com": 1, "cy@example.com": 1, "nofirst@example.com": 1}; !maps.Equal(emails, want) {
		t.Errorf("archive after the apply = %v; want %v", emails, want)
	}
	// Nothing is left to do: the next plan finds Bob archived.
	e.expect(exitOK, "plan", "-flow", "archive", "-detailed-exitcode")

	// The recheck is one lookup per batch of creates; -auto-approve, which
	// plans under the lock just before it writes, does without it.
	if n := e.store.Calls("books", "archive", connectortest.OpFind); n != 2+1 {
		t.Errorf("the archive was looked up %d times; want 3 (plan, recheck, plan)", n)
	}
	e.store.ResetCalls()
	e.store.Put("crm", "contacts", connectors.Record{ID: "c5", Fields: map[string]any{"email": "dee@example.com", "first": "Dee", "last": "Ray", "active": true}})
	r = e.expect(exitOK, "apply", "-flow", "archive", "-auto-approve", "-no-color")
	if !strings.Contains(r.stdout, "Apply complete! 1 created") {
		t.Errorf("apply -auto-approve of a new contact:\n%s", r.stdout)
	}
	if n := e.store.Calls("books", "archive", connectortest.OpFind); n != 1 {
		t.Errorf("apply -auto-approve looked the archive up %d times; want 1 (the plan's)", n)
	}
}

// TestApplyReportsBrokenLock: the lock of an apply waiting at its prompt is
// broken (kopla state unlock); the apply, approved, writes and then says
// that another apply may have run beside it.
func TestApplyReportsBrokenLock(t *testing.T) {
	e := exampleEnv(t, "people")
	answer, answerW := io.Pipe()
	defer answerW.Close()
	d := deps{stdin: answer, registry: e.registry, lookupEnv: func(string) (string, bool) { return "", false }}
	k := startKopla(t, d, e.dir, []string{"apply", "-no-color"})
	k.waitFor("Enter a value:")
	r := e.expect(exitOK, "state", "unlock")
	if !strings.Contains(r.stdout, "Broke the state lock held by kopla apply, pid") {
		t.Fatalf("state unlock while an apply waits at its prompt:\n%s", r.stdout)
	}
	if _, err := io.WriteString(answerW, "yes\n"); err != nil {
		t.Fatal(err)
	}
	r = k.expect(exitError)
	if !strings.Contains(r.stdout, "Apply complete! 3 created") || !strings.Contains(r.stdout, "Error: State lock lost") ||
		!strings.Contains(r.stdout, "another apply may have run at the same time") {
		t.Errorf("apply whose lock was broken:\n%s", r.stdout)
	}
}
