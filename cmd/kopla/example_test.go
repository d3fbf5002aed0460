package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExamplePeople is the behaviour examples/people promises, end to end on
// the file connector.
func TestExamplePeople(t *testing.T) {
	e := exampleEnv(t, "people")

	r := e.expect(exitOK, "validate", "-no-color")
	golden(t, "people_validate", r.stdout)

	// One create per active row.
	r = e.expect(exitChanges, "plan", "-detailed-exitcode", "-no-color")
	golden(t, "people_plan_create", r.stdout)
	if got := strings.Count(r.stdout, "+ create "); got != 3 {
		t.Errorf("plan lists %d creates; want 3 (one per active row)", got)
	}
	r = e.expect(exitOK, "plan", "-json")
	goldenJSON(t, "people_plan_create", r.stdout)

	r = e.expect(exitOK, "apply", "-auto-approve", "-no-color")
	golden(t, "people_apply_create", r.stdout)
	want := `{"email":"ada@example.com","name":"Ada Byron","note":"imported"}
{"email":"grace@example.com","name":"Grace Hopper","note":"imported"}
{"email":"katherine@example.com","name":"Katherine Johnson","note":"imported"}
`
	if got := e.read("out/contacts.jsonl"); got != want {
		t.Fatalf("out/contacts.jsonl after apply:\n%s\nwant:\n%s", got, want)
	}

	r = e.expect(exitOK, "plan", "-detailed-exitcode", "-no-color")
	golden(t, "people_plan_nochanges", r.stdout)

	// A name changes in the source, a note is edited by hand in the target.
	e.edit("in/people.csv", "Ada,Byron", "Ada,Lovelace")
	e.edit("out/contacts.jsonl", `"name":"Ada Byron","note":"imported"`, `"name":"Ada Byron","note":"met at the conference"`)
	r = e.expect(exitChanges, "plan", "-detailed-exitcode", "-no-color")
	golden(t, "people_plan_update", r.stdout)
	r = e.expect(exitOK, "plan", "-json")
	goldenJSON(t, "people_plan_update", r.stdout)

	r = e.expect(exitOK, "apply", "-auto-approve", "-json")
	goldenJSON(t, "people_apply_update", r.stdout)
	if got, want := strings.SplitN(e.read("out/contacts.jsonl"), "\n", 2)[0], `{"email":"ada@example.com","name":"Ada Lovelace","note":"met at the conference"}`; got != want {
		t.Errorf("first contact after the update = %s; want %s", got, want)
	}
	e.expect(exitOK, "plan", "-detailed-exitcode")

	// The state and the activity log tell what happened.
	r = e.expect(exitOK, "state", "list")
	golden(t, "people_state_list", r.stdout)
	r = e.expect(exitOK, "state", "show", "people", "line:2", "-no-color")
	golden(t, "people_state_show", r.stdout)
	r = e.expect(exitOK, "log", "-n", "2")
	golden(t, "people_log", r.stdout)
	r = e.expect(exitOK, "log", "-json", "-flow", "people", "-n", "1")
	entries := jsonLines(t, r.stdout)
	if len(entries) != 1 {
		t.Fatalf("log -json -n 1 printed %d entries:\n%s", len(entries), r.stdout)
	}
	got := entries[0]
	if got["action"] != "update" || got["source_key"] != "line:2" || got["run_id"] != 2.0 || got["answer"] == nil ||
		!cmp.Equal(got["sent"], map[string]any{"name": "Ada Lovelace"}) ||
		!cmp.Equal(got["read"], map[string]any{"email": "ada@example.com", "first": "Ada", "last": "Lovelace", "active": "yes"}) {
		t.Errorf("log -json entry = %v; want the update of line:2 with what was read, sent and answered", got)
	}
	r = e.expect(exitOK, "runs")
	golden(t, "people_runs", r.stdout)
}

// TestExamplesValidate validates every example project (examples/ and the
// docs' examples) and runs its flow unit tests.
func TestExamplesValidate(t *testing.T) {
	for _, root := range []string{filepath.Join("..", "..", "examples"), filepath.Join("..", "..", "docs", "examples")} {
		entries, err := os.ReadDir(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, ent := range entries {
			if !ent.IsDir() {
				continue
			}
			dir := filepath.Join(root, ent.Name())
			t.Run(dir, func(t *testing.T) {
				// In place (examples may include the flow library), with the
				// connectors kopla ships and no credentials in the environment.
				for _, cmd := range []string{"validate", "test"} {
					var stdout, stderr bytes.Buffer
					d := deps{stdout: &stdout, stderr: &stderr, registry: registry, lookupEnv: func(string) (string, bool) { return "", false }}
					if code := runWith(t.Context(), d, []string{"-chdir", dir, cmd, "-no-color"}); code != exitOK {
						t.Errorf("%s exited %d:\n%s%s", cmd, code, stdout.String(), stderr.String())
					}
				}
			})
		}
	}
}
