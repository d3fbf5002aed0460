package dsl

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// TestFileSuffix ends the names of flow unit test files. They sit next to
// the flow files but are not part of the project: kopla test reads them.
const TestFileSuffix = ".test.hcl"

// TestFileJSONSuffix ends the names of flow unit test files written in
// HCL's JSON syntax.
const TestFileJSONSuffix = ".test.hcl.json"

// Test is a `test "name" { ... }` block: one source record and what the
// flow must make of it.
type Test struct {
	Name      string
	Flow      string
	FlowRange hcl.Range
	// Vars override variable values for this test.
	Vars map[string]any
	// Source is the source record; Target the existing target record the key
	// matches (nil: none); Ensured the values of the flow's ensured records.
	Source, Target, Ensured map[string]any
	Finds                   []*TestFind
	Expect                  *TestExpect
	DeclRange               hcl.Range
}

// TestFind is a `find { ... }` block: the answer of one find() call.
type TestFind struct {
	Object ObjectRef
	Field  string
	Value  any
	// AnyValue is true for a find block without value: it answers every
	// find of its object and field that no other find block answers.
	AnyValue bool
	Record   map[string]any // nil: nothing found
}

// TestExpect is the `expect { ... }` block of a test.
type TestExpect struct {
	Action string
	// Fields must be among the evaluated fields, with these values.
	Fields map[string]any
	// Field and Error describe an expected error: the field it is about
	// and a part of its message.
	Field, Error string
	DeclRange    hcl.Range
}

var testActions = []string{"create", "update", "no-op", "skip", "error"}

var (
	testFileSchema = &bodySchema{What: "a test file", Blocks: []blockSchema{{Type: "test", Labels: []string{"name"}, FreeLabels: true}, {Type: "find"}}}
	testSchema     = &bodySchema{
		What:       "a test block",
		Attributes: []string{"flow", "vars", "source", "target", "ensured", "result"},
		Blocks:     []blockSchema{{Type: "find"}, {Type: "expect"}},
	}
	testFindSchema   = &bodySchema{What: "a find block", Attributes: []string{"object", "field", "value", "record"}}
	testExpectSchema = &bodySchema{What: "an expect block", Attributes: []string{"action", "fields", "field", "error"}}
)

// LoadTests reads the *.test.hcl files of a loaded project: its directory
// and those of its libraries. The files are added to cfg.Files so that
// diagnostics render with their source.
func LoadTests(cfg *Config) ([]*Test, hcl.Diagnostics) {
	l := &loader{cfg: cfg}
	dirs := []string{cfg.Dir}
	for _, lib := range cfg.LibraryDirs() {
		dirs = append(dirs, filepath.Join(cfg.Dir, lib))
	}
	var tests []*Test
	names := map[string]hcl.Range{}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*"+TestFileSuffix))
		if err != nil {
			continue
		}
		jsonFiles, _ := filepath.Glob(filepath.Join(dir, "*"+TestFileJSONSuffix))
		files = append(files, jsonFiles...)
		sort.Strings(files)
		for _, filename := range files {
			blocks := l.readBlocks(filename, testFileSchema)
			// Finds at file level answer find() in every test of the file.
			var fileFinds []*TestFind
			for _, blk := range blocks {
				if blk.Type == "find" {
					if f := l.decodeTestFind(blk); f != nil {
						fileFinds = append(fileFinds, f)
					}
				}
			}
			for _, blk := range blocks {
				if blk.Type != "test" {
					continue
				}
				t := l.decodeTest(blk)
				if t == nil {
					continue
				}
				t.Finds = withFileFinds(fileFinds, t.Finds)
				if first, dup := names[t.Name]; dup {
					l.diags = append(l.diags, duplicate("Duplicate test", fmt.Sprintf("A test named %q", t.Name), first, t.DeclRange))
					continue
				}
				names[t.Name] = t.DeclRange
				tests = append(tests, t)
			}
		}
	}
	diags := append(l.syntax, l.diags...)
	sortDiagnostics(diags)
	return tests, diags
}

func (l *loader) decodeTest(blk *hcl.Block) *Test {
	t := &Test{Name: blk.Labels[0], DeclRange: blk.DefRange}
	c, diags := content(blk.Body, testSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	attr, ok := c.Attributes["flow"]
	if !ok {
		l.diags = append(l.diags, missingArgument(blk, "flow", "a test", `flow = flow.orders`))
		return nil
	}
	t.FlowRange = attr.Expr.Range()
	trav, tdiags := traversalOf(attr.Expr)
	writeBack := isWriteBackRef(trav)
	names, named := attrNames(trav)
	if tdiags.HasErrors() || !named || (len(trav) != 2 && !writeBack) || trav.RootName() != "flow" {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid flow reference", Detail: "flow must name a flow, such as flow = flow.orders, or a flow's write-back, such as flow = flow.orders.write_back.", Subject: attr.Expr.Range().Ptr()})
		return nil
	}
	t.Flow = names[0]
	if fl, ok := l.cfg.Flows[t.Flow]; ok && writeBack {
		if !l.writeBackTest(t, fl, attr) {
			return nil
		}
	} else if !ok {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unknown flow",
			Detail:   fmt.Sprintf("There is no flow %q in this project.%s", t.Flow, didYouMean(t.Flow, mapKeys(l.cfg.Flows), nil)),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return nil
	}
	var ok1 bool
	if t.Vars, ok1 = l.testObject(c.Attributes["vars"], "vars"); !ok1 {
		return nil
	}
	for name := range t.Vars {
		if _, ok := l.cfg.Variables[name]; !ok {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown variable",
				Detail:   fmt.Sprintf("vars sets %q, but the project has no such variable.%s", name, didYouMean(name, mapKeys(l.cfg.Variables), nil)),
				Subject:  c.Attributes["vars"].Expr.Range().Ptr(),
			})
			return nil
		}
	}
	if t.Source, ok1 = l.testObject(c.Attributes["source"], "source"); !ok1 {
		return nil
	}
	if t.Target, ok1 = l.testObject(c.Attributes["target"], "target"); !ok1 {
		return nil
	}
	if t.Ensured, ok1 = l.testObject(c.Attributes["ensured"], "ensured"); !ok1 {
		return nil
	}
	if writeBack && !l.writeBackFixtures(t, c.Attributes["result"]) {
		return nil
	}
	if res := c.Attributes["result"]; res != nil && !writeBack {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unexpected argument", Detail: fmt.Sprintf("result is the stored record a write-back writes from: it belongs in a test of flow = flow.%s.write_back.", t.Flow), Subject: res.NameRange.Ptr()})
		return nil
	}
	for _, b := range c.Blocks {
		switch b.Type {
		case "find":
			f := l.decodeTestFind(b)
			if f == nil {
				return nil
			}
			t.Finds = append(t.Finds, f)
		case "expect":
			if t.Expect != nil {
				l.diags = append(l.diags, duplicate("Duplicate expect block", "An expect block", t.Expect.DeclRange, b.DefRange))
				return nil
			}
			if t.Expect = l.decodeTestExpect(b); t.Expect == nil {
				return nil
			}
		}
	}
	if t.Expect == nil {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing expect block", Detail: "A test says what it expects: add expect { action = \"create\" ... }.", Subject: blk.DefRange.Ptr()})
		return nil
	}
	return t
}

func (l *loader) decodeTestFind(blk *hcl.Block) *TestFind {
	c, diags := content(blk.Body, testFindSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	f := &TestFind{}
	attr, ok := c.Attributes["object"]
	if !ok {
		l.diags = append(l.diags, missingArgument(blk, "object", "a find block", `object = eaccounting.books.vatcodes`))
		return nil
	}
	trav, tdiags := traversalOf(attr.Expr)
	names, named := attrNames(trav)
	if tdiags.HasErrors() || !named || len(trav) != 3 {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid object reference", Detail: "object must be kind.connection.object, such as eaccounting.books.vatcodes.", Subject: attr.Expr.Range().Ptr()})
		return nil
	}
	f.Object = ObjectRef{Kind: trav.RootName(), Connection: names[0], Object: names[1], Range: attr.Expr.Range()}
	field, ok := l.testValue(c.Attributes["field"], "field")
	if !ok {
		return nil
	}
	f.Field, _ = field.(string)
	if f.Field == "" {
		l.diags = append(l.diags, missingArgument(blk, "field", "a find block", `field = "Code"`))
		return nil
	}
	if f.Value, ok = l.testValue(c.Attributes["value"], "value"); !ok {
		return nil
	}
	_, hasValue := c.Attributes["value"]
	f.AnyValue = !hasValue
	if f.Record, ok = l.testObject(c.Attributes["record"], "record"); !ok {
		return nil
	}
	return f
}

func (l *loader) decodeTestExpect(blk *hcl.Block) *TestExpect {
	c, diags := content(blk.Body, testExpectSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	e := &TestExpect{DeclRange: blk.DefRange}
	action, ok := l.testValue(c.Attributes["action"], "action")
	if !ok {
		return nil
	}
	e.Action, _ = action.(string)
	if !contains(testActions, e.Action) {
		rng := blk.DefRange
		if a := c.Attributes["action"]; a != nil {
			rng = a.Expr.Range()
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid action", Detail: fmt.Sprintf("action must be one of %s.", strings.Join(testActions, ", ")), Subject: &rng})
		return nil
	}
	if e.Fields, ok = l.testObject(c.Attributes["fields"], "fields"); !ok {
		return nil
	}
	for _, name := range []string{"field", "error"} {
		v, ok := l.testValue(c.Attributes[name], name)
		if !ok {
			return nil
		}
		s, _ := v.(string)
		if name == "field" {
			e.Field = s
		} else {
			e.Error = s
		}
	}
	return e
}

// testValue evaluates a test value: written-out values only, no variables.
func (l *loader) testValue(attr *hcl.Attribute, what string) (any, bool) {
	if attr == nil {
		return nil, true
	}
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid test value",
			Detail:   fmt.Sprintf("%s must be written out (strings, numbers, booleans, null, lists and objects); test files do not evaluate expressions.", what),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return nil, false
	}
	return ctyToGo(v), true
}

// testObject is testValue for values that must be objects (or null).
func (l *loader) testObject(attr *hcl.Attribute, what string) (map[string]any, bool) {
	v, ok := l.testValue(attr, what)
	if !ok || v == nil {
		return nil, ok
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid test value", Detail: fmt.Sprintf("%s must be an object, such as { name = \"value\" }.", what), Subject: attr.Expr.Range().Ptr()})
		return nil, false
	}
	return m, true
}

// attrNames returns the names of the steps after the root of a traversal
// such as a.b.c; named is false when a step is an index.
func attrNames(tr hcl.Traversal) (names []string, named bool) {
	for _, step := range tr[min(1, len(tr)):] {
		a, ok := step.(hcl.TraverseAttr)
		if !ok {
			return nil, false
		}
		names = append(names, a.Name)
	}
	return names, true
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// withFileFinds returns a test's finds: those of its file, except the ones
// a find of the test's own answers (same object, field and value), then
// the test's own.
func withFileFinds(file, own []*TestFind) []*TestFind {
	if len(file) == 0 {
		return own
	}
	key := func(f *TestFind) string {
		return fmt.Sprintf("%s\x00%s\x00%v\x00%t", f.Object, f.Field, f.Value, f.AnyValue)
	}
	overridden := map[string]bool{}
	for _, f := range own {
		overridden[key(f)] = true
	}
	var out []*TestFind
	for _, f := range file {
		if !overridden[key(f)] {
			out = append(out, f)
		}
	}
	return append(out, own...)
}
