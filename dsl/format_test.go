package dsl

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormat(t *testing.T) {
	in := "flow \"people\" {\nsource = file.in.people\n    target=file.out.contacts\n  key = \"email\"\n  fields {\n  email = \"lower(source.email)\"\n   name=\"source.name\"\n  }\n}\n"
	want := "flow \"people\" {\n  source = file.in.people\n  target = file.out.contacts\n  key    = \"email\"\n  fields {\n    email = \"lower(source.email)\"\n    name  = \"source.name\"\n  }\n}\n"
	got, diags := Format([]byte(in), "in.hcl")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("Format (-want +got):\n%s", diff)
	}
}

func TestFormatSyntaxError(t *testing.T) {
	got, diags := Format([]byte("flow \"x\" {\n  key = \n"), "bad.hcl")
	if got != nil || !diags.HasErrors() {
		t.Errorf("Format of a broken file = %q, %v; want nil and errors", got, diags)
	}
}

// TestFormatIdempotent formats every testdata file twice: the second pass
// must change nothing.
func TestFormatIdempotent(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.hcl")
	if len(files) == 0 {
		t.Fatal("no testdata files")
	}
	for _, path := range files {
		t.Run(path, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkIdempotent(t, src)
		})
	}
}

func checkIdempotent(t *testing.T, src []byte) {
	t.Helper()
	once, diags := Format(src, "x.hcl")
	if diags.HasErrors() {
		return
	}
	twice, diags := Format(once, "x.hcl")
	if diags.HasErrors() {
		t.Fatalf("formatted output does not parse: %v\n%s", diags, once)
	}
	if diff := cmp.Diff(string(once), string(twice)); diff != "" {
		t.Errorf("Format is not idempotent (-once +twice):\n%s", diff)
	}
}

func TestFormatDir(t *testing.T) {
	dir := project(t, map[string]string{
		"a.hcl":       "variable \"a\" {\n  default = 1\n}\n",
		"b.hcl":       "variable \"b\" {\ndefault=2\n}\n",
		".kopla.vars": "a=3\n",
		"a.test.hcl":  "test \"t\" {\nflow=flow.x\n}\n",
		"notes.txt":   "x=1\n",
	})
	changed, diags := FormatDir(dir)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	want := map[string][]byte{
		filepath.Join(dir, "b.hcl"):       []byte("variable \"b\" {\n  default = 2\n}\n"),
		filepath.Join(dir, ".kopla.vars"): []byte("a = 3\n"),
		filepath.Join(dir, "a.test.hcl"):  []byte("test \"t\" {\n  flow = flow.x\n}\n"),
	}
	if diff := cmp.Diff(want, changed); diff != "" {
		t.Errorf("FormatDir (-want +got):\n%s", diff)
	}
	for path, b := range changed {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if again, _ := FormatDir(dir); len(again) != 0 {
		t.Errorf("FormatDir after writing = %v; want nothing to change", again)
	}
}

func FuzzFormat(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		checkIdempotent(t, src)
	})
}

// addSeeds adds every testdata file as a fuzz seed.
func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.hcl")
	for _, path := range files {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
}
