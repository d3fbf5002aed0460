package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// helperEnv makes the test binary act as another kopla process holding the
// lock (see TestMain): it opens the state named by the variable, takes the
// lock, prints "locked", and when its stdin closes it exits without
// unlocking, as a crashed process would.
const helperEnv = "KOPLA_STATE_LOCK_HELPER"

func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		os.Exit(lockHelper(path))
	}
	os.Exit(m.Run())
}

func lockHelper(path string) int {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := s.Lock(ctx, "kopla apply"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := s.StartRun(ctx, "apply", "d"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	return 0 // no unlock, no Close: a crash
}

func TestLockAcrossProcesses(t *testing.T) {
	_, path := openTest(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v; stderr: %s", line, err, stderr.String())
	}

	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// While the other process lives, its lock holds, and the error names it.
	start := time.Now()
	_, err = s.Lock(t.Context(), "kopla apply")
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("Lock = %v; want a *LockedError", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Errorf("Lock took %v to fail; want it to fail fast", waited)
	}
	wantHolder := fmt.Sprintf("kopla apply, pid %d on ", cmd.Process.Pid)
	if !strings.HasPrefix(le.Holder, wantHolder) || le.PID != cmd.Process.Pid {
		t.Errorf("LockedError.Holder = %q, PID %d; want it to start with %q", le.Holder, le.PID, wantHolder)
	}
	for _, want := range []string{le.Holder, le.Since.Format(time.RFC3339), "kopla state unlock"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("LockedError = %q; want it to mention %q", err, want)
		}
	}

	// The process dies without unlocking: its lock is stale and taken over,
	// and its run is marked interrupted.
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v; stderr: %s", err, stderr.String())
	}
	unlock, err := s.Lock(t.Context(), "kopla apply")
	if err != nil {
		t.Fatalf("Lock after the holder died = %v; want the stale lock taken over", err)
	}
	info, err := s.LockInfo(t.Context())
	if err != nil || info == nil || info.PID != os.Getpid() {
		t.Errorf("LockInfo = %+v, %v; want this process", info, err)
	}
	runs, err := s.Runs(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Status != StatusInterrupted || runs[0].FinishedAt.IsZero() {
		t.Errorf("runs after takeover = %+v; want the dead process's run interrupted", runs)
	}
	if err := unlock(); err != nil {
		t.Errorf("unlock = %v", err)
	}
}

func TestLockContentionBetweenStores(t *testing.T) {
	clk := newClock()
	s1, path := openTest(t, WithClock(clk.Now))
	// The two share a clock, as processes on one host do: heartbeats are
	// compared across holders.
	s2, err := Open(t.Context(), path, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx := t.Context()

	unlock, err := s1.Lock(ctx, "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s2.Lock(ctx, "kopla apply")
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock = %v; want a *LockedError", err)
	}
	host, _ := os.Hostname()
	wantHolder := fmt.Sprintf("kopla apply, pid %d on %s", os.Getpid(), host)
	if le.Holder != wantHolder || !le.Since.Equal(clk.Now()) {
		t.Errorf("LockedError = {%q, %v}; want {%q, %v}", le.Holder, le.Since, wantHolder, clk.Now().UTC())
	}

	info, err := s2.LockInfo(ctx)
	if err != nil || info == nil || info.String() != wantHolder {
		t.Errorf("LockInfo = %v, %v; want %q", info, err, wantHolder)
	}

	if err := unlock(); err != nil {
		t.Fatalf("unlock = %v", err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock = %v; want nil", err)
	}
	if info, err := s2.LockInfo(ctx); err != nil || info != nil {
		t.Errorf("LockInfo after unlock = %v, %v; want nil", info, err)
	}
	unlock2, err := s2.Lock(ctx, "kopla apply")
	if err != nil {
		t.Fatalf("Lock after unlock = %v", err)
	}
	defer unlock2()
}

func TestLockStaleness(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name  string
		host  string
		alive bool
		// beatAge is how long ago the lock's heartbeat was renewed; a
		// negative age stores none (a lock of a kopla without heartbeats,
		// taken beatAge ago).
		beatAge   time.Duration
		noBeat    bool
		wantTaken string // the takeover reason, "" when the lock holds
	}{
		{name: "live process on this host", host: host, alive: true, beatAge: 5 * time.Second},
		{name: "dead process on this host", host: host, alive: false, beatAge: 5 * time.Second, wantTaken: "its process is gone"},
		{name: "process on another host", host: "build-2.example.org", beatAge: 59 * time.Second},
		{name: "another host, heartbeat expired", host: "build-2.example.org", beatAge: 61 * time.Second, wantTaken: "its last heartbeat was 1m1s ago"},
		// A container's crashed apply: a host name seen once, never again.
		{name: "pid used again on this host, heartbeat expired", host: host, alive: true, beatAge: 10 * time.Minute, wantTaken: "its last heartbeat was 10m0s ago"},
		{name: "no heartbeat, taken long ago", host: "build-2.example.org", noBeat: true, beatAge: time.Hour, wantTaken: "its last heartbeat was 1h0m0s ago"},
		{name: "no heartbeat, taken just now", host: "build-2.example.org", noBeat: true, beatAge: time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s, _ := openTest(t, WithClock(clk.Now))
			ctx := t.Context()
			const otherPID = 4242
			s.alive = func(pid int) bool {
				if pid == otherPID {
					return tt.alive
				}
				return processAlive(pid)
			}
			beat := formatTime(clk.Now().Add(-tt.beatAge))
			acquired := formatTime(clk.Now().Add(-tt.beatAge - time.Hour))
			if tt.noBeat {
				acquired, beat = beat, ""
			}
			if _, err := s.w.ExecContext(ctx,
				`INSERT INTO locks (name, holder, pid, host, token, acquired_at, heartbeat_at) VALUES ('apply', 'kopla apply', ?, ?, 'x', ?, ?)`,
				otherPID, tt.host, acquired, beat); err != nil {
				t.Fatal(err)
			}
			if s.pg != nil {
				// The row's holder is connected: its session holds the
				// advisory lock, so the row alone decides, as on SQLite.
				holdAdvisory(t, s)
			}
			unlock, took, err := s.LockTakingOver(ctx, "kopla apply")
			want := fmt.Sprintf("kopla apply, pid %d on %s", otherPID, tt.host)
			if tt.wantTaken != "" {
				if err != nil {
					t.Fatalf("Lock = %v; want the stale lock taken over", err)
				}
				defer unlock()
				if took == nil || took.Old.String() != want || !strings.HasPrefix(took.Reason, tt.wantTaken) {
					t.Errorf("takeover = %+v; want the old holder %q, reason %q", took, want, tt.wantTaken)
				}
				return
			}
			var le *LockedError
			if !errors.As(err, &le) {
				t.Fatalf("Lock = %v; want a *LockedError", err)
			}
			if le.Holder != want {
				t.Errorf("LockedError.Holder = %q; want %q", le.Holder, want)
			}
		})
	}
}

// A held lock is renewed by its heartbeat, so it never expires while its
// holder runs; a holder whose lock was taken over after it stalled finds
// it lost.
func TestLockHeartbeat(t *testing.T) {
	clk := newClock()
	const beat, expiry = 5 * time.Millisecond, time.Minute
	s1, path := openTest(t, WithClock(clk.Now), WithLockTiming(beat, expiry))
	s2, err := Open(t.Context(), path, WithClock(clk.Now), WithLockTiming(beat, expiry))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx := t.Context()
	unlock, err := s1.Lock(ctx, "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	// The clock moves past the expiry; the heartbeat renews the lock at
	// the new time, and the lock holds.
	clk.Advance(2 * expiry)
	waitFor(t, "the heartbeat to renew the lock", func() bool {
		info, err := s2.LockInfo(ctx)
		return err == nil && info != nil && info.Heartbeat.Equal(clk.Now())
	})
	var le *LockedError
	if _, err := s2.Lock(ctx, "kopla apply"); !errors.As(err, &le) {
		t.Fatalf("Lock of a lock with a fresh heartbeat = %v; want a *LockedError", err)
	}
	if s1.LockLost() {
		t.Error("LockLost while held")
	}
	// The holder's heartbeat stops (a stalled process); the lock expires
	// and is taken over, once.
	s1.mu.Lock()
	for _, h := range s1.held {
		h.stop()
	}
	s1.mu.Unlock()
	clk.Advance(expiry + time.Second)
	unlock2, took, err := s2.LockTakingOver(ctx, "kopla apply")
	if err != nil || took == nil {
		t.Fatalf("Lock of an expired lock = %v, %v; want it taken over", took, err)
	}
	defer unlock2()
	if _, err := s1.Lock(ctx, "kopla apply"); !errors.As(err, &le) {
		t.Errorf("a third Lock = %v; want a *LockedError: never two holders", err)
	}
	if err := unlock(); !errors.Is(err, ErrLockLost) {
		t.Errorf("the old holder's unlock = %v; want ErrLockLost", err)
	}
}

// The heartbeat of a lock broken by ForceUnlock marks it lost.
func TestLockLostByHeartbeat(t *testing.T) {
	s, _ := openTest(t, WithLockTiming(time.Millisecond, time.Minute))
	unlock, err := s.Lock(t.Context(), "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := s.ForceUnlock(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the heartbeat to find the lock gone", s.LockLost)
}

// waitFor polls cond until it holds; the test fails after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestLockConcurrentGoroutines(t *testing.T) {
	s, path := openTest(t)
	other, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	ctx := t.Context()

	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     int
		locked  int
		unlocks []func() error
	)
	start := make(chan struct{})
	for i := range n {
		st := s
		if i%2 == 1 {
			st = other // half through a second connection to the file
		}
		wg.Go(func() {
			<-start
			unlock, err := st.Lock(ctx, fmt.Sprintf("goroutine %d", i))
			mu.Lock()
			defer mu.Unlock()
			var le *LockedError
			switch {
			case err == nil:
				won++
				unlocks = append(unlocks, unlock)
			case errors.As(err, &le):
				locked++
			default:
				t.Errorf("Lock = %v; want nil or a *LockedError", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if won != 1 || locked != n-1 {
		t.Errorf("%d goroutines won the lock and %d were refused; want 1 and %d", won, locked, n-1)
	}
	for _, u := range unlocks {
		if err := u(); err != nil {
			t.Errorf("unlock = %v", err)
		}
	}
}

func TestForceUnlock(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	unlock, err := s.Lock(ctx, "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.ForceUnlock(ctx); err != nil {
		t.Fatalf("ForceUnlock = %v", err)
	}
	unlock2, err := other.Lock(ctx, "kopla apply")
	if err != nil {
		t.Fatalf("Lock after ForceUnlock = %v", err)
	}
	// The first holder's unlock must not release the new holder's lock.
	if err := unlock(); !errors.Is(err, ErrLockLost) {
		t.Errorf("unlock of a broken lock = %v; want ErrLockLost", err)
	}
	if info, err := s.LockInfo(ctx); err != nil || info == nil {
		t.Errorf("LockInfo = %v, %v; want the second holder's lock intact", info, err)
	}
	if err := unlock2(); err != nil {
		t.Errorf("unlock2 = %v", err)
	}
	// Breaking a lock nobody holds is fine.
	if err := s.ForceUnlock(ctx); err != nil {
		t.Errorf("ForceUnlock of no lock = %v", err)
	}
}

func TestCloseReleasesLock(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	if _, err := s.Lock(ctx, "kopla apply"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	unlock, err := s2.Lock(ctx, "kopla apply")
	if err != nil {
		t.Fatalf("Lock after the holder closed = %v", err)
	}
	unlock()
}

func TestUnlockAfterCancel(t *testing.T) {
	s, _ := openTest(t)
	ctx, cancel := context.WithCancel(t.Context())
	unlock, err := s.Lock(ctx, "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	cancel() // Ctrl-C during apply
	if err := unlock(); err != nil {
		t.Fatalf("unlock after cancel = %v", err)
	}
	if info, err := s.LockInfo(t.Context()); err != nil || info != nil {
		t.Errorf("LockInfo = %v, %v; want the lock released", info, err)
	}
}

func TestProcessAlive(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pid  int
		want bool
	}{
		{"self", os.Getpid(), true},
		{"parent", os.Getppid(), true},
		{"exited child", cmd.Process.Pid, false},
		{"zero", 0, false},
		{"negative", -1, false},
	}
	for _, tt := range tests {
		if got := processAlive(tt.pid); got != tt.want {
			t.Errorf("processAlive(%d) [%s] = %v; want %v", tt.pid, tt.name, got, tt.want)
		}
	}
}

func TestLockWait(t *testing.T) {
	s1, path := openTest(t)
	s2, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ctx := t.Context()

	// Free: taken at once, without waiting.
	unlock, err := s2.LockWait(ctx, "kopla apply", time.Minute, func(*LockedError) { t.Error("LockWait waited for a free lock") })
	if err != nil {
		t.Fatalf("LockWait on a free lock = %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}

	// Held: it waits, says so once with the holder, and takes the lock
	// when the holder lets go.
	unlock1, err := s1.Lock(ctx, "first apply")
	if err != nil {
		t.Fatal(err)
	}
	waiting := make(chan *LockedError, 2)
	got := make(chan error, 1)
	go func() {
		unlock2, err := s2.LockWait(ctx, "second apply", time.Minute, func(le *LockedError) { waiting <- le })
		if err == nil {
			defer unlock2()
			info, ierr := s2.LockInfo(ctx)
			if ierr != nil || info == nil || info.Holder != "second apply" {
				err = fmt.Errorf("LockInfo after the wait = %v, %v; want the second apply", info, ierr)
			}
		}
		got <- err
	}()
	le := <-waiting
	if !strings.HasPrefix(le.Holder, "first apply, pid ") {
		t.Errorf("waiting for %q; want the first apply", le.Holder)
	}
	select {
	case err := <-got:
		t.Fatalf("LockWait returned %v while the lock was held", err)
	default:
	}
	if err := unlock1(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("LockWait after the holder let go = %v", err)
	}
	if len(waiting) != 0 {
		t.Error("LockWait said it was waiting more than once")
	}
}

func TestLockWaitTimesOut(t *testing.T) {
	s1, path := openTest(t)
	s2, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	unlock, err := s1.Lock(t.Context(), "first apply")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()

	tests := []struct {
		name     string
		timeout  time.Duration
		wantWait bool
	}{
		{"no timeout fails at once", 0, false},
		{"a timeout waits, then fails", 300 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			waited := false
			start := time.Now()
			_, err := s2.LockWait(t.Context(), "second apply", tt.timeout, func(*LockedError) { waited = true })
			var le *LockedError
			if !errors.As(err, &le) || !strings.HasPrefix(le.Holder, "first apply") {
				t.Fatalf("LockWait = %v; want the first apply's *LockedError", err)
			}
			if waited != tt.wantWait {
				t.Errorf("waiting called: %v; want %v", waited, tt.wantWait)
			}
			if d := time.Since(start); d < tt.timeout {
				t.Errorf("LockWait gave up after %v; want at least %v", d, tt.timeout)
			}
		})
	}

	// A cancelled wait ends with the context's error.
	ctx, cancel := context.WithCancel(t.Context())
	_, err = s2.LockWait(ctx, "second apply", time.Hour, func(*LockedError) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("LockWait cancelled = %v; want context.Canceled", err)
	}
}
