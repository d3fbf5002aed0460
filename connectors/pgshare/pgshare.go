// Package pgshare keeps on Postgres what the workers of one project share
// with their connections: the API rate budgets (connectors.SharedBudgets)
// and the OAuth tokens, refreshed by one worker at a time
// (connectors.SharedTokens). Its tables live in the project's schema,
// beside the state.
package pgshare

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kopla-dev/kopla/connectors"
)

// DefaultLease is the longest a worker may take to send the requests of
// one grant. A granted request counts against its budget from the grant
// until the lease and the window have passed, so the lease is what
// sharing costs of a window: without Store.Lease it is a 50th of the
// window (the time a 50th of the limit takes at the limit, what a worker
// asks for at a time), at least MinLease and at most DefaultLease.
const (
	DefaultLease = 100 * time.Millisecond
	MinLease     = 20 * time.Millisecond
)

// Store is the shared budgets and tokens of one project's schema.
type Store struct {
	pool   *pgxpool.Pool
	schema string
	// Lease is the grants' lease (0: from the window, see DefaultLease).
	Lease time.Duration
	// Holder names this worker in the token table ("host:pid").
	Holder string

	own bool // the pool is Open's
}

var (
	_ connectors.SharedBudgets = (*Store)(nil)
	_ connectors.SharedTokens  = (*Store)(nil)
)

// New returns the store of schema on pool, creating its tables and its
// function when missing (all idempotent: workers start in any order).
func New(ctx context.Context, pool *pgxpool.Pool, schema string) (*Store, error) {
	if schema == "" {
		return nil, errors.New("pgshare: no schema named")
	}
	s := &Store{pool: pool, schema: schema}
	host, _ := os.Hostname()
	s.Holder = fmt.Sprintf("%s:%d", host, os.Getpid())
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("pgshare: schema %s: %w", schema, err)
	}
	return s, nil
}

// DefaultSchema is the schema of a URL that names none, as the state's.
const DefaultSchema = "kopla"

// Open connects to the Postgres database of a state URL
// ("postgres://...?schema=NAME", the schema kopla's own parameter, as in
// the state setting) and returns the store of its schema; Close releases it.
func Open(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("pgshare: the state URL does not parse: %w", err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("pgshare: the parameters of %s do not parse (write schema=NAME&sslmode=...): %w", u.Redacted(), err)
	}
	schema := q.Get("schema")
	q.Del("schema")
	u.RawQuery = q.Encode()
	if schema == "" {
		schema = DefaultSchema
	}
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("pgshare: the URL %s has schema=%q: a schema name is lower-case letters, digits and _, starting with a letter or _, at most 63 characters", u.Redacted(), schema)
	}
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("pgshare: connect to %s: %w", u.Redacted(), err)
	}
	s, err := New(ctx, pool, schema)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.own = true
	return s, nil
}

// schemaName is what a schema parameter may be, as for the state.
var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Close closes the pool when Open made it.
func (s *Store) Close() {
	if s.own {
		s.pool.Close()
	}
}

// ident quotes name as a table or function of the store's schema.
func (s *Store) ident(name string) string {
	return pgx.Identifier{s.schema, name}.Sanitize()
}

// migrate creates the tables and the take function. A transaction-level
// advisory lock keeps two workers starting together from racing on
// CREATE OR REPLACE FUNCTION (which fails with "tuple concurrently
// updated"); it ends with the transaction, on its own connection.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "kopla-pgshare:"+s.schema); err != nil {
		return err
	}
	stmts := []string{
		`CREATE SCHEMA IF NOT EXISTS ` + pgx.Identifier{s.schema}.Sanitize(),
		// One row per budget: the lock a take holds while it counts.
		`CREATE TABLE IF NOT EXISTS ` + s.ident("share_budgets") + ` (
			budget text PRIMARY KEY
		)`,
		// What was granted and when it stops counting.
		`CREATE TABLE IF NOT EXISTS ` + s.ident("share_budget_grants") + ` (
			budget     text NOT NULL,
			granted_at timestamptz NOT NULL,
			frees_at   timestamptz NOT NULL,
			n          integer NOT NULL CHECK (n > 0)
		)`,
		`CREATE INDEX IF NOT EXISTS share_budget_grants_frees ON ` + s.ident("share_budget_grants") + ` (budget, frees_at)`,
		`CREATE TABLE IF NOT EXISTS ` + s.ident("share_tokens") + ` (
			key        text PRIMARY KEY,
			token      bytea,
			updated_at timestamptz,
			updated_by text
		)`,
		// One round trip per take. Each statement of a plpgsql function
		// takes a fresh snapshot, so after the row lock the count sees
		// every grant the previous holder committed (one SQL statement
		// with CTEs would count from before the wait). Postgres' clock
		// serves all workers: their own clocks may differ.
		`CREATE OR REPLACE FUNCTION ` + s.ident("share_budget_take") + `(
			p_budget text, p_limit integer, p_window_us bigint, p_lease_us bigint, p_n integer,
			OUT granted integer, OUT wait_us bigint)
		LANGUAGE plpgsql AS $$
		DECLARE
			t    timestamptz;
			used integer;
		BEGIN
			INSERT INTO ` + s.ident("share_budgets") + ` (budget) VALUES (p_budget) ON CONFLICT DO NOTHING;
			PERFORM 1 FROM ` + s.ident("share_budgets") + ` WHERE budget = p_budget FOR UPDATE;
			t := clock_timestamp();
			DELETE FROM ` + s.ident("share_budget_grants") + ` WHERE budget = p_budget AND frees_at <= t;
			SELECT coalesce(sum(n), 0) INTO used FROM ` + s.ident("share_budget_grants") + ` WHERE budget = p_budget;
			IF used < p_limit THEN
				granted := least(p_limit - used, p_n);
				wait_us := 0;
				INSERT INTO ` + s.ident("share_budget_grants") + ` (budget, granted_at, frees_at, n)
				VALUES (p_budget, t, t + make_interval(secs => (p_lease_us + p_window_us) / 1e6), granted);
			ELSE
				granted := 0;
				SELECT ceil(extract(epoch FROM min(frees_at) - t) * 1e6)::bigint INTO wait_us
				FROM ` + s.ident("share_budget_grants") + ` WHERE budget = p_budget;
			END IF;
		END $$`,
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// Take books up to n requests on the budget key. A granted request counts
// from the grant until the lease and the window have passed, so whenever
// it is sent within the lease, every window of the API that holds it
// also holds its slot here, and the slots never exceed limit.
func (s *Store) Take(ctx context.Context, key string, limit int, window time.Duration, n int) (connectors.Grant, error) {
	lease := s.Lease
	if lease <= 0 {
		lease = min(max(window/50, MinLease), DefaultLease)
	}
	// The lease is measured from before the round trip, by this worker's
	// monotonic clock: it ends before the database's, whatever the skew.
	start := time.Now()
	var granted int
	var waitUS int64
	err := s.pool.QueryRow(ctx, `SELECT granted, wait_us FROM `+s.ident("share_budget_take")+`($1, $2, $3, $4, $5)`,
		key, limit, window.Microseconds(), lease.Microseconds(), max(n, 1)).Scan(&granted, &waitUS)
	if err != nil {
		return connectors.Grant{}, fmt.Errorf("pgshare: take from budget %s: %w", key, err)
	}
	if granted > 0 {
		return connectors.Grant{N: granted, Until: start.Add(lease)}, nil
	}
	return connectors.Grant{Wait: time.Duration(waitUS) * time.Microsecond}, nil
}

// Load returns the token stored under key.
func (s *Store) Load(ctx context.Context, key string) ([]byte, error) {
	var b []byte
	err := s.pool.QueryRow(ctx, `SELECT token FROM `+s.ident("share_tokens")+` WHERE key = $1`, key).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pgshare: load token %s: %w", key, err)
	}
	return b, nil
}

// tokenLockTimeout bounds the wait for another worker's refresh: one
// identity-server round trip, with its retries.
const tokenLockTimeout = 2 * time.Minute

// Update runs fn under the row lock of key's token, in one transaction:
// a worker that dies while it holds the lock loses it with its
// connection.
func (s *Store) Update(ctx context.Context, key string, fn func(stored []byte) ([]byte, error)) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("pgshare: token %s: %w", key, err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d`, tokenLockTimeout.Milliseconds())); err != nil {
		return fmt.Errorf("pgshare: token %s: %w", key, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+s.ident("share_tokens")+` (key) VALUES ($1) ON CONFLICT DO NOTHING`, key); err != nil {
		return fmt.Errorf("pgshare: token %s: %w", key, err)
	}
	var stored []byte
	if err := tx.QueryRow(ctx, `SELECT token FROM `+s.ident("share_tokens")+` WHERE key = $1 FOR UPDATE`, key).Scan(&stored); err != nil {
		return fmt.Errorf("pgshare: lock token %s: %w", key, err)
	}
	next, err := fn(stored)
	if err != nil {
		return err
	}
	if next != nil {
		if _, err := tx.Exec(ctx, `UPDATE `+s.ident("share_tokens")+` SET token = $2, updated_at = now(), updated_by = $3 WHERE key = $1`,
			key, next, s.Holder); err != nil {
			return fmt.Errorf("pgshare: store token %s: %w", key, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("pgshare: store token %s: %w", key, err)
	}
	return nil
}
