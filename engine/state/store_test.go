package state

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.FixedZone("CET", 3600))}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// openTest opens a fresh store in a temporary directory and closes it at
// the end of the test.
func openTest(t testing.TB, opts ...Option) (*Store, string) {
	t.Helper()
	path := testStatePath(t)
	s, err := Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "project")
	path := filepath.Join(dir, DefaultPath)
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	defer s.Close()

	// A write makes the write-ahead log and its index exist.
	if err := s.SetCursor(t.Context(), "f", "c"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		mode os.FileMode
	}{
		{filepath.Dir(path), 0o700 | os.ModeDir},
		{path, 0o600},
		{path + "-wal", 0o600},
		{path + "-shm", 0o600},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatalf("Stat(%q) = %v", tt.path, err)
		}
		if fi.Mode() != tt.mode {
			t.Errorf("mode of %s = %v; want %v", tt.path, fi.Mode(), tt.mode)
		}
	}

	var mode string
	if err := s.w.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Errorf("journal_mode = %q; want wal", mode)
	}
	for _, db := range []struct {
		name string
		db   *sql.DB
	}{{"writer", s.w}, {"reader", s.r}} {
		var fk int
		if err := db.db.QueryRowContext(t.Context(), "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if fk != 1 {
			t.Errorf("%s: foreign_keys = %d; want 1", db.name, fk)
		}
		var busy int
		if err := db.db.QueryRowContext(t.Context(), "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if busy != int(busyTimeout.Milliseconds()) {
			t.Errorf("%s: busy_timeout = %d; want %d", db.name, busy, busyTimeout.Milliseconds())
		}
	}
	// The read pool must not be able to write.
	if _, err := s.r.ExecContext(t.Context(), `DELETE FROM links`); err == nil {
		t.Error("write through the read pool succeeded; want query_only to refuse it")
	}
}

func TestOpenPathWithURICharacters(t *testing.T) {
	// '?', '#' and '%' mean something in a file: URI; the file must still be
	// the one named.
	dir := filepath.Join(t.TempDir(), "a dir?x=1#frag%20")
	path := filepath.Join(dir, "state.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	if err := s.SetCursor(t.Context(), "f", "c1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != "state.db" {
		t.Errorf("files in %q = %v; want just state.db", dir, names)
	}
	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Cursor(t.Context(), "f"); err != nil || got != "c1" {
		t.Errorf("Cursor after reopen = %q, %v; want c1", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := filepath.Join(t.TempDir(), "garbage.db")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path, want string
	}{
		{"empty path", "", "empty path"},
		{"parent is a file", filepath.Join(file, "state.db"), "not a directory"},
		{"not a database", notDB, "not a database"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.path)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded; want an error", tt.path)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open(%q) = %v; want it to mention %q", tt.path, err, tt.want)
			}
		})
	}
}

func TestMigrationsIdempotentOnReopen(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	if err := s.PutLinks(ctx, []Link{{Flow: "f", SourceKey: "1", TargetID: "t1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		if v := schemaVersionOf(t, s); v != SchemaVersion() {
			t.Errorf("reopen %d: user_version = %d; want %d", i, v, SchemaVersion())
		}
		links, err := s.Links(ctx, "f", []string{"1"})
		if err != nil || links["1"].TargetID != "t1" {
			t.Errorf("reopen %d: Links = %v, %v; want the link kept", i, links, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenConcurrentMigration(t *testing.T) {
	// Two processes opening a new file at once must migrate it once.
	path := testStatePath(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(t.Context(), path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d = %v", i, err)
		}
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTest(t)
	setSchemaVersion(t, s, SchemaVersion()+1)
	s.Close()
	s2, err := Open(t.Context(), path)
	if err == nil {
		s2.Close()
		t.Fatal("Open of a newer schema succeeded; want an error")
	}
	if !strings.Contains(err.Error(), "upgrade kopla") {
		t.Errorf("Open = %v; want it to say to upgrade kopla", err)
	}
}

func TestCloseTwice(t *testing.T) {
	s, _ := openTest(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v; want nil", err)
	}
	if err := s.SetCursor(context.Background(), "f", "x"); err == nil {
		t.Error("SetCursor after Close succeeded; want an error")
	} else if !errors.Is(err, sql.ErrConnDone) && !strings.Contains(err.Error(), "closed") {
		t.Errorf("SetCursor after Close = %v; want a closed-database error", err)
	}
}

func TestTimesStoredInUTC(t *testing.T) {
	clk := newClock()
	s, _ := openTest(t, WithClock(clk.Now))
	ctx := t.Context()
	if err := s.PutLinks(ctx, []Link{{Flow: "f", SourceKey: "1", TargetID: "t"}}); err != nil {
		t.Fatal(err)
	}
	var raw string
	if err := s.r.QueryRowContext(ctx, `SELECT updated_at FROM links`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if want := "2026-03-01T08:30:00.123456789Z"; raw != want {
		t.Errorf("stored updated_at = %q; want %q", raw, want)
	}
	links, err := s.Links(ctx, "f", []string{"1"})
	if err != nil {
		t.Fatal(err)
	}
	got := links["1"].UpdatedAt
	if !got.Equal(clk.Now()) || got.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v; want %v in UTC", got, clk.Now().UTC())
	}
}
