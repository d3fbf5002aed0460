package state

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// lockName is the row of the locks table that guards applies.
const lockName = "apply"

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
}

// String describes the holder as a LockedError does: "kopla apply, pid 123 on host".
func (l LockInfo) String() string {
	return fmt.Sprintf("%s, pid %d on %s", l.Holder, l.PID, l.Host)
}

// Lock takes the state lock for holder (a short description such as
// "kopla apply") and returns the function that releases it. It never waits
// for the lock: when another process holds it, Lock returns a *LockedError
// at once (LockWait waits). A lock left by a process of this host that no longer runs
// (crashed, killed) is stale and taken over. A lock held by another host is
// never presumed stale, since its process cannot be checked from here.
//
// Taking the lock also marks as interrupted the runs still "running" that
// were started by a dead process of this host.
//
// The unlock function may be called more than once; it returns ErrLockLost
// when the lock was broken by ForceUnlock meanwhile. Close releases a lock
// still held.
func (s *Store) Lock(ctx context.Context, holder string) (unlock func() error, err error) {
	if holder == "" {
		holder = "kopla"
	}
	token := rand.Text()
	now := s.nowUTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		cur, err := currentLock(ctx, tx)
		if err != nil {
			return err
		}
		if cur != nil {
			if cur.Host != s.host || s.alive(cur.PID) {
				return &LockedError{Holder: cur.String(), Since: cur.Since, PID: cur.PID, Host: cur.Host}
			}
			// Stale: its process is gone. Take it over.
			if _, err := tx.ExecContext(ctx, `DELETE FROM locks WHERE name = ?`, lockName); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO locks (name, holder, pid, host, token, acquired_at) VALUES (?, ?, ?, ?, ?, ?)`,
			lockName, holder, s.pid, s.host, token, formatTime(now)); err != nil {
			return err
		}
		return s.interruptDeadRuns(ctx, tx, now)
	})
	if err != nil {
		var le *LockedError
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, fmt.Errorf("state: lock: %w", err)
	}
	s.mu.Lock()
	s.held[token] = true
	s.mu.Unlock()

	// The release must happen even when ctx was cancelled (Ctrl-C during
	// apply), so it keeps ctx's values but not its cancellation.
	rctx := context.WithoutCancel(ctx)
	var released bool
	return func() error {
		s.mu.Lock()
		if released || !s.held[token] {
			s.mu.Unlock()
			return nil
		}
		released = true
		delete(s.held, token)
		s.mu.Unlock()
		return s.release(rctx, token)
	}, nil
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
	unlock, err = s.Lock(ctx, holder)
	var le *LockedError
	if timeout <= 0 || !errors.As(err, &le) {
		return unlock, err
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
			return nil, fmt.Errorf("state: wait for the lock held by %s: %w", le.Holder, ctx.Err())
		case <-deadline.C:
			next.Stop()
			// One last try: the holder may have let go just now.
			return s.Lock(ctx, holder)
		case <-next.C:
		}
		unlock, err = s.Lock(ctx, holder)
		if !errors.As(err, &le) {
			return unlock, err
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
		info  LockInfo
		since string
	)
	err := tx.QueryRowContext(ctx, `SELECT holder, pid, host, acquired_at FROM locks WHERE name = ?`, lockName).
		Scan(&info.Holder, &info.PID, &info.Host, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read lock: %w", err)
	}
	if info.Since, err = parseTime(since); err != nil {
		return nil, err
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
