package plan

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadFileStreams: a saved plan larger than memChanges is read back
// spilled, as a fresh plan is, change for change.
func TestReadFileStreams(t *testing.T) {
	const n = memChanges + 7
	path := filepath.Join(t.TempDir(), "p.plan")
	fp := &FlowPlan{Flow: "people", KeyField: "email"}
	for i := range n {
		fp.Add(createChange(i))
	}
	p := &Plan{FormatVersion: FormatVersion, ConfigDigest: "d", Flows: []*FlowPlan{fp}}
	defer p.Close()
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	g := got.Flows[0]
	if g.Flow != "people" || g.KeyField != "email" || got.ConfigDigest != "d" || g.Len() != n || g.Spilled() == 0 {
		t.Fatalf("read back: flow %q key %q digest %q, %d changes, %d spilled", g.Flow, g.KeyField, got.ConfigDigest, g.Len(), g.Spilled())
	}
	i := 0
	for ch := range g.Changes() {
		if ch.SourceKey != createChange(i).SourceKey {
			t.Fatalf("change %d is %s", i, ch.SourceKey)
		}
		if i == 0 || i == n-1 {
			if diff := cmp.Diff(createChange(i), ch); diff != "" {
				t.Fatalf("change %d (-want +got):\n%s", i, diff)
			}
		}
		i++
	}
}

func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tt := range map[string]struct{ content, want string }{
		"other.json": {`{"kind":"x","flows":[]}`, "is not a kopla plan file"},
		"text.plan":  {"hello", "is not a kopla plan file"},
		"new.plan":   {`{"kind":"kopla-plan","format_version":99,"flows":[{"flow":"a","changes":[]}]}`, "format version 99"},
		"cut.plan":   {`{"kind":"kopla-plan","format_version":` + strconv.Itoa(FormatVersion) + `,"flows":[{"flow":"a","changes":[{"source_key":"1"`, "a change of flow a cannot be read"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadFile(path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ReadFile = %v; want %q", name, err, tt.want)
		}
	}
}
