package dsl

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Config is a loaded project: every *.hcl file of one directory.
type Config struct {
	// Dir is the project directory the files were read from.
	Dir string
	// Files are the parsed files by name, for rendering diagnostics with
	// source snippets, and Sources their bytes (the config digest is taken
	// over them).
	Files   map[string]*hcl.File
	Sources map[string][]byte

	Settings    *Settings // the kopla block; never nil (defaults when absent)
	Variables   map[string]*Variable
	Connections map[string]*Connection // by "kind.name"
	Lookups     map[string]*Lookup
	Functions   map[string]*Function
	Flows       map[string]*Flow
	// Vars are the values of the variables, resolved from -var, -var-file,
	// KOPLA_VAR_<name>, .kopla.vars and defaults; ready for expressions.
	Vars map[string]any
}

// Settings is the `kopla { ... }` block.
type Settings struct {
	// State is where state lives: a path (SQLite), relative to Dir.
	State string
	// LogRetentionDays is how long the activity log is kept (GDPR).
	LogRetentionDays int
	// Include lists directories, relative to Dir, whose *.hcl files are part
	// of the project too (a flow library shared by several projects).
	Include   []string
	DeclRange hcl.Range
}

// Variable is a `variable "name" { default = ... }` block.
type Variable struct {
	Name        string
	Description string
	Default     cty.Value // cty.NilVal when the variable has no default
	Sensitive   bool
	DeclRange   hcl.Range
}

// Connection is a `connection "kind" "name" { ... }` block. Its body belongs to
// the connector: the engine decodes it with the connector's config schema
// (DecodeConnection).
type Connection struct {
	Kind      string
	Name      string
	Body      hcl.Body
	DeclRange hcl.Range
	KindRange hcl.Range
	// NameRange is the range of the second label.
	NameRange hcl.Range
	// Dir is the project directory: file("...") in the body is relative to it.
	Dir string
}

// Lookup is a `lookup "name" { values = {...} default = ... }` block: a value
// map that expressions read as lookup("name", key).
type Lookup struct {
	Name       string
	Values     map[string]any
	Default    any // nil when the lookup has no default: a missing key is an error
	HasDefault bool
	DeclRange  hcl.Range
}

// Function is a `function "name" { params = [...] expr = "..." }` block: a user
// transform written in expr.
type Function struct {
	Name      string
	Params    []string
	Expr      *Expr
	DeclRange hcl.Range
}

// Flow is a `flow "name" { ... }` block.
type Flow struct {
	Name         string
	Source       ObjectRef
	Target       ObjectRef
	Include      []string
	IncludeRange hcl.Range
	Where        *Expr // nil when absent
	Key          string
	KeyRange     hcl.Range
	Mode         Mode
	ModeRange    hcl.Range
	// Fields are written on create and on update; CreateOnly only on create.
	// Both keep the order of the file.
	Fields     []*Mapping
	CreateOnly []*Mapping
	Ensures    []*Ensure
	DeclRange  hcl.Range
}

// Mode says what a flow does with existing and missing target records.
type Mode string

const (
	ModeUpsert Mode = "upsert" // create missing records, update existing ones
	ModeCreate Mode = "create" // create missing records, skip existing ones
	ModeUpdate Mode = "update" // update existing records, skip missing ones
)

// ObjectRef is a `kind.connection.object` traversal such as hubspot.shop.orders.
type ObjectRef struct {
	Kind       string
	Connection string
	Object     string
	Range      hcl.Range
}

// ConnectionKey is the key of the referenced connection in Config.Connections.
func (r ObjectRef) ConnectionKey() string { return r.Kind + "." + r.Connection }

func (r ObjectRef) String() string { return r.Kind + "." + r.Connection + "." + r.Object }

// Mapping is one attribute of a fields or create_only block: a target field
// and the expression that computes it.
type Mapping struct {
	Field     string
	NameRange hcl.Range
	Expr      *Expr
}

// Ensure is an `ensure "name" { flow = flow.x  id = "..." }` block: the
// flow x is run first for the record(s) the expression gives, and its target
// record is available as ensured.name (a list with for_each and ids).
type Ensure struct {
	Name      string
	Flow      string
	FlowRange hcl.Range
	// Exactly one is set. ID (one id) and IDs (a list of ids) refer to
	// records of flow x's source, which the engine reads as x reads them;
	// Input (one record) and ForEach (a list of records) build the records
	// themselves.
	ID        *Expr
	IDs       *Expr
	Input     *Expr
	ForEach   *Expr
	DeclRange hcl.Range
}

// Expr is expr-lang source held in an HCL string or heredoc.
type Expr struct {
	Source string
	// Range is the whole HCL expression (quotes or heredoc markers included).
	Range hcl.Range
	// start is where Source's first character sits in the file; exact is
	// false when escapes or heredoc indentation stripping make columns inside
	// the string differ from columns in the file.
	start hcl.Pos
	exact bool
	// lineStarts holds, per line of Source, the file position of its first
	// character (heredocs), so lines map exactly even when columns do not.
	lineStarts []hcl.Pos
	// lineEnds and lineExact complete lineStarts: where each line of Source
	// ends in the file, and whether its columns map one to one (false when
	// an escape or `$${` sits on it; RangeAt then gives the whole line).
	lineEnds  []hcl.Pos
	lineExact []bool
}
