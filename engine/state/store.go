package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultPath is where a project keeps its state, relative to the project
// directory.
const DefaultPath = ".kopla/state.db"

// busyTimeout is how long a statement waits for another connection's write
// transaction (another kopla process) before failing with SQLITE_BUSY. It is
// not how long Lock waits: Lock never waits for the apply lock, LockWait
// waits as long as it is told.
const busyTimeout = 10 * time.Second

// readConns bounds the read pool. Reads run concurrently with the single
// writer under WAL; a few connections let a ListLinks callback call other
// read methods without starving.
const readConns = 4

// Store is the state of one project in a SQLite file. It is safe for
// concurrent use by several goroutines, and several processes may open the
// same file: SQLite serialises their writes, and Lock keeps two applies apart.
type Store struct {
	// w is the write pool: one connection, transactions BEGIN IMMEDIATE, so
	// writers queue on busy_timeout instead of failing on lock upgrade.
	w *sql.DB
	// r is the read pool: query_only connections reading WAL snapshots.
	r *sql.DB
	// d is the database's dialect; pg is set for a Postgres state.
	d  *dialect
	pg *pgTarget

	now  func() time.Time
	pid  int
	host string
	// alive reports whether a process of this host is still running.
	alive func(pid int) bool
	// heartbeat is how often a held lock is renewed, and lockExpiry how
	// old its last renewal may be before the lock is stale.
	heartbeat, lockExpiry time.Duration

	// Statements of the hot paths, prepared once on their pool.
	upsertLinks *rowInserter
	selectLinks *inStatement // on the read pool
	deleteLinks *inStatement

	// salt keys the hashes of the key index (keys.go).
	salt []byte

	activityBufs sync.Pool // of *activityBufs

	mu        sync.Mutex
	held      map[string]*heldLock // locks taken by this Store, by token, released by Close
	closeOnce sync.Once
	cerr      error
}

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for timestamps (tests); the default is
// time.Now. Times are stored in UTC whatever the clock's location.
func WithClock(now func() time.Time) Option {
	return func(s *Store) {
		if now != nil {
			s.now = now
		}
	}
}

// Open opens the state file at path, creating it and its directory if
// needed, and brings its schema up to date. The file and directory are
// created private to the user (0600, 0700): the activity log holds personal
// data. A path that is a Postgres URL (IsURL) opens, and creates if
// needed, the schema it names instead.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("state: open: empty path")
	}
	if IsURL(path) {
		return openPostgres(ctx, path, false, opts)
	}
	if err := checkStatePath(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	// Create the file ourselves so that it gets 0600 (SQLite would use 0644
	// less umask); SQLite gives the -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}

	s := newStore(opts)

	// The writer opens first: it switches the file to WAL (persistent) and
	// migrates the schema before any reader looks at it.
	var err error
	s.w, err = sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	s.w.SetConnMaxIdleTime(0)
	if err := s.migrateWhenFree(ctx); err != nil {
		s.w.Close()
		return nil, describeOpenError(path, err)
	}

	s.r, err = sql.Open("sqlite", dsn(path, true))
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(readConns)
	s.r.SetMaxIdleConns(readConns)
	s.r.SetConnMaxIdleTime(time.Minute)

	if err := s.prepare(ctx); err != nil {
		s.closeStatements()
		s.r.Close()
		s.w.Close()
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	return s, nil
}

// newStore makes a Store with its options, without databases.
func newStore(opts []Option) *Store {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	s := &Store{
		d:     sqliteDialect,
		now:   time.Now,
		pid:   os.Getpid(),
		host:  host,
		alive: processAlive,
		held:  map[string]*heldLock{},

		heartbeat:  DefaultLockHeartbeat,
		lockExpiry: DefaultLockExpiry,
	}
	s.activityBufs.New = func() any { return new(activityBufs) }
	for _, o := range opts {
		o(s)
	}
	return s
}

// migrateWhenFree migrates, trying again while another process holds the
// file busy: a connection that switches a new file to WAL while another
// does gets SQLITE_BUSY at once, without waiting on the busy timeout.
func (s *Store) migrateWhenFree(ctx context.Context) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		err := s.migrate(ctx)
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// dsn builds the modernc.org/sqlite data source name. The path goes in a
// file: URI, escaped, so that names with '?', '#' or '%' open the right file.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	// busy_timeout is applied first by the driver, before the pragmas that
	// may need a lock (journal_mode).
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	// NORMAL is crash-safe in WAL mode: a committed transaction survives a
	// killed process; only a power loss may roll back the last commits,
	// which the engine's lookups by key cover.
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// No mmap_size: pages read through a mapping count in the process's
	// resident memory (an apply updating 100k links held 40 MB more), and
	// lookups measured no faster with it.
	// A large apply checkpoints every 40 MB of log instead of 4 MB: fewer
	// checkpoints, each of which syncs the file.
	q.Add("_pragma", "wal_autocheckpoint(10000)")
	// A batch of 10,000 links and their activity takes some megabytes: a
	// page cache of 2 MB (the default) spills them to the log before the
	// commit, page by page. 8 MB, not more: it is memory kopla holds.
	q.Add("_pragma", "cache_size(-8192)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// Deleted content (personal data) is zeroed where that costs no
		// extra I/O, so that cells moved or deleted by writes leave no
		// copies; Purge zeroes the rest (secure_delete ON), free pages too.
		q.Add("_pragma", "secure_delete(FAST)")
		q.Set("_txlock", "immediate")
	}
	p := filepath.ToSlash(path)
	if abs, err := filepath.Abs(path); err == nil {
		p = filepath.ToSlash(abs)
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letters: file:///C:/...
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}

// prepare prepares the statements of the hot paths.
func (s *Store) prepare(ctx context.Context) error {
	var err error
	if s.upsertLinks, err = newRowInserter(ctx, s.w, upsertLinksHead, upsertLinksTuple, 6,
		fmt.Sprintf(upsertLinksTail, s.d.jsonMerge("links.field_hashes", "excluded.field_hashes"))); err != nil {
		return err
	}
	if s.selectLinks, err = newInStatement(ctx, s.r, selectLinksSQL); err != nil {
		return err
	}
	if s.deleteLinks, err = newInStatement(ctx, s.w, deleteLinksSQL); err != nil {
		return err
	}
	if s.salt, err = loadSalt(ctx, s.r); err != nil {
		return err
	}
	return nil
}

func (s *Store) closeStatements() {
	s.upsertLinks.Close()
	s.selectLinks.Close()
	s.deleteLinks.Close()
}

// Close releases any lock this Store still holds and closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		tokens := make([]string, 0, len(s.held))
		var pgLocks []*pgLock
		for t, h := range s.held {
			h.stop()
			tokens = append(tokens, t)
			if h.pg != nil {
				pgLocks = append(pgLocks, h.pg)
			}
		}
		s.held = map[string]*heldLock{}
		s.mu.Unlock()
		var errs []error
		for _, t := range tokens {
			if err := s.release(context.Background(), t); err != nil && !errors.Is(err, ErrLockLost) {
				errs = append(errs, err)
			}
		}
		for _, l := range pgLocks {
			l.close()
		}
		s.closeStatements()
		if err := s.r.Close(); err != nil {
			errs = append(errs, fmt.Errorf("state: close: %w", err))
		}
		if err := s.w.Close(); err != nil {
			errs = append(errs, fmt.Errorf("state: close: %w", err))
		}
		s.cerr = errors.Join(errs...)
	})
	return s.cerr
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE) and commits it, or
// rolls it back when fn fails.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// timeLayout is fixed-width so that stored times sort and compare as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func (s *Store) nowUTC() time.Time { return s.now().UTC() }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t, nil
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

// nullID stores the ID 0 ("none") as NULL, so that foreign keys allow it.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// chunks calls fn with successive slices of at most n keys.
func chunks[T any](keys []T, n int, fn func([]T) error) error {
	for len(keys) > 0 {
		c := keys[:min(n, len(keys))]
		keys = keys[len(c):]
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// placeholders returns "?,?,...,?" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}
