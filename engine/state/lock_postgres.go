package state

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// On Postgres the lock row (lock.go) says who holds the lock; what keeps
// two holders apart is a session advisory lock, keyed by the project's
// schema (lockKey), held on a connection of its own: not one of the
// store's pools, where database/sql could run the unlock, or the next
// query, on another session, or close the session and drop the lock
// unseen. The server releases it when the holder's session ends, so a
// worker killed, or whose machine is gone, loses the lock as soon as the
// server notices: at once for a killed process (its socket closes), within
// pgKeepalive for a host that vanished (TCP keepalives). A holder that
// stops renewing its row (stalled, partitioned) loses it at the expiry:
// the next Lock ends its session.

// pgKeepalive is how long the server takes, at most, to notice that the
// host of a lock's session is gone: keepalives after 10 s idle, every 5 s,
// 3 missed. It is well under DefaultLockExpiry.
const pgKeepalive = 25 * time.Second

// pgLock is the advisory lock's connection.
type pgLock struct {
	conn *pgx.Conn
	key  int64
}

// applyLockKey is the advisory lock key of the state's apply lock.
func (s *Store) applyLockKey() int64 { return lockKey(s.pg.schema, "apply") }

// tryAdvisory takes the schema's apply lock on a new connection, or
// returns nil when another session holds it.
func (s *Store) tryAdvisory(ctx context.Context, holder string) (*pgLock, error) {
	cfg := s.pg.config.Copy()
	// Who holds the lock shows in pg_stat_activity too (63 bytes at most).
	name := fmt.Sprintf("kopla lock: %s, pid %d on %s", holder, s.pid, s.host)
	if len(name) > 63 {
		name = name[:63]
	}
	cfg.RuntimeParams["application_name"] = name
	cfg.RuntimeParams["tcp_keepalives_idle"] = "10"
	cfg.RuntimeParams["tcp_keepalives_interval"] = "5"
	cfg.RuntimeParams["tcp_keepalives_count"] = "3"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect for the lock: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, s.applyLockKey()).Scan(&ok); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("take the advisory lock: %w", err)
	}
	if !ok {
		conn.Close(context.WithoutCancel(ctx))
		return nil, nil
	}
	return &pgLock{conn: conn, key: s.applyLockKey()}, nil
}

// alive reports whether the lock's session still holds the lock: a
// round trip on its connection, which fails when the session is gone.
func (l *pgLock) alive(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return l.conn.Ping(ctx) == nil
}

// close releases the advisory lock and ends its session. The lock is
// released first, and answered: a session's end frees its locks only once
// the server has noticed it, so the next Lock right after an unlock could
// still find this one held.
func (l *pgLock) close() {
	if l == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.key) // a session gone has released it already
	l.conn.Close(ctx)
}

// advisorySessions are the backend pids of the sessions holding the
// schema's apply lock (one, or none).
func (s *Store) advisorySessions(ctx context.Context) ([]int64, error) {
	key := uint64(s.applyLockKey())
	rows, err := s.r.QueryContext(ctx, `
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND objsubid = 1
	AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
	AND classid::bigint = ? AND objid::bigint = ?`, int64(key>>32), int64(key&0xffffffff))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var pids []int64
	for rows.Next() {
		var pid int64
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		pids = append(pids, pid)
	}
	return pids, rows.Err()
}

// endAdvisorySessions ends the sessions holding the schema's apply lock,
// so that the lock is free: for a holder found stale, and for
// `kopla state unlock`. A holder still running finds its lock lost at its
// next heartbeat.
func (s *Store) endAdvisorySessions(ctx context.Context) error {
	pids, err := s.advisorySessions(ctx)
	if err != nil {
		return fmt.Errorf("find the lock's session: %w", err)
	}
	for _, pid := range pids {
		var ended bool
		// With a timeout (Postgres 14+), it waits until the session is gone
		// and its locks with it.
		if err := s.r.QueryRowContext(ctx, `SELECT pg_terminate_backend(?, 5000)`, pid).Scan(&ended); err != nil {
			return fmt.Errorf("end the lock's session %d: %w", pid, err)
		}
	}
	return nil
}

// lockPostgres takes the advisory lock for Lock, ending the session of a
// stale holder first. It returns a *LockedError when the lock is held.
func (s *Store) lockPostgres(ctx context.Context, holder string) (*pgLock, error) {
	l, err := s.tryAdvisory(ctx, holder)
	if err != nil || l != nil {
		return l, err
	}
	cur, err := s.LockInfo(ctx)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		// Its holder is between taking the lock and writing its row.
		return nil, &LockedError{Holder: "another kopla process (it is taking the lock now)", Since: s.nowUTC()}
	}
	if s.staleReason(cur, s.nowUTC()) == "" {
		return nil, &LockedError{Holder: cur.String(), Since: cur.Since, PID: cur.PID, Host: cur.Host}
	}
	// Stale: its session lingers (a stalled process, a host not yet
	// noticed gone). End it, and take the lock when the server has let go.
	if err := s.endAdvisorySessions(ctx); err != nil {
		return nil, err
	}
	for range 50 {
		if l, err := s.tryAdvisory(ctx, holder); err != nil || l != nil {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil, errors.New("the session of the stale lock's holder was ended, but its lock is still held after 1s")
}
