package dsl

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// Options are the inputs of Load that do not come from the project files.
type Options struct {
	// Vars are -var name=value flags: raw strings, parsed as HCL when the
	// variable's type (that of its default) is a list or a map.
	Vars map[string]string
	// VarFiles are -var-file paths, applied in order.
	VarFiles []string
	// LookupEnv reads the environment (KOPLA_VAR_<name>); nil means
	// os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Defaults of the kopla block.
const (
	DefaultState            = ".kopla/state.db"
	DefaultLogRetentionDays = 30
	// DefaultReadOverlap is how far before its cursor an incremental read
	// starts: HubSpot's search index lags writes and modification dates
	// arrive out of order.
	DefaultReadOverlap = 5 * time.Minute
	// DefaultFullReadEvery is how often a flow is read in full to catch
	// what incremental reads missed.
	DefaultFullReadEvery = 24 * time.Hour
)

// VarsFile is the name of the optional variables file in a project
// directory.
const VarsFile = ".kopla.vars"

var rootSchema = &bodySchema{
	What: "a kopla file",
	Blocks: []blockSchema{
		{Type: "kopla"},
		{Type: "variable", Labels: []string{"name"}},
		{Type: "connection", Labels: []string{"kind", "name"}},
		{Type: "lookup", Labels: []string{"name"}},
		{Type: "function", Labels: []string{"name"}},
		{Type: "flow", Labels: []string{"name"}},
		{Type: "library", Labels: []string{"name"}},
		{Type: "requires"},
		{Type: "template", Labels: []string{"name"}},
		{Type: "notify", Labels: []string{"name"}},
	},
	Elsewhere: map[string]string{
		"state": "the kopla block", "log_retention_days": "the kopla block",
		"source": "a flow block", "target": "a flow block", "where": "a flow block", "key": "a flow block",
		"mode": "a flow block", "fields": "a flow block", "create_only": "a flow block",
		"ensure": "a flow block", "params": "a function block", "expr": "a function block", "values": "a lookup block",
	},
}

// loader carries the state of one Load.
type loader struct {
	cfg       *Config
	opts      Options
	lookupEnv func(string) (string, bool)
	// varVals are the resolved variables as cty values, for evaluating
	// HCL expressions (unknown when a variable has no value).
	varVals map[string]cty.Value
	ctx     *hcl.EvalContext
	diags   hcl.Diagnostics
	// syntax are the syntax errors of the files: other diagnostics on
	// their lines are left out, as they follow from the broken syntax.
	syntax hcl.Diagnostics
	// libs and connRanges are what library blocks need while loading
	// (decode_library.go).
	libs       libraries
	connRanges map[string]connMapping
	// decls are the flow and template blocks, merged by resolveFlows.
	decls *flowDecls
}

// Load reads every *.hcl and *.hcl.json file of dir (not its
// subdirectories) into a Config; a project may mix the two syntaxes. It always returns a Config, so that its Files can render the
// diagnostics; when the diagnostics hold errors the Config is partial and
// must not be run. Files are read in name order; names starting with a dot
// are skipped (editor and tool files).
func Load(dir string, opts Options) (*Config, hcl.Diagnostics) {
	l := &loader{
		cfg: &Config{
			Dir:         dir,
			Files:       map[string]*hcl.File{},
			Sources:     map[string][]byte{},
			Settings:    &Settings{State: DefaultState, LogRetentionDays: DefaultLogRetentionDays, ReadOverlap: DefaultReadOverlap, FullReadEvery: DefaultFullReadEvery},
			Variables:   map[string]*Variable{},
			Connections: map[string]*Connection{},
			Lookups:     map[string]*Lookup{},
			Functions:   map[string]*Function{},
			Flows:       map[string]*Flow{},
			Libraries:   map[string]*Library{},
			Templates:   map[string]*Template{},
			Notifies:    map[string]*Notify{},
			Vars:        map[string]any{},
		},
		opts:       opts,
		lookupEnv:  opts.LookupEnv,
		connRanges: map[string]connMapping{},
	}
	if l.lookupEnv == nil {
		l.lookupEnv = os.LookupEnv
	}
	blocks := l.parseDir(dir)
	blocks = append(blocks, l.parseIncludes(dir, blocks)...)
	blocks = append(blocks, l.parseLibraries(dir, blocks)...)

	for _, blk := range blocks {
		if blk.Type == "variable" {
			l.decodeVariable(blk)
		}
	}
	l.resolveVars()
	l.ctx = evalContext(l.varVals, l.lookupEnv, dir)
	l.decodeRequirements()

	var settings *hcl.Block
	var notifies []*hcl.Block
	for _, blk := range blocks {
		switch blk.Type {
		case "kopla":
			if settings != nil {
				l.diags = append(l.diags, duplicateFix("Duplicate kopla block", "A kopla block", settings.DefRange, blk.DefRange, "A project has one kopla block: merge the two."))
				continue
			}
			settings = blk
			l.decodeSettings(blk)
		case "connection":
			l.decodeConnection(blk)
		case "lookup":
			l.decodeLookup(blk)
		case "function":
			l.decodeFunction(blk)
		case "flow", "template":
			l.declareFlow(blk)
		case "notify":
			notifies = append(notifies, blk) // after the flows: it names them
		case "requires":
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unexpected requires block",
				Detail:   "A requires block declares what a flow library needs of the connections it is given; it belongs in the library's directory, not in the project. Remove it, or move the flows into a library.",
				Subject:  blk.DefRange.Ptr(),
			})
		}
	}
	l.resolveFlows()
	for _, blk := range notifies {
		l.decodeNotify(blk)
	}
	l.bindLibraries()
	l.checkFlowReferences()
	diags := append(l.syntax, withoutSyntaxLines(UniqueDiagnostics(l.diags), l.syntax)...)
	sortDiagnostics(diags)
	return l.cfg, diags
}

// withoutSyntaxLines drops the diagnostics on a line that has a syntax
// error.
func withoutSyntaxLines(diags, syntax hcl.Diagnostics) hcl.Diagnostics {
	type line struct {
		file string
		n    int
	}
	broken := map[line]bool{}
	for _, d := range syntax {
		if d.Subject != nil {
			broken[line{d.Subject.Filename, d.Subject.Start.Line}] = true
		}
	}
	var kept hcl.Diagnostics
	for _, d := range diags {
		if d.Subject != nil && broken[line{d.Subject.Filename, d.Subject.Start.Line}] {
			continue
		}
		kept = append(kept, d)
	}
	return kept
}

// parseDir parses the project files and returns their top-level blocks in
// file order.
func (l *loader) parseDir(dir string) []*hcl.Block {
	names, diags := projectFiles(dir)
	l.diags = append(l.diags, diags...)
	var blocks []*hcl.Block
	for _, n := range names {
		blocks = append(blocks, l.readBlocks(filepath.Join(dir, n), rootSchema)...)
	}
	return blocks
}

// readBlocks reads and parses a file and returns its top-level blocks,
// checked against schema.
func (l *loader) readBlocks(filename string, schema *bodySchema) []*hcl.Block {
	src, err := os.ReadFile(filename)
	if err != nil {
		l.diags = append(l.diags, readError(filename, err))
		return nil
	}
	body := l.parse(filename, src)
	if body == nil {
		return nil
	}
	c, diags := content(body, schema)
	l.diags = append(l.diags, diags...)
	return c.Blocks
}

// parse parses a file, in the JSON syntax when its name ends in .json,
// and records it in the Config; it returns nil when nothing of it can be
// decoded.
func (l *loader) parse(filename string, src []byte) hcl.Body {
	var f *hcl.File
	var diags hcl.Diagnostics
	if isJSONFile(filename) {
		f, diags = json.Parse(src, filename)
	} else {
		f, diags = hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	}
	l.syntax = append(l.syntax, diags...)
	l.cfg.Sources[filename] = src
	if f == nil || f.Body == nil {
		return nil
	}
	l.cfg.Files[filename] = f
	return f.Body
}

// JSONFileSuffix ends the names of project files written in HCL's JSON
// syntax.
const JSONFileSuffix = ".hcl.json"

// isProjectFile reports whether a file name is that of a project file: a
// *.hcl or *.hcl.json file that is no test file and is not hidden.
func isProjectFile(n string) bool {
	if strings.HasPrefix(n, ".") || strings.HasSuffix(n, TestFileSuffix) || strings.HasSuffix(n, TestFileJSONSuffix) {
		return false
	}
	return strings.HasSuffix(n, ".hcl") || strings.HasSuffix(n, JSONFileSuffix)
}

// projectFiles lists the names of the project files of dir, sorted: the
// *.hcl and *.hcl.json files, except hidden ones.
func projectFiles(dir string) ([]string, hcl.Diagnostics) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Cannot read project directory",
			Detail:   fmt.Sprintf("The directory %s cannot be read: %s. Run kopla in a project directory, or point -chdir at one.", dir, err),
		}}
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0 {
			if n := e.Name(); isProjectFile(n) {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The directory %s contains no *.hcl files. Run kopla in a project directory, or point -chdir at one.", dir),
		}}
	}
	return names, nil
}

func readError(path string, err error) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Cannot read file",
		Detail:   fmt.Sprintf("The file %s cannot be read: %s.", path, err),
	}
}

// source returns the bytes of the file a range is in.
func (l *loader) source(r hcl.Range) []byte {
	return l.cfg.Sources[r.Filename]
}

// sortDiagnostics orders diagnostics without a subject first, then by file
// and position, keeping the order of equal ones: the output is stable and
// reads top to bottom.
func sortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}

// UniqueDiagnostics drops repeats of a diagnostic: a value a template sets
// is checked once per flow that extends it, and reported once.
func UniqueDiagnostics(diags hcl.Diagnostics) hcl.Diagnostics {
	type key struct {
		severity        hcl.DiagnosticSeverity
		summary, detail string
		subject         hcl.Range
	}
	seen := map[key]bool{}
	var out hcl.Diagnostics
	for _, d := range diags {
		k := key{severity: d.Severity, summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.subject = *d.Subject
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, d)
	}
	return out
}
