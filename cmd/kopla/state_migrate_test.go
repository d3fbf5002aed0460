package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/internal/pgtest"

	"github.com/kopla-dev/kopla/engine/state"
)

// A project's state moves to Postgres and back with `kopla state migrate`,
// and kopla works on it there: the same links, no changes to plan.
func TestStateMigrateToPostgresAndBack(t *testing.T) {
	pg := pgtest.SchemaURL(t, pgtest.URL(t))
	e := exampleEnv(t, "people")
	e.expect(exitOK, "apply", "-auto-approve")
	before := e.expect(exitOK, "state", "list").stdout

	// Nothing in the schema yet: read-only commands find no state there.
	e.vars["KOPLA_STATE"] = pg
	if r := e.expect(exitOK, "state", "list"); !strings.Contains(r.stdout, "No state yet") {
		t.Errorf("state list of an empty schema:\n%s", r.stdout)
	}
	delete(e.vars, "KOPLA_STATE")

	r := e.expect(exitOK, "state", "migrate", "-to", pg)
	for _, want := range []string{"links", "activity", "rows and checksums verified", "(sqlite)", "(postgres)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("state migrate output lacks %q:\n%s", want, r.stdout)
		}
	}
	e.vars["KOPLA_STATE"] = pg
	if got := e.expect(exitOK, "state", "list").stdout; got != before {
		t.Errorf("state list on Postgres:\n%s\nwant, as on SQLite:\n%s", got, before)
	}
	e.expect(exitOK, "plan", "-detailed-exitcode")
	e.expect(exitOK, "apply", "-auto-approve")
	if r := e.expect(exitOK, "state", "unlock"); !strings.Contains(r.stdout, "not locked") {
		t.Errorf("state unlock on Postgres:\n%s", r.stdout)
	}
	// A lock held by another process: unlock says whose it breaks, and
	// its holder finds it lost.
	st, err := state.Open(t.Context(), pg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	unlock, err := st.Lock(t.Context(), "kopla apply (test)")
	if err != nil {
		t.Fatal(err)
	}
	if r := e.expect(exitError, "apply", "-auto-approve", "-no-color"); !strings.Contains(r.stdout, "State is locked") || !strings.Contains(r.stdout, "kopla apply (test)") {
		t.Errorf("apply while the Postgres state is locked:\n%s", r.stdout)
	}
	if r := e.expect(exitOK, "state", "unlock"); !strings.Contains(r.stdout, "Broke the state lock held by kopla apply (test), pid") {
		t.Errorf("state unlock of a held Postgres lock:\n%s", r.stdout)
	}
	if err := unlock(); err == nil {
		t.Error("the broken lock could still be released by its holder")
	}
	e.expect(exitOK, "apply", "-auto-approve")
	// A second copy into the same schema is refused.
	delete(e.vars, "KOPLA_STATE")
	if r := e.expect(exitError, "state", "migrate", "-to", pg, "-no-color"); !strings.Contains(r.stdout, "already holds a state") {
		t.Errorf("migrate into a full schema:\n%s", r.stdout)
	}

	e.vars["KOPLA_STATE"] = pg
	e.expect(exitOK, "state", "migrate", "-to", "back.db")
	e.vars["KOPLA_STATE"] = "back.db"
	if got := e.expect(exitOK, "state", "list").stdout; got != before {
		t.Errorf("state list after the way back:\n%s\nwant:\n%s", got, before)
	}
	e.expect(exitOK, "plan", "-detailed-exitcode")
}

func TestStateMigrateBetweenFiles(t *testing.T) {
	e := exampleEnv(t, "people")
	r := e.expect(exitError, "state", "migrate", "-to", "copy.db", "-no-color")
	if !strings.Contains(r.stdout, "No state to migrate") {
		t.Errorf("migrate before any apply:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "copy.db")); err == nil {
		t.Error("migrate without a state created the target")
	}
	e.expect(exitOK, "apply", "-auto-approve")
	before := e.expect(exitOK, "state", "list").stdout
	e.expect(exitOK, "state", "migrate", "-to", "copy.db")
	e.vars["KOPLA_STATE"] = "copy.db"
	if got := e.expect(exitOK, "state", "list").stdout; got != before {
		t.Errorf("state list of the copy:\n%s\nwant:\n%s", got, before)
	}
	delete(e.vars, "KOPLA_STATE")
	if r := e.expect(exitError, "state", "migrate", "-no-color"); !strings.Contains(r.stderr+r.stdout, "-to is required") {
		t.Errorf("migrate without -to: %+v", r)
	}
	if r := e.expect(exitError, "state", "migrate", "-to", ".kopla/state.db", "-no-color"); !strings.Contains(r.stdout, "the project's state itself") {
		t.Errorf("migrate onto itself:\n%s", r.stdout)
	}
}
