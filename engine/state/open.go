package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrSchemaOutdated is returned by OpenReadOnly for a state file written by
// an older kopla: it needs a migration, which only Open (read-write) does.
var ErrSchemaOutdated = errors.New("state schema is older than this kopla's")

// OpenReadOnly opens an existing state file for reading only, for commands
// that never write it (plan, state list, log): they work on a state in a
// read-only directory or file system, and cannot change it by mistake.
// Every write method of the Store fails.
//
// A WAL-mode file is read with its -shm index; when that cannot be created
// (a read-only directory and no writer running), the file is opened
// immutable: nothing else can be writing it then, since a writer would
// need the same files.
//
// A file of an older schema gives ErrSchemaOutdated (Open migrates it).
func OpenReadOnly(ctx context.Context, path string, opts ...Option) (*Store, error) {
	if IsURL(path) {
		return openPostgres(ctx, path, true, opts)
	}
	if err := checkStatePath(path); err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("state: open %s: %w", path, err)
	}
	s, err := openReadOnly(ctx, path, false, opts)
	if err != nil && !errors.Is(err, ErrSchemaOutdated) && readOnlyPlace(err) {
		s, err = openReadOnly(ctx, path, true, opts)
	}
	if err != nil {
		return nil, describeOpenError(path, err)
	}
	return s, nil
}

func openReadOnly(ctx context.Context, path string, immutable bool, opts []Option) (*Store, error) {
	s := newStore(opts)
	var err error
	if s.r, err = sql.Open("sqlite", readOnlyDSN(path, immutable)); err != nil {
		return nil, err
	}
	s.r.SetMaxOpenConns(readConns)
	s.r.SetMaxIdleConns(readConns)
	// Writes go to a read-only connection too, where they fail with
	// SQLITE_READONLY instead of writing.
	if s.w, err = sql.Open("sqlite", readOnlyDSN(path, immutable)); err != nil {
		s.r.Close()
		return nil, err
	}
	s.w.SetMaxOpenConns(1)
	fail := func(err error) (*Store, error) {
		s.closeStatements()
		s.r.Close()
		s.w.Close()
		return nil, err
	}
	var v int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fail(err)
	}
	switch {
	case v > len(migrations):
		return fail(fmt.Errorf("state schema version %d is newer than this kopla understands (%d): upgrade kopla", v, len(migrations)))
	case v < len(migrations):
		return fail(fmt.Errorf("%w (version %d, this kopla writes %d)", ErrSchemaOutdated, v, len(migrations)))
	}
	if err := s.prepare(ctx); err != nil {
		return fail(err)
	}
	return s, nil
}

// readOnlyDSN is the reader's data source name, with mode=ro, and
// immutable=1 when asked.
func readOnlyDSN(path string, immutable bool) string {
	u, err := url.Parse(dsn(path, true))
	if err != nil {
		panic(err) // dsn builds a valid URL
	}
	q := u.Query()
	q.Set("mode", "ro")
	if immutable {
		q.Set("immutable", "1")
		// An immutable file has no WAL to switch to.
		pragmas := q["_pragma"][:0]
		for _, p := range q["_pragma"] {
			if !strings.HasPrefix(p, "journal_mode") {
				pragmas = append(pragmas, p)
			}
		}
		q["_pragma"] = pragmas
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// readOnlyPlace reports whether err says that the files SQLite needs beside
// the state (its -shm and -wal) cannot be created or written.
func readOnlyPlace(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_IOERR:
			return true
		}
	}
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// checkStatePath refuses a state path that names a directory.
func checkStatePath(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return &OpenError{Path: path, Problem: "is a directory, not a state file: the state setting of the kopla block must name a file, such as " + DefaultPath}
	}
	return nil
}

// describeOpenError turns SQLite's terse codes for a state file that cannot
// be used into what is wrong and what to do.
func describeOpenError(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		if strings.HasPrefix(err.Error(), "state:") {
			return err
		}
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	var what string
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_CORRUPT:
		what = "is damaged (truncated, or overwritten in part), so kopla cannot read its links and history. " +
			"Restore it from a backup; or, to start afresh, move it aside (kopla then finds the records it wrote by their keys, " +
			"but the activity log and incremental cursors start empty)"
	case sqlite3.SQLITE_NOTADB:
		what = "is not a kopla state file (it is not an SQLite database). " +
			"Check the state setting of the kopla block; if the file was overwritten, restore it from a backup or move it aside to start afresh"
	case sqlite3.SQLITE_CANTOPEN:
		what = "cannot be opened. Check that the file and its directory exist and that this user may read and write them"
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM:
		what = "cannot be written. Check that the file and its directory are writable by this user (kopla plan only reads the state; apply writes it)"
	case sqlite3.SQLITE_FULL:
		what = "cannot be written: the disk is full. Free some space and run the command again"
	default:
		return fmt.Errorf("state: open %s: %w", path, err)
	}
	return &OpenError{Path: path, Problem: what, Err: err}
}

// OpenError is a state file that cannot be used, with what is wrong and
// what to do about it.
type OpenError struct {
	Path    string
	Problem string // "is damaged (...). Restore it ..."
	Err     error  // the SQLite error, if any
}

func (e *OpenError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("state: %s %s", e.Path, e.Problem)
	}
	return fmt.Sprintf("state: the state file %s %s (SQLite: %v)", e.Path, e.Problem, e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }
