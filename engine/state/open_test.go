package state

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedState writes a state file with one link and closes it, leaving the
// file alone in its directory (a clean close removes -wal and -shm).
func seedState(t *testing.T) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "state.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutLinks(t.Context(), []Link{{Flow: "people", SourceKey: "c1", TargetID: "t1", KeyValue: "k1"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, path
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// checkReadOnlyStore reads the seeded link and checks that writes fail.
func checkReadOnlyStore(t *testing.T, s *Store) {
	t.Helper()
	links, err := s.Links(t.Context(), "people", []string{"c1"})
	if err != nil || links["c1"].TargetID != "t1" {
		t.Errorf("Links = %v, %v; want the seeded link", links, err)
	}
	if err := s.SetCursor(t.Context(), "people", "x"); err == nil {
		t.Error("SetCursor on a read-only store succeeded")
	}
}

// The immutable fallback reads the state without creating anything beside
// it: what a read-only directory needs.
func TestOpenReadOnlyImmutableCreatesNothing(t *testing.T) {
	dir, path := seedState(t)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := openReadOnly(t.Context(), path, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkReadOnlyStore(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("files beside the state after a read-only open: %v; want state.db alone", names)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("the state file changed")
	}
}

// A state file that cannot be used says what is wrong and what to do, not
// SQLite's code alone.
func TestOpenDamagedState(t *testing.T) {
	_, good := seedState(t)
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		name  string
		setup func(path string) error
		want  []string
	}{
		{"truncated", func(p string) error { return os.WriteFile(p, whole[:len(whole)/3], 0o600) },
			[]string{"is damaged", "Restore it from a backup", "move it aside"}},
		{"garbage", func(p string) error {
			return os.WriteFile(p, []byte(strings.Repeat("this is not a database; ", 20)), 0o600)
		}, []string{"is not a kopla state file", "Check the state setting"}},
		{"directory", func(p string) error { return os.Mkdir(p, 0o700) },
			[]string{"is a directory, not a state file", "must name a file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".db")
			if err := tt.setup(path); err != nil {
				t.Fatal(err)
			}
			for name, open := range map[string]func() error{
				"Open":         func() error { s, err := Open(t.Context(), path); closeIf(s); return err },
				"OpenReadOnly": func() error { s, err := OpenReadOnly(t.Context(), path); closeIf(s); return err },
			} {
				err := open()
				if err == nil {
					t.Fatalf("%s succeeded", name)
				}
				msg := err.Error()
				for _, want := range append(tt.want, path) {
					if !strings.Contains(msg, want) {
						t.Errorf("%s error %q does not say %q", name, msg, want)
					}
				}
			}
		})
	}
}

func closeIf(s *Store) {
	if s != nil {
		s.Close()
	}
}

// A state of an older schema is not migrated by OpenReadOnly.
func TestOpenReadOnlyOutdatedSchema(t *testing.T) {
	_, path := seedState(t)
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), "PRAGMA user_version = 0"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := OpenReadOnly(t.Context(), path); !errors.Is(err, ErrSchemaOutdated) {
		t.Errorf("OpenReadOnly of version 0 = %v; want ErrSchemaOutdated", err)
	}
}
