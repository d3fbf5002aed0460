package state

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"github.com/jackc/pgx/v5"
)

// holdAdvisory takes s's apply lock on a connection of the test's, as
// another worker's session would, until the test ends or the session is
// ended; it returns the connection.
func holdAdvisory(t testing.TB, s *Store) *pgx.Conn {
	t.Helper()
	conn, err := pgx.ConnectConfig(t.Context(), s.pg.config.Copy())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	var ok bool
	if err := conn.QueryRow(t.Context(), `SELECT pg_try_advisory_lock($1)`, s.applyLockKey()).Scan(&ok); err != nil || !ok {
		t.Fatalf("take the advisory lock = %v, %v", ok, err)
	}
	return conn
}

func postgresStore(t *testing.T, opts ...Option) (*Store, string) {
	t.Helper()
	if testDriver() != "postgres" {
		t.Skip("a Postgres test: it runs in the suite's Postgres pass (TestSuiteOnPostgres)")
	}
	path := pgtest.SchemaURL(t, pgtest.URL(t))
	s, err := Open(t.Context(), path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// A worker killed with SIGKILL, on another host as far as the state can
// tell (so its pid says nothing), loses the lock at once: the server ends
// its session and with it the advisory lock; the row is taken over without
// waiting for its heartbeat to expire.
func TestPostgresLockOfAKilledWorker(t *testing.T) {
	s, path := postgresStore(t)
	s.host = "worker-2.example.org" // the helper's lock is another host's
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdin, err := cmd.StdinPipe() // the helper holds the lock until stdin closes
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q, %v", line, err)
	}
	var le *LockedError
	if _, err := s.Lock(t.Context(), "kopla apply"); !errors.As(err, &le) || le.PID != cmd.Process.Pid {
		t.Fatalf("Lock while the helper holds it = %v; want a *LockedError naming pid %d", err, cmd.Process.Pid)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	deadline := time.Now().Add(5 * time.Second)
	for {
		unlock, took, err := s.LockTakingOver(t.Context(), "kopla apply")
		if err == nil {
			defer unlock()
			if took == nil || took.Old.PID != cmd.Process.Pid || !strings.Contains(took.Reason, "database session") {
				t.Errorf("takeover = %+v; want the killed helper's lock, its session ended", took)
			}
			return
		}
		if !errors.As(err, &le) || time.Now().After(deadline) {
			t.Fatalf("Lock after the holder was killed = %v; want it taken within seconds, not the expiry", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A holder whose session is still connected but who stopped renewing its
// row (stalled) loses the lock at the expiry: Lock ends its session.
func TestPostgresLockOfAStalledHolder(t *testing.T) {
	clk := newClock()
	s1, path := postgresStore(t, WithClock(clk.Now))
	s1.host = "worker-1.example.org"
	if _, err := s1.Lock(t.Context(), "kopla serve"); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), path, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var le *LockedError
	if _, err := s2.Lock(t.Context(), "kopla apply"); !errors.As(err, &le) {
		t.Fatalf("Lock = %v; want a *LockedError", err)
	}
	clk.Advance(2 * DefaultLockExpiry) // s1's heartbeat (every 10 s) has not run
	unlock, took, err := s2.LockTakingOver(t.Context(), "kopla apply")
	if err != nil {
		t.Fatalf("Lock of an expired lock = %v", err)
	}
	defer unlock()
	if took == nil || took.Old.Host != "worker-1.example.org" || !strings.Contains(took.Reason, "last heartbeat") {
		t.Errorf("takeover = %+v; want worker-1's lock, its heartbeat expired", took)
	}
	if pids, err := s2.advisorySessions(t.Context()); err != nil || len(pids) != 1 {
		t.Errorf("sessions holding the lock = %v, %v; want one (s2's)", pids, err)
	}
}

// ForceUnlock ends the session holding the lock; the holder finds its lock
// lost at its next heartbeat.
func TestPostgresForceUnlockEndsTheSession(t *testing.T) {
	s1, path := postgresStore(t, WithLockTiming(20*time.Millisecond, time.Minute))
	unlock, err := s1.Lock(t.Context(), "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.ForceUnlock(t.Context()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !s1.LockLost() {
		if time.Now().After(deadline) {
			t.Fatal("the broken lock's holder never noticed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := unlock(); !errors.Is(err, ErrLockLost) {
		t.Errorf("unlock of a broken lock = %v; want ErrLockLost", err)
	}
	unlock2, err := s2.Lock(t.Context(), "kopla apply")
	if err != nil {
		t.Fatalf("Lock after ForceUnlock = %v", err)
	}
	unlock2()
}

// Two projects' schemas in one database never block each other.
func TestPostgresLocksPerSchema(t *testing.T) {
	a, _ := postgresStore(t)
	b, _ := postgresStore(t)
	ua, err := a.Lock(t.Context(), "kopla apply")
	if err != nil {
		t.Fatal(err)
	}
	defer ua()
	ub, err := b.Lock(t.Context(), "kopla apply")
	if err != nil {
		t.Fatalf("Lock of another schema while one is locked = %v", err)
	}
	ub()
}
