package state

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// DefaultSchema is the Postgres schema of a state whose URL names none.
const DefaultSchema = "kopla"

// ErrNoState is returned by OpenReadOnly for a Postgres schema that holds
// no kopla state (yet): nothing has been applied there.
var ErrNoState = errors.New("state: no kopla state in this schema yet")

// Redact returns a state setting fit to show: a Postgres URL without its
// password; a file path as it is.
func Redact(state string) string {
	if !IsURL(state) {
		return state
	}
	u, err := url.Parse(state)
	if err != nil {
		return "(a Postgres URL that cannot be parsed)"
	}
	return redactURL(u)
}

// IsURL reports whether a state setting names a Postgres database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsURL(state string) bool {
	return strings.HasPrefix(state, "postgres://") || strings.HasPrefix(state, "postgresql://")
}

// schemaName is what a schema parameter may be: a plain lower-case SQL
// identifier, so that it needs no quoting anywhere (River's tables go in
// the same schema later) and cannot be mistaken for another.
var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// pgTarget is a parsed Postgres state URL.
type pgTarget struct {
	config *pgx.ConnConfig
	schema string
	// display is the URL without its password, for messages.
	display string
}

// parsePostgresURL parses a state URL. The schema is kopla's own
// parameter, schema=NAME (default DefaultSchema), taken out of the URL
// before pgx sees it; the connections' search_path is set to it, so every
// table, index and sequence of the state lives in that schema.
func parsePostgresURL(raw string) (*pgTarget, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("state: the Postgres URL cannot be parsed: %v", redactURLError(err))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("state: the parameters of the Postgres URL %s: %v", redactURL(u), err)
	}
	schema := q.Get("schema")
	if q.Has("search_path") {
		return nil, fmt.Errorf("state: the Postgres URL %s sets search_path: name the project's schema with schema=NAME instead", redactURL(u))
	}
	q.Del("schema")
	if schema == "" {
		schema = DefaultSchema
	}
	if !schemaName.MatchString(schema) {
		return nil, fmt.Errorf("state: the Postgres URL %s has schema=%q: a schema name is lower-case letters, digits and _, starting with a letter or _, at most 63 characters",
			redactURL(u), schema)
	}
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("state: the Postgres URL %s: %v", redactURL(u), err)
	}
	cfg.RuntimeParams["search_path"] = schema
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "kopla"
	}
	return &pgTarget{config: cfg, schema: schema, display: redactURL(u)}, nil
}

// redactURL is u without its password.
func redactURL(u *url.URL) string {
	c := *u
	if _, ok := c.User.Password(); ok {
		c.User = url.UserPassword(c.User.Username(), "xxxxx")
	}
	return c.String()
}

// redactURLError drops the URL, which may hold a password, from a parse error.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// lockKey is a Postgres advisory lock key of the project's schema: one
// key per schema and purpose, so that projects never block one another.
// A collision of two 64-bit hashes would only make two projects wait for
// each other, never share a lock's holder.
func lockKey(schema, purpose string) int64 {
	h := fnv.New64a()
	h.Write([]byte("kopla\x00" + schema + "\x00" + purpose))
	return int64(h.Sum64())
}

// openPostgres opens the state in the schema that raw names, creating the
// schema and bringing it up to date. readOnly opens it for reading only:
// its sessions are read-only (default_transaction_read_only), so every
// write fails, and an outdated schema gives ErrSchemaOutdated.
func openPostgres(ctx context.Context, raw string, readOnly bool, opts []Option) (*Store, error) {
	t, err := parsePostgresURL(raw)
	if err != nil {
		return nil, err
	}
	s := newStore(opts)
	s.d = postgresDialect
	s.pg = t
	writeKey := lockKey(t.schema, "write")
	cfg := t.config.Copy()
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	open := func() *sql.DB {
		return sql.OpenDB(pgConnector{Connector: stdlib.GetConnector(*cfg), writeKey: writeKey})
	}
	s.w = open()
	// One writer, as on SQLite: a process's writes queue in it, and the
	// write transactions of several processes queue on the schema's write
	// lock (pgConn.BeginTx), as BEGIN IMMEDIATE makes them on SQLite.
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.r = open()
	s.r.SetMaxOpenConns(readConns)
	s.r.SetMaxIdleConns(readConns)
	s.r.SetConnMaxIdleTime(time.Minute)
	fail := func(err error) (*Store, error) {
		s.closeStatements()
		s.r.Close()
		s.w.Close()
		if errors.Is(err, ErrSchemaOutdated) || errors.Is(err, ErrNoState) || strings.HasPrefix(err.Error(), "state:") {
			return nil, err
		}
		return nil, fmt.Errorf("state: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("cannot reach the Postgres server (%w); check that it runs and that the URL's host, port, database, user and password "+
			"(or PGPASSWORD, ~/.pgpass) are right", err))
	}
	if readOnly {
		var v int
		err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
			return fail(ErrNoState)
		}
		if err != nil {
			return fail(fmt.Errorf("read the schema version of schema %s: %w", t.schema, err))
		}
		switch {
		case v > len(s.d.migrations):
			return fail(fmt.Errorf("state schema version %d is newer than this kopla understands (%d): upgrade kopla", v, len(s.d.migrations)))
		case v < len(s.d.migrations):
			return fail(fmt.Errorf("%w (version %d, this kopla writes %d)", ErrSchemaOutdated, v, len(s.d.migrations)))
		}
	} else {
		if err := s.inTx(ctx, func(tx *sql.Tx) error {
			// Under the schema's write lock, so that two processes creating
			// the schema at once do not collide.
			_, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+t.schema+`;
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`)
			return err
		}); err != nil {
			return fail(err)
		}
		if err := s.migrate(ctx); err != nil {
			return fail(err)
		}
	}
	if err := s.prepare(ctx); err != nil {
		return fail(err)
	}
	return s, nil
}

// pgConnector makes the connections of a Postgres state: pgx's, with
// kopla's SQL adapted to Postgres on the way (pgConn).
type pgConnector struct {
	driver.Connector
	writeKey int64
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn.(*stdlib.Conn), writeKey: c.writeKey}, nil
}

// pgConn is a pgx connection that takes the store's SQL as written for
// SQLite, with ? placeholders, and numbers them ($1, $2, ...) for Postgres:
// one text for every query of both backends. A write transaction first
// takes the schema's write lock, a transaction-level advisory lock, so
// that write transactions are serialised as on SQLite (BEGIN IMMEDIATE):
// a read followed by a write in one transaction (next activity ID, the
// lock row) never races another process's.
type pgConn struct {
	*stdlib.Conn
	writeKey int64
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(context.Background(), rebind(query))
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, rebind(query))
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, rebind(query), args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, rebind(query), args)
}

func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil || opts.ReadOnly {
		return tx, err
	}
	if _, err := c.Conn.Conn().Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, c.writeKey); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("take the state's write lock: %w", err)
	}
	return tx, nil
}

// rebind numbers the ? placeholders of query for Postgres, leaving those
// in quoted strings, quoted names and comments alone.
func rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		ch := query[i]
		switch {
		case ch == '\'' || ch == '"':
			j := strings.IndexByte(query[i+1:], ch)
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+2])
			i += j + 1
		case ch == '-' && i+1 < len(query) && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				b.WriteString(query[i:])
				return b.String()
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case ch == '?':
			n++
			b.WriteByte('$')
			b.WriteString(fmt.Sprint(n))
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}
