package plan

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestFilePrivate: a saved plan is readable by its owner only and says in
// its header that it holds personal data; it keeps the sensitive fields
// and the keys of the records where left out.
func TestFilePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.plan")
	fp := &FlowPlan{Flow: "people", SensitiveFields: []string{"email"}}
	fp.Add(createChange(0))
	fp.AddFiltered("7")
	p := &Plan{FormatVersion: FormatVersion, Flows: []*FlowPlan{fp}}
	if err := WriteFile(path, p); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("plan file mode = %v; want 0600", info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	if h.PersonalData != PersonalDataNote {
		t.Errorf("personal_data = %q; want %q", h.PersonalData, PersonalDataNote)
	}
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !got.FieldSensitive("people", "email") || got.FieldSensitive("people", "name") || got.FieldSensitive("other", "email") {
		t.Errorf("sensitive fields read back = %v", got.Flows[0].SensitiveFields)
	}
	if g := got.Flows[0]; g.Filtered != 1 || len(g.FilteredKeys) != 1 || g.FilteredKeys[0] != "7" {
		t.Errorf("filtered read back = %d %v; want 1 [7]", g.Filtered, g.FilteredKeys)
	}
}

// TestFilteredKeysBounded: a where that leaves out many records is
// counted in full, its keys only up to MaxFilteredKeys.
func TestFilteredKeysBounded(t *testing.T) {
	fp := &FlowPlan{}
	for range MaxFilteredKeys + 5 {
		fp.AddFiltered("k")
	}
	if fp.Filtered != MaxFilteredKeys+5 || len(fp.FilteredKeys) != MaxFilteredKeys {
		t.Errorf("Filtered = %d, keys = %d; want %d, %d", fp.Filtered, len(fp.FilteredKeys), MaxFilteredKeys+5, MaxFilteredKeys)
	}
}
