package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// lockName is the row of the locks table that guards applies.
const lockName = "apply"

// The lock's heartbeat: its holder renews it every DefaultLockHeartbeat,
// and a lock not renewed for DefaultLockExpiry is stale and may be taken
// over, wherever its holder ran. A crashed apply in a container (a new
// host name each run) or whose pid now belongs to another process blocks
// the next apply for a minute at most. The expiry is six heartbeats, well
// above the state's busy timeout, so a holder that waits on a busy state
// file does not lose its lock.
const (
	DefaultLockHeartbeat = 10 * time.Second
	DefaultLockExpiry    = time.Minute
)

// WithLockTiming sets how often a held lock is renewed and after how long
// without a renewal it is stale (tests); expiry must exceed heartbeat.
func WithLockTiming(heartbeat, expiry time.Duration) Option {
	return func(s *Store) {
		if heartbeat > 0 && expiry > heartbeat {
			s.heartbeat, s.lockExpiry = heartbeat, expiry
		}
	}
}

// heldLock is a lock this Store holds, renewed by its heartbeat goroutine.
type heldLock struct {
	done    chan struct{}
	stopped chan struct{}
	once    sync.Once
	// lost is set when a renewal found the lock gone (broken with
	// ForceUnlock, or taken over after this process stalled past the
	// expiry).
	lost atomic.Bool
	// pg is the advisory lock of a Postgres state (lock_postgres.go).
	pg *pgLock
}

// stop ends the heartbeat and waits for it.
func (h *heldLock) stop() {
	h.once.Do(func() { close(h.done) })
	<-h.stopped
}

// Takeover describes a stale lock that Lock took over.
type Takeover struct {
	Old LockInfo
	// Reason says why the lock was stale: "its process is gone" or "its
	// last heartbeat was 3m0s ago".
	Reason string
}

// ErrLockLost is returned by an unlock function when the lock it would
// release is no longer held by it: someone broke it with ForceUnlock
// (`kopla state unlock`) while it was held.
var ErrLockLost = errors.New("state lock was broken while held")

// LockedError is returned by Lock when another apply holds the state lock.
type LockedError struct {
	// Holder says who holds the lock: "kopla apply, pid 123 on build-1".
	Holder string
	// Since is when the lock was taken (UTC).
	Since time.Time
	// PID and Host identify the holding process.
	PID  int
	Host string
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("state is locked by %s since %s; wait for it to finish, "+
		"or, if that process is gone, break the lock with `kopla state unlock`",
		e.Holder, e.Since.UTC().Format(time.RFC3339))
}

// LockInfo describes the current holder of the state lock.
type LockInfo struct {
	Holder string // as given to Lock: "kopla apply"
	PID    int
	Host   string
	Since  time.Time
	// Heartbeat is when the holder last renewed the lock.
	Heartbeat time.Time
}

// String describes the holder as a LockedError does: "kopla apply, pid 123 on host".
func (l LockInfo) String() string {
	return fmt.Sprintf("%s, pid %d on %s", l.Holder, l.PID, l.Host)
}

// Lock takes the state lock for holder (a short description such as
// "kopla apply") and returns the function that releases it. It never waits
// for the lock: when another process holds it, Lock returns a *LockedError
// at once (LockWait waits). A stale lock is taken over: one left by a
// process of this host that no longer runs (crashed, killed), or one whose
// heartbeat is older than the expiry, wherever it was taken (another host,
// a container gone, a pid used again). The check and the takeover are one
// write transaction, so two processes never both take a lock.
//
// While the lock is held, a goroutine renews its heartbeat. Taking the lock
// also marks as interrupted the runs still "running" that were started by a
// dead process of this host.
//
// The unlock function may be called more than once; it returns ErrLockLost
// when the lock was broken by ForceUnlock, or taken over, meanwhile. Close
// releases a lock still held.
func (s *Store) Lock(ctx context.Context, holder string) (unlock func() error, err error) {
	unlock, _, err = s.lock(ctx, holder)
	return unlock, err
}

// LockTakingOver is Lock, and also returns the stale lock it took over, if
// any, so that the caller can say whose lock it broke.
func (s *Store) LockTakingOver(ctx context.Context, holder string) (unlock func() error, took *Takeover, err error) {
	return s.lock(ctx, holder)
}

func (s *Store) lock(ctx context.Context, holder string) (unlock func() error, took *Takeover, err error) {
	if holder == "" {
		holder = "kopla"
	}
	token := rand.Text()
	var pl *pgLock
	if s.pg != nil {
		if pl, err = s.lockPostgres(ctx, holder); err != nil {
			var le *LockedError
			if errors.As(err, &le) {
				return nil, nil, err
			}
			return nil, nil, fmt.Errorf("state: lock: %w", err)
		}
	}
	now := s.nowUTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := currentLock(ctx, tx)
		if err != nil {
			return err
		}
		if cur != nil {
			reason := s.staleReason(cur, now)
			if reason == "" && pl != nil {
				reason = "its database session, which held the lock, has ended"
			}
			if reason == "" {
				return &LockedError{Holder: cur.String(), Since: cur.Since, PID: cur.PID, Host: cur.Host}
			}
			took = &Takeover{Old: *cur, Reason: reason}
			if _, err := tx.ExecContext(ctx, `DELETE FROM locks WHERE name = ?`, lockName); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO locks (name, holder, pid, host, token, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			lockName, holder, s.pid, s.host, token, formatTime(now), formatTime(now)); err != nil {
			return err
		}
		return s.interruptDeadRuns(ctx, tx, now)
	})
	if err != nil {
		pl.close()
		var le *LockedError
		if errors.As(err, &le) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("state: lock: %w", err)
	}
	// The heartbeat and the release must go on even when ctx was
	// cancelled (Ctrl-C during apply, whose answers are still being
	// saved), so they keep ctx's values but not its cancellation.
	rctx := context.WithoutCancel(ctx)
	h := &heldLock{done: make(chan struct{}), stopped: make(chan struct{}), pg: pl}
	go s.beat(rctx, token, h)
	s.mu.Lock()
	s.held[token] = h
	s.mu.Unlock()

	var released bool
	return func() error {
		s.mu.Lock()
		if released || s.held[token] == nil {
			s.mu.Unlock()
			return nil
		}
		released = true
		delete(s.held, token)
		s.mu.Unlock()
		h.stop()
		defer h.pg.close()
		return s.release(rctx, token)
	}, took, nil
}

// staleReason says why a lock is stale at now, or "" when it is not.
func (s *Store) staleReason(cur *LockInfo, now time.Time) string {
	if cur.Host == s.host && !s.alive(cur.PID) {
		return "its process is gone"
	}
	beat := cur.Heartbeat
	if beat.IsZero() {
		beat = cur.Since // taken by a kopla without heartbeats
	}
	if age := now.Sub(beat); age > s.lockExpiry {
		return fmt.Sprintf("its last heartbeat was %s ago (a held lock is renewed every %s and expires after %s without renewal)",
			age.Round(time.Second), s.heartbeat, s.lockExpiry)
	}
	return ""
}

// beat renews the lock's heartbeat until h is stopped. A renewal that
// finds the lock gone marks it lost and ends the heartbeat; one that fails
// (a busy or unwritable state) is tried again at the next beat.
func (s *Store) beat(ctx context.Context, token string, h *heldLock) {
	defer close(h.stopped)
	t := time.NewTicker(s.heartbeat)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
		}
		if h.pg != nil && !h.pg.alive(ctx) {
			// The session, and with it the advisory lock, is gone.
			h.lost.Store(true)
			return
		}
		res, err := s.w.ExecContext(ctx, `UPDATE locks SET heartbeat_at = ? WHERE name = ? AND token = ?`,
			formatTime(s.nowUTC()), lockName, token)
		if err != nil {
			continue
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			h.lost.Store(true)
			return
		}
	}
}

// LockLost reports whether a lock this Store took was found broken or
// taken over by its heartbeat while held: the holder must stop writing.
func (s *Store) LockLost() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.held {
		if h.lost.Load() {
			return true
		}
	}
	return false
}

// Waiting for the lock polls it, first often, then every maxLockPoll: a
// lock is held for a whole apply (minutes), so a second's delay in taking
// it over costs nothing, and reading the locks row is cheap.
const (
	firstLockPoll = 100 * time.Millisecond
	maxLockPoll   = time.Second
)

// LockWait takes the state lock like Lock, but when another process holds
// it, waits up to timeout for it to be released (or to go stale) instead of
// failing at once. waiting, when not nil, is called once, with the holder,
// when the lock is found held and LockWait starts to wait. A timeout of 0
// is Lock. When the time is up, LockWait returns the *LockedError of its
// last attempt; when ctx ends, ctx's error.
func (s *Store) LockWait(ctx context.Context, holder string, timeout time.Duration, waiting func(*LockedError)) (unlock func() error, err error) {
	unlock, _, err = s.LockWaitTakingOver(ctx, holder, timeout, waiting)
	return unlock, err
}

// LockWaitTakingOver is LockWait, and also returns the stale lock it took
// over, if any (see LockTakingOver).
func (s *Store) LockWaitTakingOver(ctx context.Context, holder string, timeout time.Duration, waiting func(*LockedError)) (unlock func() error, took *Takeover, err error) {
	unlock, took, err = s.lock(ctx, holder)
	var le *LockedError
	if timeout <= 0 || !errors.As(err, &le) {
		return unlock, took, err
	}
	if waiting != nil {
		waiting(le)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	poll := firstLockPoll
	for {
		next := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			next.Stop()
			return nil, nil, fmt.Errorf("state: wait for the lock held by %s: %w", le.Holder, ctx.Err())
		case <-deadline.C:
			next.Stop()
			// One last try: the holder may have let go just now.
			return s.lock(ctx, holder)
		case <-next.C:
		}
		unlock, took, err = s.lock(ctx, holder)
		if !errors.As(err, &le) {
			return unlock, took, err
		}
		poll = min(2*poll, maxLockPoll)
	}
}

// release deletes the lock row if it is still the one taken with token.
func (s *Store) release(ctx context.Context, token string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM locks WHERE name = ? AND token = ?`, lockName, token)
	if err != nil {
		return fmt.Errorf("state: unlock: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("state: unlock: %w", ErrLockLost)
	}
	return nil
}

// ForceUnlock breaks the state lock, whoever holds it. It is for a lock
// left by a process that can no longer release it (`kopla state unlock`);
// breaking the lock of a running apply lets a second apply run beside it.
func (s *Store) ForceUnlock(ctx context.Context) error {
	if s.pg != nil {
		if err := s.endAdvisorySessions(ctx); err != nil {
			return fmt.Errorf("state: force unlock: %w", err)
		}
	}
	if _, err := s.w.ExecContext(ctx, `DELETE FROM locks WHERE name = ?`, lockName); err != nil {
		return fmt.Errorf("state: force unlock: %w", err)
	}
	return nil
}

// LockInfo returns the current holder of the state lock, or nil when the
// state is not locked.
func (s *Store) LockInfo(ctx context.Context) (*LockInfo, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("state: lock info: %w", err)
	}
	defer tx.Rollback()
	info, err := currentLock(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("state: lock info: %w", err)
	}
	return info, nil
}

func currentLock(ctx context.Context, tx *sql.Tx) (*LockInfo, error) {
	var (
		info        LockInfo
		since, beat string
	)
	err := tx.QueryRowContext(ctx, `SELECT holder, pid, host, acquired_at, heartbeat_at FROM locks WHERE name = ?`, lockName).
		Scan(&info.Holder, &info.PID, &info.Host, &since, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lock: %w", err)
	}
	if info.Since, err = parseTime(since); err != nil {
		return nil, err
	}
	if beat != "" {
		if info.Heartbeat, err = parseTime(beat); err != nil {
			return nil, err
		}
	}
	return &info, nil
}

// interruptDeadRuns marks as interrupted the running runs whose process, on
// this host, is gone.
func (s *Store) interruptDeadRuns(ctx context.Context, tx *sql.Tx, now time.Time) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, pid FROM runs WHERE status = 'running' AND host = ?`, s.host)
	if err != nil {
		return fmt.Errorf("find interrupted runs: %w", err)
	}
	var dead []int64
	for rows.Next() {
		var id int64
		var pid int
		if err := rows.Scan(&id, &pid); err != nil {
			rows.Close()
			return fmt.Errorf("find interrupted runs: %w", err)
		}
		if !s.alive(pid) {
			dead = append(dead, id)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("find interrupted runs: %w", err)
	}
	rows.Close()
	for _, id := range dead {
		if _, err := tx.ExecContext(ctx,
			`UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'`,
			formatTime(now), id); err != nil {
			return fmt.Errorf("mark run %d interrupted: %w", id, err)
		}
	}
	return nil
}
