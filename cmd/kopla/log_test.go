package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecordStory is a record's whole story on examples/people: kopla log
// filters, state show and trace by any key, and forget.
func TestRecordStory(t *testing.T) {
	e := exampleEnv(t, "people")
	e.expect(exitOK, "apply", "-auto-approve")
	e.edit("in/people.csv", "Ada,Byron", "Ada,Lovelace")
	e.expect(exitOK, "apply", "-auto-approve")

	// -key matches the key value (the e-mail, whatever its case), the
	// source key and the target id, in every flow.
	for _, key := range []string{"ADA@example.com", "line:2"} {
		r := e.expect(exitOK, "log", "-key", key, "-no-color")
		if got := strings.Count(r.stdout, "line:2"); got != 2 {
			t.Errorf("log -key %s lists line:2 %d times; want 2 (create, update):\n%s", key, got, r.stdout)
		}
		if strings.Contains(r.stdout, "line:3") {
			t.Errorf("log -key %s lists another record:\n%s", key, r.stdout)
		}
	}
	r := e.expect(exitOK, "log", "-action", "update", "-no-color")
	golden(t, "story_log_action", r.stdout)
	r = e.expect(exitOK, "log", "-since", "1h", "-key", "nobody@example.com")
	if !strings.Contains(r.stdout, "no entries that match") {
		t.Errorf("log for an unknown key:\n%s", r.stdout)
	}
	r = e.expect(exitError, "log", "-action", "updat")
	if !strings.Contains(r.stderr, `did you mean "update"`) {
		t.Errorf("log -action updat:\n%s", r.stderr)
	}
	e.expect(exitError, "log", "-since", "yesterday")

	r = e.expect(exitOK, "state", "show", "grace@example.com", "-no-color")
	golden(t, "story_state_show_key", r.stdout)
	r = e.expect(exitOK, "trace", "ada@example.com", "-no-color")
	golden(t, "story_trace", r.stdout)
	r = e.expect(exitOK, "trace", "-json", "ada@example.com")
	lines := jsonLines(t, r.stdout)
	if len(lines) != 3 || lines[0]["type"] != "record" || lines[1]["action"] != "create" || lines[2]["action"] != "update" {
		t.Errorf("trace -json = %v; want the record, then its create and update", lines)
	}
	r = e.expect(exitError, "trace", "nobody@example.com", "-no-color")
	if !strings.Contains(r.stdout, "No such record") {
		t.Errorf("trace of an unknown key:\n%s", r.stdout)
	}

	// forget asks first; only yes erases.
	r = e.runIn("no\n", "forget", "ada@example.com", "-no-color")
	if r.code != exitError || !strings.Contains(r.stdout, "Erasure cancelled") {
		t.Errorf("forget answered no = %d:\n%s", r.code, r.stdout)
	}
	e.expect(exitOK, "log", "-key", "ada@example.com")
	r = e.expect(exitOK, "forget", "-auto-approve", "Ada@Example.com", "-no-color")
	golden(t, "story_forget", r.stdout)
	r = e.expect(exitOK, "log", "-no-color")
	if strings.Contains(r.stdout, "line:2") {
		t.Errorf("the log still has the erased record:\n%s", r.stdout)
	}
	e.expect(exitError, "state", "show", "ada@example.com")
	r = e.expect(exitOK, "forget", "ada@example.com")
	if !strings.Contains(r.stdout, "nothing to erase") {
		t.Errorf("second forget:\n%s", r.stdout)
	}
	// The erased values are gone from the state file.
	for _, p := range []string{".kopla/state.db", ".kopla/state.db-wal"} {
		b, err := os.ReadFile(filepath.Join(e.dir, p))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "ada@example.com") || strings.Contains(string(b), "Lovelace") {
			t.Errorf("%s still holds the erased person", p)
		}
	}
}

// TestLogsCarryNoRecordValues runs applies and the story commands at the
// most verbose log level: stderr never names a record's values.
func TestLogsCarryNoRecordValues(t *testing.T) {
	e := exampleEnv(t, "people")
	e.vars["KOPLA_LOG"] = "debug"
	var stderr strings.Builder
	for _, args := range [][]string{
		{"plan"}, {"apply", "-auto-approve"}, {"log", "-key", "ada@example.com"},
		{"trace", "ada@example.com"}, {"state", "show", "ada@example.com"}, {"forget", "-auto-approve", "ada@example.com"},
	} {
		r := e.expect(exitOK, args...)
		stderr.WriteString(r.stderr)
	}
	if !strings.Contains(stderr.String(), "level=DEBUG") {
		t.Fatalf("no debug log at KOPLA_LOG=debug:\n%s", stderr.String())
	}
	for _, v := range []string{"ada@", "grace@", "Byron", "Hopper"} {
		if strings.Contains(stderr.String(), v) {
			t.Errorf("the log names %q:\n%s", v, stderr.String())
		}
	}
}
