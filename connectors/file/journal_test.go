package file

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
)

func creates(emails ...string) []connectors.Write {
	var ws []connectors.Write
	for _, e := range emails {
		ws = append(ws, connectors.Write{Action: connectors.Create, KeyField: "email", Fields: map[string]any{"email": e, "name": strings.ToUpper(e[:1])}})
	}
	return ws
}

func writeOK(t *testing.T, obj *object, ws []connectors.Write) []connectors.WriteResult {
	t.Helper()
	res := obj.Write(t.Context(), ws)
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("write %d: %v", i, r.Err)
		}
	}
	return res
}

// Creates into a file past journalFrom go to the journal: the file keeps
// its bytes until Flush, finds and gets see the rows at once, and the file
// after the merge is byte for byte the file the rewrites make.
func TestJournal(t *testing.T) {
	for _, tt := range []struct{ name, file, content string }{
		{"jsonl", "contacts.jsonl", ""},
		{"csv", "contacts.csv", "email,name\r\nold@example.com,O"}, // CRLF, no final line end
	} {
		t.Run(tt.name, func(t *testing.T) {
			run := func(journal bool) (string, *object) {
				dir := t.TempDir()
				if tt.content != "" {
					writeFile(t, filepath.Join(dir, tt.file), tt.content)
				}
				obj := openObject(t, dir, "contacts", nil)
				if journal {
					obj.conn.journalFrom = 1
				}
				writeOK(t, obj, creates("a@example.com", "b@example.com"))
				before := readFile(t, obj.path)
				res := writeOK(t, obj, creates("c@example.com", "d@example.com"))
				if res[1].Record.ID != "email=d@example.com" {
					t.Errorf("ID = %q", res[1].Record.ID)
				}
				if !journal {
					return readFile(t, obj.path), obj
				}
				if got := readFile(t, obj.path); got != before {
					t.Errorf("the file changed before Flush:\n%s", got)
				}
				if _, err := os.Stat(journalPath(obj.path)); err != nil {
					t.Errorf("no journal: %v", err)
				}
				recs, err := obj.Find(t.Context(), "email", []any{"d@example.com", "a@example.com"})
				if err != nil || len(recs) != 2 || recs[1].Fields["name"] != "D" {
					t.Errorf("Find = %v, %v", recs, err)
				}
				// A second create of a journaled key is a conflict.
				if r := obj.Write(t.Context(), creates("c@example.com")); r[0].Err == nil {
					t.Error("a create of a key in the journal succeeded")
				}
				if err := obj.Flush(t.Context()); err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(journalPath(obj.path)); !os.IsNotExist(err) {
					t.Errorf("journal left after Flush: %v", err)
				}
				return readFile(t, obj.path), obj
			}
			want, _ := run(false)
			got, obj := run(true)
			if got != want {
				t.Errorf("merged file:\n%q\nwant (rewritten):\n%q", got, want)
			}
			// The snapshot still holds: an update after the merge needs no scan.
			scans := obj.state.scans
			writeOK(t, obj, []connectors.Write{{Action: connectors.Update, ID: "email=c@example.com", Fields: map[string]any{"name": "C2"}}})
			if obj.state.scans != scans {
				t.Errorf("the merge made the next write scan the file again")
			}
			if !strings.Contains(readFile(t, obj.path), "C2") {
				t.Errorf("update lost:\n%s", readFile(t, obj.path))
			}
		})
	}
}

// An update merges the journal first, in the rewrite it makes anyway.
func TestJournalUpdate(t *testing.T) {
	dir := t.TempDir()
	obj := openObject(t, dir, "contacts", nil)
	obj.conn.journalFrom = 1
	writeOK(t, obj, creates("a@example.com"))
	writeOK(t, obj, creates("b@example.com"))
	writeOK(t, obj, []connectors.Write{{Action: connectors.Update, ID: "email=b@example.com", Fields: map[string]any{"name": "B2"}}})
	if _, err := os.Stat(journalPath(obj.path)); !os.IsNotExist(err) {
		t.Errorf("journal left after an update: %v", err)
	}
	want := `{"email":"a@example.com","name":"A"}` + "\n" + `{"email":"b@example.com","name":"B2"}` + "\n"
	if got := readFile(t, obj.path); got != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
}

// A journal a crash left is merged by the next process that opens the
// file; a torn append (bytes past what the header says) is left out.
func TestJournalRecover(t *testing.T) {
	dir := t.TempDir()
	obj := openObject(t, dir, "contacts", nil)
	obj.conn.journalFrom = 1
	writeOK(t, obj, creates("a@example.com"))
	writeOK(t, obj, creates("b@example.com"))
	// The crash: the process is gone, with a half-written append.
	j := obj.state.journal
	if _, err := j.f.WriteAt([]byte(`{"email":"torn`), int64(journalHead)+j.size); err != nil {
		t.Fatal(err)
	}
	j.f.Close()

	next := openObject(t, dir, "contacts", nil) // another Factory: nothing shared
	recs := readAll(t, next)
	if len(recs) != 2 || recs[1].Fields["email"] != "b@example.com" {
		t.Fatalf("read after the crash = %v", recs)
	}
	if strings.Contains(readFile(t, next.path), "torn") {
		t.Errorf("the torn append was merged:\n%s", readFile(t, next.path))
	}
	checkNoTemp(t, dir)
}

// A file edited by hand while rows wait in the journal is not merged
// into: the error says what to do, and the rows stay in the journal.
func TestJournalFileChanged(t *testing.T) {
	dir := t.TempDir()
	obj := openObject(t, dir, "contacts", nil)
	obj.conn.journalFrom = 1
	writeOK(t, obj, creates("a@example.com"))
	writeOK(t, obj, creates("b@example.com"))
	writeFile(t, obj.path, `{"email":"edited@example.com"}`+"\n")
	err := obj.Flush(t.Context())
	if err == nil || !strings.Contains(err.Error(), "changed by another program") || !strings.Contains(err.Error(), ".contacts.jsonl.kopla-journal") {
		t.Fatalf("Flush = %v", err)
	}
	if r := obj.Write(t.Context(), creates("c@example.com")); r[0].Err == nil {
		t.Error("a write into the edited file succeeded")
	}
	if _, err := os.Stat(journalPath(obj.path)); err != nil {
		t.Errorf("journal lost: %v", err)
	}
}

// Close merges what the connection journaled.
func TestJournalClose(t *testing.T) {
	dir := t.TempDir()
	obj := openObject(t, dir, "contacts", nil)
	obj.conn.journalFrom = 1
	writeOK(t, obj, creates("a@example.com"))
	writeOK(t, obj, creates("b@example.com"))
	if err := obj.conn.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, obj.path); !strings.Contains(got, "b@example.com") {
		t.Errorf("file after Close:\n%s", got)
	}
	checkNoTemp(t, dir)
}
