package main

import (
	"database/sql"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const missingSourceProject = `
connection "file" "in" {
  dir = "in"
  key = "email"
}
connection "file" "out" { dir = "out" }

flow "people" {
  source = file.in.people
  target = file.out.contacts
  key    = "email"
  fields {
    email = "source.email"
  }
}
`

// A source file that does not exist is not an empty source: plan warns and
// plans nothing for it, plan -out and apply refuse it, and missing =
// "empty" on the connection allows it.
func TestMissingSourceFile(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", missingSourceProject)

	r := e.expect(exitOK, "plan", "-no-color")
	for _, want := range []string{"Warning: Source does not exist", "people.csv", "people.jsonl", `missing = "empty"`, "kopla apply (and plan -out) will refuse it"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output does not say %q:\n%s", want, r.stdout)
		}
	}

	r = e.expect(exitError, "plan", "-no-color", "-out", "people.plan")
	if !strings.Contains(r.stdout, "Error: Flow failed") || !strings.Contains(r.stdout, "source does not exist") {
		t.Errorf("plan -out output:\n%s\nwant the flow failed for its missing source", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "people.plan")); err == nil {
		t.Error("plan -out saved a plan whose source does not exist")
	}

	r = e.expect(exitError, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(r.stdout, "source does not exist") {
		t.Errorf("apply output:\n%s\nwant the missing source named", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "out")); err == nil {
		t.Error("apply of a missing source wrote to the target")
	}

	e.edit("main.hcl", `  key = "email"
}`, `  key = "email"
  missing = "empty"
}`)
	r = e.expect(exitOK, "apply", "-auto-approve", "-no-color")
	if strings.Contains(r.stdout, "Source does not exist") {
		t.Errorf("apply with missing = \"empty\" still warns:\n%s", r.stdout)
	}
}

// plan only reads the state: it opens it read-only, so that it never
// changes it. The state's files are left as they were.
func TestPlanOpensStateReadOnly(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", missingSourceProject)
	e.write("in/people.jsonl", `{"email":"ada@example.com"}`+"\n")
	e.expect(exitOK, "apply", "-auto-approve", "-no-color")
	e.write("in/people.jsonl", `{"email":"ada@example.com"}`+"\n"+`{"email":"grace@example.org"}`+"\n")
	stateDir := filepath.Join(e.dir, ".kopla")
	before := snapshotDir(t, stateDir)
	r := e.expect(exitOK, "plan", "-no-color")
	if !strings.Contains(r.stdout, "Plan: 1 to create") {
		t.Errorf("plan:\n%s\nwant the second record planned (the state read)", r.stdout)
	}
	after := snapshotDir(t, stateDir)
	if before["state.db"] != after["state.db"] {
		t.Error("plan changed state.db")
	}
	// SQLite may add its shared-memory index beside the file where it
	// can, but no log of writes.
	if wal := after["state.db-wal"]; wal != "" {
		t.Errorf("plan wrote %d bytes of write-ahead log", len(wal))
	}
	for name := range after {
		if _, ok := before[name]; !ok && name != "state.db-wal" && name != "state.db-shm" {
			t.Errorf("plan created %s (before: %v)", name, keys(before))
		}
	}
}

func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if en.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, en.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[en.Name()] = string(b)
	}
	return out
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

// A damaged state file gets a message that says what is wrong and what to
// do, in plan and apply alike.
func TestDamagedStateMessages(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", missingSourceProject)
	e.write("in/people.jsonl", `{"email":"ada@example.com"}`+"\n")
	for _, tt := range []struct {
		name  string
		setup func(path string)
		want  string
	}{
		{"garbage", func(p string) { e.write(".kopla/state.db", strings.Repeat("not a database ", 40)) }, "is not a kopla state file"},
		{"directory", func(p string) { os.Mkdir(p, 0o700) }, "is a directory, not a state file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(e.dir, ".kopla", "state.db")
			os.RemoveAll(path)
			os.MkdirAll(filepath.Dir(path), 0o700)
			tt.setup(path)
			for _, args := range [][]string{{"plan", "-no-color"}, {"apply", "-auto-approve", "-no-color"}} {
				r := e.expect(exitError, args...)
				if !strings.Contains(r.stdout, "Error: Cannot open state") || !strings.Contains(r.stdout, tt.want) {
					t.Errorf("kopla %s:\n%s\nwant Cannot open state saying %q", args[0], r.stdout, tt.want)
				}
				if strings.Contains(r.stdout, "(26)") && !strings.Contains(r.stdout, "SQLite:") {
					t.Errorf("kopla %s gives SQLite's code alone:\n%s", args[0], r.stdout)
				}
			}
		})
	}
}

// A lock left by a crashed apply in a container (a host name never seen
// again) expires with its heartbeat: the next apply takes it over and
// says whose lock it broke. A lock with a fresh heartbeat holds.
func TestApplyTakesOverAnExpiredLock(t *testing.T) {
	e := newEnv(t)
	e.write("main.hcl", missingSourceProject)
	e.write("in/people.jsonl", `{"email":"ada@example.com"}`+"\n")
	e.expect(exitOK, "apply", "-auto-approve", "-no-color") // creates the state
	db, err := sql.Open("sqlite", filepath.Join(e.dir, ".kopla", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	putLock := func(beatAge time.Duration) {
		t.Helper()
		beat := testNow.Add(-beatAge).UTC().Format("2006-01-02T15:04:05.000000000Z")
		if _, err := db.Exec(`DELETE FROM locks`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO locks (name, holder, pid, host, token, acquired_at, heartbeat_at) VALUES ('apply', 'kopla apply', 1, 'kopla-job-7d9f', 't', ?, ?)`, beat, beat); err != nil {
			t.Fatal(err)
		}
	}

	putLock(10 * time.Second)
	r := e.expect(exitError, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(r.stdout, "State is locked") || !strings.Contains(r.stdout, "kopla apply, pid 1 on kopla-job-7d9f") {
		t.Errorf("apply beside a live lock:\n%s", r.stdout)
	}

	putLock(10 * time.Minute)
	r = e.expect(exitOK, "apply", "-auto-approve", "-no-color")
	want := "Took over the stale state lock of kopla apply, pid 1 on kopla-job-7d9f: its last heartbeat was 10m0s ago"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr:\n%s\nwant %q", r.stderr, want)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM locks`).Scan(&n); err != nil || n != 0 {
		t.Errorf("locks after the apply = %d, %v; want none", n, err)
	}
}
