package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/connectors/file"
)

var update = flag.Bool("update", false, "update golden files")

// testNow is the clock of every test run.
var testNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// env is a kopla project in a temporary directory, with the file connector
// and a memory connector backed by store.
type env struct {
	t     *testing.T
	dir   string
	store *connectortest.Store
	// terminal makes stdout a terminal (colour, progress).
	terminal bool
	vars     map[string]string // the environment kopla sees
}

// result is what one kopla run did.
type result struct {
	code           int
	stdout, stderr string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return &env{t: t, dir: t.TempDir(), store: connectortest.NewStore(), vars: map[string]string{}}
}

// exampleEnv copies an example project into a new env.
func exampleEnv(t *testing.T, name string) *env {
	t.Helper()
	return projectEnv(t, filepath.Join("..", "..", "examples", name))
}

// projectEnv copies the project in src into a new env.
func projectEnv(t *testing.T, src string) *env {
	t.Helper()
	e := newEnv(t)
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		dst := filepath.Join(e.dir, rel)
		if d.IsDir() {
			// Output and state of a run by hand are not part of the example.
			if d.Name() == "out" || d.Name() == ".kopla" {
				return filepath.SkipDir
			}
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) write(name, content string) {
	e.t.Helper()
	path := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) read(name string) string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, name))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// edit replaces old with new in a project file, which must contain it.
func (e *env) edit(name, old, new string) {
	e.t.Helper()
	s := e.read(name)
	if !strings.Contains(s, old) {
		e.t.Fatalf("%s does not contain %q:\n%s", name, old, s)
	}
	e.write(name, strings.Replace(s, old, new, 1))
}

func (e *env) registry() (*connectors.Registry, error) {
	r := connectors.NewRegistry()
	if err := r.Register(file.New()); err != nil {
		return nil, err
	}
	if err := r.Register(connectortest.Factory(e.store)); err != nil {
		return nil, err
	}
	return r, nil
}

// runIn runs kopla in the project directory (-chdir) with stdin.
func (e *env) runIn(stdin string, args ...string) result {
	e.t.Helper()
	return e.exec(stdin, append([]string{"-chdir", e.dir}, args...))
}

// runRaw runs kopla with exactly args.
func (e *env) runRaw(args ...string) result {
	e.t.Helper()
	return e.exec("", args)
}

func (e *env) exec(stdin string, args []string) result {
	e.t.Helper()
	var stdout, stderr bytes.Buffer
	d := deps{
		stdin:    strings.NewReader(stdin),
		stdout:   &stdout,
		stderr:   &stderr,
		registry: e.registry,
		now:      func() time.Time { return testNow },
		lookupEnv: func(k string) (string, bool) {
			v, ok := e.vars[k]
			return v, ok
		},
		isTerminal: func(stream any) bool { return e.terminal && stream == any(&stdout) },
		version:    "test",
	}
	code := runWith(e.t.Context(), d, args)
	// Paths in output name the temporary directory; goldens name the
	// project directory ".".
	clean := func(s string) string { return strings.ReplaceAll(s, e.dir+string(filepath.Separator), "") }
	return result{code: code, stdout: clean(stdout.String()), stderr: clean(stderr.String())}
}

func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runIn("", args...)
}

// expect runs kopla and checks its exit code.
func (e *env) expect(code int, args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != code {
		e.t.Fatalf("kopla %s = exit %d; want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

// golden compares human output byte by byte with testdata/<name>.golden.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/kopla -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// goldenJSON compares JSON output (one document or JSON lines) with
// testdata/<name>.json.golden semantically, timestamps aside.
func goldenJSON(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".json.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/kopla -update to create it)", err)
	}
	if diff := cmp.Diff(decodeJSON(t, string(want)), decodeJSON(t, got)); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}

// decodeJSON reads a JSON document or JSON lines, with "@timestamp"
// values replaced by a placeholder.
func decodeJSON(t *testing.T, s string) []any {
	t.Helper()
	var out []any
	dec := json.NewDecoder(strings.NewReader(s))
	for dec.More() {
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("invalid JSON output: %v\n%s", err, s)
		}
		if m, ok := v.(map[string]any); ok {
			if _, ok := m["@timestamp"]; ok {
				m["@timestamp"] = "<timestamp>"
			}
		}
		out = append(out, v)
	}
	return out
}

// jsonLines decodes JSON lines output into messages.
func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not a JSON object: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// decodeInto decodes one JSON document.
func decodeInto(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("invalid JSON output: %v\n%s", err, s)
	}
}
