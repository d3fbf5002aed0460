package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

const schemaUsage = `Usage: kopla [global options] schema [options] [CONNECTION[.OBJECT]]

  Show what the project's connections offer: their objects, and for one
  object its fields with their types, maximum lengths, flags (required,
  read-only, create-only, key, unique, sensitive), enumeration options,
  defaults and descriptions. It reads the connectors' own catalogues and
  what kopla init cached of the live accounts (custom properties,
  enumeration options); it touches no system.

  CONNECTION is kind.name (eaccounting.books) or a kind (eaccounting);
  CONNECTION.OBJECT names one object (eaccounting.books.articles).
  Without an argument, every connection and its objects are listed.
`

type schemaArgs struct {
	globalArgs
	json bool
	// kind, connection and object select what to show; each may be "".
	kind, connection, object string
}

func parseSchema(args []string) (*schemaArgs, *flagSet, error) {
	a := &schemaArgs{}
	f := newFlagSet("schema")
	f.fs.BoolVar(&a.json, "json", false, "Print one JSON document (machine-readable), with every field of the objects selected.")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	switch {
	case err != nil:
	case len(rest) > 1:
		err = usagef(f.cmd, "unexpected argument %q: schema takes at most one, CONNECTION[.OBJECT]", rest[1])
	case len(rest) == 1:
		parts := strings.Split(rest[0], ".")
		if len(parts) > 3 || slices.Contains(parts, "") {
			err = usagef(f.cmd, "%q is not a connection or object: write kind, kind.name or kind.name.object (eaccounting.books.articles)", rest[0])
			break
		}
		parts = append(parts, "", "")
		a.kind, a.connection, a.object = parts[0], parts[1], parts[2]
	}
	return a, f, err
}

func (c *cli) schema(_ context.Context, args []string) int {
	a, f, err := parseSchema(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	// Offline: the connectors' catalogues need no credentials.
	c.offline = true
	cfg, diags := c.load()
	if cfg == nil || cfg.Settings == nil || len(cfg.Files) == 0 {
		// Not a project (no *.hcl files): say so rather than list nothing.
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return exitError
	}
	reg, err := c.registry()
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot set up connectors", err), nil, c.color())
		return exitError
	}
	conns, cdiags := engine.New(c.engineOptions(reg)).Schemas(cfg)
	// Problems elsewhere in the project (a flow that does not validate)
	// do not hide what the connections offer; those of the connection
	// blocks are shown, as a connection with errors is left out.
	if diags.HasErrors() {
		fmt.Fprintf(c.stderr, "Warning: the project has errors (kopla validate shows them); showing the connections that resolve.\n")
	}
	selected, sdiags := selectSchemas(conns, cfg, a)
	cdiags = append(cdiags, sdiags...)
	if cdiags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, cdiags, cfg.Files, c.color())
		return exitError
	}
	if a.json {
		if err := writeSchemaJSON(c.stdout, selected); err != nil {
			fmt.Fprintf(c.stderr, "Error: %s\n", err)
			return exitError
		}
		return exitOK
	}
	st := style{c.color()}
	if a.object != "" {
		writeObjectSchema(c.stdout, st, selected[0].Key, selected[0].Objects[0])
		return exitOK
	}
	writeConnectionSchemas(c.stdout, st, selected)
	return exitOK
}

// engineOptions are the options compile gives the engine, for commands
// that use the engine without compiling the project.
func (c *cli) engineOptions(reg *connectors.Registry) engine.Options {
	opts := engine.Options{
		Registry:   reg,
		Logger:     c.log,
		Now:        c.now,
		HTTPClient: c.httpClient,
		LookupEnv:  c.projectEnv,
	}
	if c.shared != nil {
		opts.Budgets, opts.Tokens = c.shared, c.shared
	}
	return opts
}

// selectSchemas keeps what the arguments name; a name that matches nothing
// is an error that lists what there is.
func selectSchemas(conns []engine.ConnectionSchema, cfg *dsl.Config, a *schemaArgs) ([]engine.ConnectionSchema, hcl.Diagnostics) {
	if a.kind == "" {
		return conns, nil
	}
	var keys []string
	var out []engine.ConnectionSchema
	for _, cs := range conns {
		keys = append(keys, cs.Key)
		if cs.Kind == a.kind && (a.connection == "" || cs.Key == a.kind+"."+a.connection) {
			out = append(out, cs)
		}
	}
	if len(out) == 0 {
		want := a.kind
		if a.connection != "" {
			want += "." + a.connection
		}
		detail := fmt.Sprintf("The project has no connection %q", want)
		if _, declared := cfg.Connections[want]; declared {
			detail = fmt.Sprintf("The connection %q has errors (shown above, or by kopla validate)", want)
		}
		if len(keys) > 0 {
			detail += fmt.Sprintf(" (connections: %s)", strings.Join(keys, ", "))
		}
		detail += "."
		if s := connectors.Suggest(want, keys); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown connection", Detail: detail}}
	}
	if a.object == "" {
		return out, nil
	}
	cs := out[0]
	var names []string
	var anyObject *engine.ObjectSchema
	for i, o := range cs.Objects {
		if o.Name == a.object {
			return []engine.ConnectionSchema{{Key: cs.Key, Kind: cs.Kind, Objects: []engine.ObjectSchema{o}}}, nil
		}
		if o.Name == connectors.AnyObject {
			anyObject = &cs.Objects[i]
			continue
		}
		names = append(names, o.Name)
	}
	if anyObject != nil {
		// A connection whose objects come into being on the first write
		// (a file not there yet) has every name.
		return []engine.ConnectionSchema{{Key: cs.Key, Kind: cs.Kind, Objects: []engine.ObjectSchema{{Name: a.object, Schema: anyObject.Schema}}}}, nil
	}
	detail := fmt.Sprintf("The connection %s has no object %q (objects: %s).", cs.Key, a.object, objectList(names))
	if s := connectors.Suggest(a.object, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown object", Detail: detail}}
}

// fieldRow is one field of an object as a table shows it: nested fields
// (of objects, and of the elements of lists) by their path, Rows[].ArticleId.
type fieldRow struct {
	Path  string
	Field connectors.Field
}

// flattenFields lists fields and, after each, its nested fields.
func flattenFields(fields []connectors.Field, prefix string) []fieldRow {
	var out []fieldRow
	for _, f := range fields {
		path := prefix + f.Name
		out = append(out, fieldRow{Path: path, Field: f})
		out = append(out, flattenFields(f.Fields, path+".")...)
		if f.Elem != nil {
			out = append(out, flattenFields(f.Elem.Fields, path+"[].")...)
		}
	}
	return out
}

// typeName is a field's type in words: "string", "list of object".
func typeName(f connectors.Field) string {
	if f.Type == connectors.TypeList && f.Elem != nil {
		return "list of " + f.Elem.Type.String()
	}
	return f.Type.String()
}

// fieldFlags names what a field's flags say, in a fixed order.
func fieldFlags(f connectors.Field) []string {
	var out []string
	for _, fl := range []struct {
		on   bool
		name string
	}{
		{f.Required, "required"}, {f.ReadOnly, "read-only"}, {f.CreateOnly, "create-only"},
		{f.Key && !f.Unique, "key"}, {f.Unique, "unique key"}, {f.Sensitive, "sensitive"},
	} {
		if fl.on {
			out = append(out, fl.name)
		}
	}
	return out
}

// fieldNotes are what a table shows of a field beyond its type and flags:
// the default a create sends, the enumeration options, the format, the
// description.
func fieldNotes(f connectors.Field) string {
	var notes []string
	switch d := f.Default.(type) {
	case nil:
	case connectors.DefaultFunc:
		notes = append(notes, "default: computed from the other fields")
	default:
		notes = append(notes, "default: "+formatValue(d))
	}
	if len(f.Options) > 0 {
		notes = append(notes, "one of: "+strings.Join(f.Options, ", "))
	}
	if fm := f.Format; fm != connectors.FormatNone || (f.Elem != nil && f.Elem.Format != connectors.FormatNone) {
		if fm == connectors.FormatNone {
			fm = f.Elem.Format // a list's elements
		}
		notes = append(notes, "format: "+fm.String())
	}
	if f.Description != "" {
		notes = append(notes, strings.TrimSuffix(f.Description, "."))
	}
	return strings.Join(notes, "; ")
}

// objectTraits describes an object as a whole: read-only, open, includes.
func objectTraits(s connectors.Schema) []string {
	var out []string
	if s.ReadOnly {
		out = append(out, "read-only (a source and a find() object, never a target)")
	}
	if s.Open {
		out = append(out, "open (any field name; fields listed are those known so far)")
	}
	if s.Extensible {
		out = append(out, "extensible (writes may add fields)")
	}
	if s.PositionalIDs {
		out = append(out, "records identified by position")
	}
	if len(s.Includes) > 0 {
		var names []string
		for _, in := range s.Includes {
			names = append(names, in.Name)
		}
		out = append(out, "includes: "+strings.Join(names, ", "))
	}
	return out
}

// keyNames lists the key fields, unique ones marked.
func keyNames(s connectors.Schema) string {
	var keys []string
	for _, f := range s.Fields {
		switch {
		case f.Unique:
			keys = append(keys, f.Name+" (unique)")
		case f.Key:
			keys = append(keys, f.Name)
		}
	}
	return strings.Join(keys, ", ")
}

func objectDisplayName(name string) string {
	if name == connectors.AnyObject {
		return "* (any other name)"
	}
	return name
}

// writeConnectionSchemas lists connections and their objects.
func writeConnectionSchemas(w io.Writer, st style, conns []engine.ConnectionSchema) {
	if len(conns) == 0 {
		fmt.Fprintln(w, "The project has no connections.")
		return
	}
	for i, cs := range conns {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s %s\n\n", st.bold(cs.Key), st.dim("("+cs.Kind+")"))
		tw := newTable(w)
		fmt.Fprintf(tw, "  OBJECT\tFIELDS\tNOTES\tKEYS\n")
		for _, o := range cs.Objects {
			var notes []string
			if o.Schema.ReadOnly {
				notes = append(notes, "read-only")
			}
			if o.Schema.Open {
				notes = append(notes, "open")
			}
			if len(o.Schema.Includes) > 0 {
				notes = append(notes, fmt.Sprintf("%d includes", len(o.Schema.Includes)))
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\n", objectDisplayName(o.Name), len(o.Schema.Fields), orDash(strings.Join(notes, ", ")), orDash(keyNames(o.Schema)))
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "\nRun kopla schema CONNECTION.OBJECT for an object's fields (%s).\n", exampleObject(conns))
}

func exampleObject(conns []engine.ConnectionSchema) string {
	for _, cs := range conns {
		for _, o := range cs.Objects {
			if o.Name != connectors.AnyObject {
				return cs.Key + "." + o.Name
			}
		}
	}
	return "kind.name.object"
}

// table aligns tab-separated cells in columns, without the padding an
// empty last cell would leave at the end of its line.
type table struct {
	w   io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTable(w io.Writer) *table {
	t := &table{w: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	return t
}

func (t *table) Write(p []byte) (int, error) { return t.tw.Write(p) }

// Flush writes the table.
func (t *table) Flush() {
	t.tw.Flush()
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		if line != "" {
			fmt.Fprintln(t.w, strings.TrimRight(line, " \n"))
		}
	}
	t.buf.Reset()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeObjectSchema shows one object's fields.
func writeObjectSchema(w io.Writer, st style, conn string, o engine.ObjectSchema) {
	fmt.Fprintf(w, "%s\n", st.bold(conn+"."+objectDisplayName(o.Name)))
	for _, t := range objectTraits(o.Schema) {
		fmt.Fprintf(w, "  %s\n", t)
	}
	if keys := keyNames(o.Schema); keys != "" {
		fmt.Fprintf(w, "  keys: %s\n", keys)
	}
	rows := flattenFields(o.Schema.Fields, "")
	if len(rows) == 0 {
		fmt.Fprintln(w, "\n  No fields known yet.")
		return
	}
	fmt.Fprintln(w)
	tw := newTable(w)
	fmt.Fprintf(tw, "  FIELD\tTYPE\tMAX\tFLAGS\tNOTES\n")
	for _, r := range rows {
		maxLen := "-"
		if r.Field.MaxLength > 0 {
			maxLen = fmt.Sprint(r.Field.MaxLength)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", r.Path, typeName(r.Field), maxLen, orDash(strings.Join(fieldFlags(r.Field), ", ")), fieldNotes(r.Field))
	}
	tw.Flush()
}

// The JSON document of kopla schema -json.

type schemaDoc struct {
	FormatVersion string           `json:"format_version"`
	Connections   []schemaConnJSON `json:"connections"`
}

type schemaConnJSON struct {
	Connection string             `json:"connection"`
	Kind       string             `json:"kind"`
	Objects    []schemaObjectJSON `json:"objects"`
}

type schemaObjectJSON struct {
	Name          string              `json:"name"`
	ReadOnly      bool                `json:"read_only"`
	Open          bool                `json:"open,omitempty"`
	Extensible    bool                `json:"extensible,omitempty"`
	PositionalIDs bool                `json:"positional_ids,omitempty"`
	Includes      []schemaIncludeJSON `json:"includes,omitempty"`
	Fields        []schemaFieldJSON   `json:"fields"`
}

type schemaIncludeJSON struct {
	Name   string `json:"name"`
	Object string `json:"object"`
}

type schemaFieldJSON struct {
	Name string `json:"name,omitempty"` // empty for the elements of a list
	Type string `json:"type"`
	// Elem describes the elements of a list.
	Elem *schemaFieldJSON `json:"elem,omitempty"`
	// Fields are those of an object.
	Fields     []schemaFieldJSON `json:"fields,omitempty"`
	MaxLength  int               `json:"max_length,omitempty"`
	Required   bool              `json:"required,omitempty"`
	ReadOnly   bool              `json:"read_only,omitempty"`
	CreateOnly bool              `json:"create_only,omitempty"`
	Key        bool              `json:"key,omitempty"`
	Unique     bool              `json:"unique,omitempty"`
	Sensitive  bool              `json:"sensitive,omitempty"`
	Options    []string          `json:"options,omitempty"`
	Format     string            `json:"format,omitempty"`
	Default    any               `json:"default,omitempty"`
	// DefaultComputed marks a default computed from the other fields of
	// the record or row written (connectors.DefaultFunc).
	DefaultComputed bool   `json:"default_computed,omitempty"`
	Description     string `json:"description,omitempty"`
}

// schemaFormatVersion is the version of the kopla schema -json document.
const schemaFormatVersion = "1.0"

func writeSchemaJSON(w io.Writer, conns []engine.ConnectionSchema) error {
	doc := schemaDoc{FormatVersion: schemaFormatVersion, Connections: []schemaConnJSON{}}
	for _, cs := range conns {
		cj := schemaConnJSON{Connection: cs.Key, Kind: cs.Kind, Objects: []schemaObjectJSON{}}
		for _, o := range cs.Objects {
			oj := schemaObjectJSON{
				Name: o.Name, ReadOnly: o.Schema.ReadOnly, Open: o.Schema.Open,
				Extensible: o.Schema.Extensible, PositionalIDs: o.Schema.PositionalIDs,
				Fields: fieldsJSON(o.Schema.Fields),
			}
			for _, in := range o.Schema.Includes {
				oj.Includes = append(oj.Includes, schemaIncludeJSON{Name: in.Name, Object: in.Object})
			}
			cj.Objects = append(cj.Objects, oj)
		}
		doc.Connections = append(doc.Connections, cj)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func fieldsJSON(fields []connectors.Field) []schemaFieldJSON {
	out := make([]schemaFieldJSON, 0, len(fields))
	for _, f := range fields {
		out = append(out, fieldJSON(f))
	}
	return out
}

func fieldJSON(f connectors.Field) schemaFieldJSON {
	j := schemaFieldJSON{
		Name: f.Name, Type: f.Type.String(), MaxLength: f.MaxLength,
		Required: f.Required, ReadOnly: f.ReadOnly, CreateOnly: f.CreateOnly,
		Key: f.Key || f.Unique, Unique: f.Unique, Sensitive: f.Sensitive,
		Options: f.Options, Format: f.Format.String(), Description: f.Description,
	}
	switch d := f.Default.(type) {
	case nil:
	case connectors.DefaultFunc:
		j.DefaultComputed = true
	default:
		j.Default = d
	}
	if len(f.Fields) > 0 {
		j.Fields = fieldsJSON(f.Fields)
	}
	if f.Elem != nil {
		e := fieldJSON(*f.Elem)
		j.Elem = &e
	}
	return j
}
