package dsl

import (
	"fmt"
	"sort"
	"strings"
	"time"

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
	// Libraries are the library blocks (and includes), by name.
	Libraries map[string]*Library
	// ConnectionAliases map the connection keys libraries use in their
	// expressions ("eaccounting.books") to the project's connections
	// ("eaccounting.acme"), where the two differ.
	ConnectionAliases map[string]string
	// Templates are the template blocks: what flows extend. A template is
	// never planned; its content is in the flows that extend it.
	Templates map[string]*Template
	// Notifies are the notify blocks, by name (decode_notify.go).
	Notifies map[string]*Notify
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
	// ReadOverlap is how far before a flow's cursor its incremental read
	// starts (read_overlap); FullReadEvery how often a flow is read in full
	// all the same (full_read_every; 0: never).
	ReadOverlap   time.Duration
	FullReadEvery time.Duration
	// Include lists directories, relative to Dir, whose *.hcl files are part
	// of the project too (a flow library shared by several projects).
	Include []string
	// Schedule is when kopla serve runs every flow that has none of its
	// own ("every 5m", a cron expression; see package schedule); "" means
	// only on changes. Overlap is what a tick does while the flow runs:
	// "buffer" (one run queued behind, the default) or "skip".
	Schedule      string
	ScheduleRange hcl.Range
	Overlap       string
	// UIToken and UIPasswordHash are the credential the dashboard (kopla
	// ui, kopla serve) asks for; it refuses to listen beyond loopback
	// without one (decode_settings_ui.go).
	UIToken        Secret
	UIPasswordHash string
	DeclRange      hcl.Range
	// BlockRange is the whole kopla block, header and body; zero when the
	// project has none.
	BlockRange hcl.Range
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
	// Label, when set, names each record for people in the plan, log and
	// trace (label = "order ${source.hs_object_id}"); without it the
	// source connector's label is used (connectors.Schema.Label).
	Label     *Expr
	Key       string
	KeyRange  hcl.Range
	Mode      Mode
	ModeRange hcl.Range
	// Fields are written on create and on update; CreateOnly only on create.
	// Both keep the order of the file.
	Fields     []*Mapping
	CreateOnly []*Mapping
	Ensures    []*Ensure
	// Skips are the flow's skip blocks, in the order of the file (those
	// of its templates first): a record one of them skips is neither
	// ensured, matched nor written.
	Skips []*Skip
	// WriteBack, when set, writes fields of each stored target record back
	// to the source (see decode_writeback.go).
	WriteBack *WriteBack
	DeclRange hcl.Range
	// Templates name the templates merged into the flow (extends), nearest
	// first. Every value keeps the range it was written at, in the flow or
	// in a template.
	Templates []string
	// Enabled is false when the flow's enabled expression (evaluated at
	// load, over variables) is false: the flow is still compiled and
	// checked, but neither read, planned nor applied. DisabledReason says
	// why, for the plan: `enabled = var.x == "a" is false (x = "b")`.
	Enabled        bool
	DisabledReason string
	EnabledRange   hcl.Range // the enabled expression; zero when not set
	// Schedule and Overlap are the kopla block's, for this flow (kopla
	// serve); "" means the kopla block's.
	Schedule      string
	ScheduleRange hcl.Range
	Overlap       string
}

// Template is a `template "name" { ... }` block: the arguments and blocks
// of a flow, all optional, that flows (and templates) inherit with
// extends = template.name.
type Template struct {
	Name string
	// Extends names the templates this one inherits, nearest first.
	Extends   []string
	DeclRange hcl.Range
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
	ID      *Expr
	IDs     *Expr
	Input   *Expr
	ForEach *Expr
	// Mode, when set, narrows what the ensured flow does with the records
	// this block hands it: ModeCreate creates a missing target record and
	// uses an existing one as it is, never updating it.
	Mode      Mode
	ModeRange hcl.Range
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

// Library is a `library "name" { source = "..." connections = {...} vars = {...} }`
// block: a directory of flows shared by several projects, as a Terraform
// module block is. Its variables, lookups, functions and flows join the
// project's (one namespace: a name declared twice is an error). An include
// of the kopla block is read as a library too (Implicit), whose connections
// keep their names.
type Library struct {
	Name string
	// Source is the directory as written, relative to the project; Dir is
	// where it was found.
	Source string
	Dir    string
	// Connections maps the library's connection keys ("hubspot.shop", as its
	// requires block names them) to the project's ("hubspot.myshop").
	Connections map[string]string
	// Vars are the variables of the library the block sets, by name.
	Vars map[string]*LibraryVar
	// Requires are the connections the library's requires block declares.
	Requires []*Requirement
	// Flows, when the block sets flows = [...], are the library's flows the
	// project runs: the others are disabled. nil means all of them.
	Flows      []string
	FlowsRange hcl.Range
	// Implicit is true for a directory of kopla { include = [...] }.
	Implicit    bool
	DeclRange   hcl.Range
	SourceRange hcl.Range
}

// LibraryVar is one entry of a library block's vars: an HCL expression over
// the project's variables, evaluated at load.
type LibraryVar struct {
	Name      string
	NameRange hcl.Range
	Expr      hcl.Expression
}

// Requirement is a `connection "kind" "name" { ... }` block of a library's
// requires block: a connection the library's flows use and what they need
// of its account.
type Requirement struct {
	Kind, Name string
	// Properties are the custom fields the flows read or write.
	Properties []*RequiredProperty
	// Records are reference data that must exist, such as the freight
	// article.
	Records   []*RequiredRecord
	DeclRange hcl.Range
}

// Key is the connection's key as the library names it, "kind.name".
func (r *Requirement) Key() string { return r.Kind + "." + r.Name }

// RequiredProperty is a `property "object" "name" { type = ... }` block: a
// custom field of an object, known to validate offline and created by
// `kopla init -create`.
type RequiredProperty struct {
	Object, Name string
	// Type is string, number, bool, date, datetime or enumeration.
	Type        string
	Unique      bool
	Label       string
	Description string
	// Options are the values of an enumeration.
	Options   []string
	DeclRange hcl.Range
}

// RequiredRecord is a `record "object" "name" { field = ...  value = ... }`
// block: a record the flows find by a field value and that must exist in
// the account (`kopla init -check` looks it up).
type RequiredRecord struct {
	Object, Name string
	Field        string
	Value        any
	Description  string
	DeclRange    hcl.Range
}

// LibraryDirs lists the library directories of the project, relative to
// Dir, in the order they were declared: their *.test.hcl files are the
// project's tests too.
func (c *Config) LibraryDirs() []string {
	var dirs []string
	for _, lib := range c.libraryList() {
		dirs = append(dirs, lib.Source)
	}
	return dirs
}

// libraryList returns the libraries sorted by declaration.
func (c *Config) libraryList() []*Library {
	libs := make([]*Library, 0, len(c.Libraries))
	for _, lib := range c.Libraries {
		libs = append(libs, lib)
	}
	sort.Slice(libs, func(i, j int) bool {
		a, b := libs[i].DeclRange, libs[j].DeclRange
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return libs
}

// ConnectionRequirements are what the libraries need of one connection of
// the project.
type ConnectionRequirements struct {
	// Connection is the project's connection key, "hubspot.myshop".
	Connection string
	// Uses name the library and its name for the connection, one per
	// library that requires it: `the library "webshop" calls it shop`.
	Uses       []string
	Properties []*RequiredProperty
	Records    []*RequiredRecord
}

// Requirements returns what the libraries need of each connection of the
// project, by project connection key, in a stable order. A property that two
// libraries declare alike is listed once.
func (c *Config) Requirements() []*ConnectionRequirements {
	byConn := map[string]*ConnectionRequirements{}
	var keys []string
	for _, lib := range c.libraryList() {
		for _, req := range lib.Requires {
			key, ok := lib.Connections[req.Key()]
			if !ok {
				continue
			}
			cr := byConn[key]
			if cr == nil {
				cr = &ConnectionRequirements{Connection: key}
				byConn[key] = cr
				keys = append(keys, key)
			}
			cr.Uses = append(cr.Uses, fmt.Sprintf("%s calls it %s", libraryTitle(lib), req.Name))
		next:
			for _, p := range req.Properties {
				for _, q := range cr.Properties {
					if q.Object == p.Object && q.Name == p.Name {
						continue next
					}
				}
				cr.Properties = append(cr.Properties, p)
			}
			cr.Records = append(cr.Records, req.Records...)
		}
	}
	sort.Strings(keys)
	out := make([]*ConnectionRequirements, len(keys))
	for i, k := range keys {
		out[i] = byConn[k]
	}
	return out
}

// Resolve returns ref with a library's name for a connection replaced by
// the project connection it stands for (ConnectionAliases): what the
// reference means at run time.
func (c *Config) Resolve(ref ObjectRef) ObjectRef {
	if key, ok := c.ConnectionAliases[ref.ConnectionKey()]; ok {
		ref.Kind, ref.Connection, _ = strings.Cut(key, ".")
	}
	return ref
}
