package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/types"
	"github.com/expr-lang/expr/vm"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// Project is a compiled project: every connection resolved, every expression
// compiled once, flows in dependency order. It is ready to plan and apply,
// one run at a time (a run's find() cache lives in it).
type Project struct {
	engine *Engine
	cfg    *dsl.Config
	// Digest identifies the configuration (files and variable values): a
	// saved plan made from another digest is stale.
	Digest string

	conns map[string]*connection // by "kind.name"
	flows map[string]*flow
	order []*flow // dependencies first

	funcs *funcLib
}

// connection is one connection block, resolved.
type connection struct {
	decl    *dsl.Connection
	factory connectors.Factory
	config  connectors.Config
	schemas map[string]connectors.Schema
	deps    connectors.Deps

	mu   sync.Mutex
	conn connectors.Connector
	// callsMark is the requests per budget of conn when the last run was
	// recorded (apicalls.go).
	callsMark map[string]int
}

// object is one object of a connection, as a flow uses it.
type object struct {
	ref    string // kind.connection.object
	conn   *connection
	name   string
	schema connectors.Schema
}

// flow is a compiled flow block.
type flow struct {
	decl     *dsl.Flow
	name     string
	source   *object
	target   *object
	mode     dsl.Mode
	keyField string
	where    *program
	label    *program   // nil: the source connector's label
	fields   []*mapping // fields, then create_only ones
	key      *mapping
	ensures  []*ensure
	skips    []*skipRule
	// readFields are the source fields the expressions use, for connectors
	// that can read only those; nil means all.
	readFields []string
	// ensured is true when other flows ensure records of this one: only
	// then are the target records kept as they will be after apply.
	ensured bool
	// defaults are what creates take from the target's field defaults
	// (nil: none).
	defaults *createDefaults
	// sourceRedactor and targetRedactor keep personal data out of the
	// activity log (nil: nothing to redact).
	sourceRedactor, targetRedactor *redactor
	// writeBack is set on the internal flow of a write_back block, wbFlow
	// on the flow that has the block (see writeback.go).
	writeBack *writeBack
	wbFlow    *flow
}

type mapping struct {
	index      int // in flow.fields
	name       string
	field      connectors.Field
	createOnly bool
	prog       *program
	// usesEnsured is true when the expression reads ensured records: only
	// then may a failure be a value not known until apply.
	usesEnsured bool
	// reads are the top-level source fields the expression reads, unless
	// readsAll (it uses the source record as a whole): a record an ensure
	// builds (input) that lacks one of them leaves the field as it is.
	reads    []string
	readsAll bool
}

type ensure struct {
	name string
	flow *flow
	kind ensureKind
	prog *program
	decl *dsl.Ensure
	// mode, when not empty, is the mode the ensured flow plans this
	// block's records in (dsl.ModeCreate: an existing record is used as it
	// is).
	mode dsl.Mode
}

// skipRule is a compiled skip block.
type skipRule struct {
	name   string
	when   *program
	reason *program // nil: the plan shows the name
}

// ensureKind says how an ensure block names the records it ensures.
type ensureKind uint8

const (
	ensureInput   ensureKind = iota // input: one record built by the expression
	ensureForEach                   // for_each: a list of such records
	ensureID                        // id: one source record id of the ensured flow
	ensureIDs                       // ids: a list of such ids
)

// list reports whether ensured.<name> is a list.
func (k ensureKind) list() bool { return k == ensureForEach || k == ensureIDs }

// byReference reports whether the records are the ensured flow's own
// source records, read by id.
func (k ensureKind) byReference() bool { return k == ensureID || k == ensureIDs }

// program is one compiled expression with where it came from.
type program struct {
	expr *dsl.Expr
	// prog is the program as checked: its tree is what the analyses of the
	// expression (fields used, functions called) read.
	prog *vm.Program
	// fast is the same expression compiled with the run's environment
	// passed to find and user functions (see fastPatcher); it is what runs.
	fast *vm.Program
}

// Compile resolves connections and compiles every flow. The diagnostics say
// everything that is wrong; the Project is nil when there are errors.
func (e *Engine) Compile(cfg *dsl.Config) (*Project, hcl.Diagnostics) {
	p := &Project{
		engine: e,
		cfg:    cfg,
		conns:  map[string]*connection{},
		flows:  map[string]*flow{},
	}
	p.Digest = configDigest(cfg)
	var diags hcl.Diagnostics
	diags = append(diags, p.compileConnections()...)
	diags = append(diags, p.checkRequirements()...)
	diags = append(diags, p.undiscoveredProperties()...)
	p.funcs = newFuncLib(p)
	diags = append(diags, p.funcs.compileUserFunctions(cfg)...)

	names := sortedKeys(cfg.Flows)
	for _, name := range names {
		f, fdiags := p.bindFlow(cfg.Flows[name])
		diags = append(diags, fdiags...)
		if f != nil {
			p.flows[name] = f
		}
	}
	diags = append(diags, p.bindWriteBacks()...)
	// Expressions may refer to ensured records of other flows, so they are
	// compiled once every flow is bound.
	for _, name := range names {
		if f := p.flows[name]; f != nil {
			diags = append(diags, p.compileFlow(f)...)
			diags = append(diags, requiredFieldsDiagnostics(f)...)
		}
	}
	diags = append(diags, p.compileWriteBacks()...)
	order, odiags := p.sortFlows()
	diags = append(diags, odiags...)
	p.order = placeWriteBacks(order)
	// A value inherited from a template is compiled in every flow that
	// extends it: report its problems once.
	diags = dsl.UniqueDiagnostics(diags)
	if diags.HasErrors() {
		return nil, diags
	}
	return p, diags
}

// Config returns the configuration the project was compiled from.
func (p *Project) Config() *dsl.Config { return p.cfg }

func (p *Project) compileConnections() hcl.Diagnostics {
	var diags hcl.Diagnostics
	lookupEnv := p.engine.opts.LookupEnv
	for _, key := range sortedKeys(p.cfg.Connections) {
		decl := p.cfg.Connections[key]
		factory, ok := p.engine.opts.Registry.Lookup(decl.Kind)
		if !ok {
			detail := fmt.Sprintf("There is no connector of kind %q. Known kinds: %s.", decl.Kind, strings.Join(p.engine.opts.Registry.Kinds(), ", "))
			if s := connectors.Suggest(decl.Kind, p.engine.opts.Registry.Kinds()); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown connector kind",
				Detail:   detail,
				Subject:  decl.KindRange.Ptr(),
			})
			continue
		}
		cfg, cdiags := dsl.DecodeConnection(decl, factory.Config, p.cfg.Vars, lookupEnv)
		cdiags = append(cdiags, dsl.SettingDiagnostics(decl, cfg, factory.CheckConfig(cfg))...)
		diags = append(diags, cdiags...)
		if cdiags.HasErrors() {
			continue
		}
		if hook := p.engine.opts.ConnectionConfig; hook != nil {
			cfg = hook(decl, cfg)
		}
		c := &connection{decl: decl, factory: factory, config: cfg}
		c.deps = connectors.Deps{
			Name:       decl.Name,
			Dir:        p.cfg.Dir,
			StateDir:   p.stateDir(),
			HTTPClient: p.engine.opts.HTTPClient,
			Logger:     p.engine.log.With("connection", key),
			Properties: p.requiredProperties(key),
			Budgets:    p.engine.opts.Budgets,
			Tokens:     p.engine.opts.Tokens,
		}
		schemas, err := factory.Objects(cfg, c.deps)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid connection",
				Detail:   fmt.Sprintf("Connection %s: %s.", key, err),
				Subject:  decl.DeclRange.Ptr(),
			})
			continue
		}
		c.schemas = schemas
		p.conns[key] = c
	}
	return diags
}

// stateDir is where connectors keep their files.
func (p *Project) stateDir() string {
	if d := p.engine.opts.StateDir; d != "" {
		return d
	}
	return filepath.Join(p.cfg.Dir, ".kopla")
}

// open returns the connection's connector, opening it on first use.
func (c *connection) open(ctx context.Context) (connectors.Connector, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		return c.conn, nil
	}
	conn, err := c.factory.New(ctx, c.config, c.deps)
	if err != nil {
		return nil, fmt.Errorf("open connection %s.%s: %w", c.decl.Kind, c.decl.Name, err)
	}
	c.conn = conn
	return conn, nil
}

// Close releases the connectors that hold resources (files, listeners).
func (p *Project) Close() error {
	var errs []error
	for _, c := range p.conns {
		c.mu.Lock()
		if cl, ok := c.conn.(connectors.Closer); ok {
			errs = append(errs, cl.Close())
		}
		c.conn = nil
		c.callsMark = nil
		c.mu.Unlock()
	}
	return errors.Join(errs...)
}

// resolveObject binds a kind.connection.object reference.
func (p *Project) resolveObject(ref dsl.ObjectRef, role string) (*object, hcl.Diagnostics) {
	c, ok := p.conns[ref.ConnectionKey()]
	if !ok {
		// Undeclared connections are reported by dsl; connections that failed
		// to decode were reported above.
		return nil, nil
	}
	schema, ok := c.schemas[ref.Object]
	if !ok {
		schema, ok = c.schemas[connectors.AnyObject]
	}
	if !ok {
		detail := fmt.Sprintf("Connection %s has no object %q.", ref.ConnectionKey(), ref.Object)
		if s := connectors.Suggest(ref.Object, objectNames(c.schemas)); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		} else if len(c.schemas) > 0 {
			detail += " Its objects are: " + strings.Join(objectNames(c.schemas), ", ") + "."
		}
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Unknown " + role + " object",
			Detail:   detail,
			Subject:  ref.Range.Ptr(),
		}}
	}
	return &object{ref: ref.String(), conn: c, name: ref.Object, schema: schema}, nil
}

// bindFlow resolves a flow's objects, key and fields without compiling
// expressions.
func (p *Project) bindFlow(decl *dsl.Flow) (*flow, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	f := &flow{decl: decl, name: decl.Name, mode: decl.Mode, keyField: decl.Key}
	if f.mode == "" {
		f.mode = dsl.ModeUpsert
	}
	src, d := p.resolveObject(decl.Source, "source")
	diags = append(diags, d...)
	tgt, d := p.resolveObject(decl.Target, "target")
	diags = append(diags, d...)
	if src == nil || tgt == nil {
		return nil, diags
	}
	f.source, f.target = src, tgt
	f.defaults = defaultsOf(tgt.schema)
	// Every include the source can have: a read shared with other flows
	// (see readGroups) brings theirs too.
	f.sourceRedactor = newRedactor(src.schema.Fields, src.schema.Includes, src.conn.schemas)
	f.targetRedactor = newRedactor(tgt.schema.Fields, nil, nil)

	for _, inc := range decl.Include {
		if _, ok := src.schema.Include(inc); !ok {
			names := make([]string, len(src.schema.Includes))
			for i, in := range src.schema.Includes {
				names[i] = in.Name
			}
			detail := fmt.Sprintf("Source object %s cannot include %q.", src.ref, inc)
			if s := connectors.Suggest(inc, names); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			} else if len(names) > 0 {
				detail += " It can include: " + strings.Join(names, ", ") + "."
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown include", Detail: detail, Subject: decl.IncludeRange.Ptr()})
		}
	}

	if tgt.schema.ReadOnly {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Read-only target object",
			Detail:   fmt.Sprintf("Records of %s cannot be written; it can be a source or a find() object, not a target.", tgt.ref),
			Subject:  decl.Target.Range.Ptr(),
		})
		return nil, diags
	}
	bind := func(m *dsl.Mapping, createOnly bool) {
		if m.Expr == nil {
			return // not an expression: reported by dsl
		}
		field, ok := tgt.schema.Field(m.Field)
		switch {
		case ok && field.CreateOnly && !createOnly:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Field written on create only",
				Detail:   fmt.Sprintf("The field %q of %s can be set when a record is created, not updated: move it to the create_only block.", m.Field, tgt.ref),
				Subject:  m.NameRange.Ptr(),
			})
			return
		case !ok && !tgt.schema.Open && !tgt.schema.Extensible:
			diags = append(diags, unknownTargetField("Unknown target field", tgt, m.Field, m.NameRange))
			return
		case !ok:
			field = connectors.Field{Name: m.Field, Type: connectors.TypeAny, Key: true}
		case field.ReadOnly && !(m.Field == f.keyField && field.Key && f.mode == dsl.ModeUpdate && !createOnly):
			// A read-only key (a system id) may identify the records a flow
			// updates; it is matched on, never written.
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Read-only target field",
				Detail:   fmt.Sprintf("The field %q of %s is set by the system and cannot be written. Remove it from the flow (a read-only key field may be mapped only by a flow with mode = \"update\", to find the records it updates).", m.Field, tgt.ref),
				Subject:  m.NameRange.Ptr(),
			})
			return
		}
		mp := &mapping{index: len(f.fields), name: m.Field, field: field, createOnly: createOnly, prog: &program{expr: m.Expr}}
		f.fields = append(f.fields, mp)
		if m.Field == f.keyField {
			f.key = mp
		}
	}
	for _, m := range decl.Fields {
		bind(m, false)
	}
	for _, m := range decl.CreateOnly {
		bind(m, true)
	}

	if f.keyField != "" {
		field, ok := tgt.schema.Field(f.keyField)
		switch {
		case !ok && !tgt.schema.Open && !tgt.schema.Extensible:
			diags = append(diags, unknownTargetField("Unknown key field", tgt, f.keyField, decl.KeyRange))
		case ok && !field.Key:
			var keys []string
			for _, fl := range tgt.schema.Fields {
				if fl.Key {
					keys = append(keys, fl.Name)
				}
			}
			sort.Strings(keys)
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Field cannot be a key",
				Detail:   fmt.Sprintf("The field %q of %s cannot identify records (the connector cannot find records by it). Key-capable fields: %s.", f.keyField, tgt.ref, strings.Join(keys, ", ")),
				Subject:  decl.KeyRange.Ptr(),
			})
		case f.key == nil:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Key field not mapped",
				Detail:   fmt.Sprintf("The key %q must be computed by the flow: add it to the fields block.", f.keyField),
				Subject:  decl.KeyRange.Ptr(),
			})
		}
	}
	return f, diags
}

// unknownTargetField says a target has no such field, with the closest one.
func unknownTargetField(summary string, tgt *object, name string, rng hcl.Range) *hcl.Diagnostic {
	detail := fmt.Sprintf("The target object %s has no field %q.", tgt.ref, name)
	if s := connectors.Suggest(name, tgt.schema.Names()); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: rng.Ptr()}
}

// compileFlow compiles every expression of a bound flow.
func (p *Project) compileFlow(f *flow) hcl.Diagnostics {
	var diags hcl.Diagnostics
	env := p.flowEnv(f)
	for _, en := range f.decl.Ensures {
		dep := p.flows[en.Flow]
		e := &ensure{name: en.Name, flow: dep, decl: en, mode: en.Mode}
		switch {
		case en.ID != nil:
			e.kind, e.prog = ensureID, &program{expr: en.ID}
		case en.IDs != nil:
			e.kind, e.prog = ensureIDs, &program{expr: en.IDs}
		case en.ForEach != nil:
			e.kind, e.prog = ensureForEach, &program{expr: en.ForEach}
		case en.Input != nil:
			e.kind, e.prog = ensureInput, &program{expr: en.Input}
		}
		if dep == nil || e.prog == nil {
			continue // reported by dsl, or the dependency did not bind
		}
		cdiags := p.compile(e.prog, env, f)
		diags = append(diags, cdiags...)
		if !cdiags.HasErrors() && !e.kind.byReference() {
			diags = append(diags, p.checkInputFields(e)...)
		}
		if e.mode == dsl.ModeCreate && dep.mode == dsl.ModeUpdate {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid mode",
				Detail:   fmt.Sprintf("The ensure %q block asks the flow %q to create missing records (mode = \"create\"), but that flow never creates (mode update). Remove mode here, or change the mode of %q.", en.Name, dep.name, dep.name),
				Subject:  en.ModeRange.Ptr(),
			})
		}
		f.ensures = append(f.ensures, e)
		dep.ensured = true
	}
	if f.decl.Where != nil {
		f.where = &program{expr: f.decl.Where}
		diags = append(diags, p.compile(f.where, env, f, expr.AsBool())...)
	}
	diags = append(diags, p.compileLabel(f, env)...)
	for _, sk := range f.decl.Skips {
		if sk.When == nil {
			continue // reported by dsl
		}
		rule := &skipRule{name: sk.Name, when: &program{expr: sk.When}}
		diags = append(diags, p.compile(rule.when, env, f, expr.AsBool())...)
		if sk.Reason != nil {
			rule.reason = &program{expr: sk.Reason}
			diags = append(diags, p.compile(rule.reason, env, f)...)
		}
		f.skips = append(f.skips, rule)
	}
	for _, m := range f.fields {
		diags = append(diags, p.compile(m.prog, env, f)...)
		m.usesEnsured = m.prog.uses(envEnsured)
		if m.prog.prog != nil {
			r := p.funcs.readsOf(m.prog.prog.Node(), envSource)
			m.reads, m.readsAll = sortedKeys(r.names), r.all
		}
	}
	f.readFields = sourceFieldsUsed(f)
	return diags
}

// compile compiles one expression, turning expr's errors into diagnostics
// placed inside the HCL string. f, when not nil, is the flow the expression
// belongs to, for better messages about unknown fields.
func (p *Project) compile(pr *program, env types.Map, f *flow, extra ...expr.Option) hcl.Diagnostics {
	opts := append([]expr.Option{expr.Env(env)}, p.funcs.options...)
	opts = append(opts, extra...)
	prog, err := expr.Compile(pr.expr.Source, opts...)
	if err != nil {
		return hcl.Diagnostics{p.exprDiagnostic(pr.expr, err, f)}
	}
	pr.prog = prog
	if diags := p.findFieldDiagnostics(pr); diags.HasErrors() {
		return diags
	}
	pr.fast = p.compileFast(pr, env, extra)
	if f != nil && p.funcs.callsUser(prog.Node()) {
		// What the expression reads through user functions (see funccheck.go).
		return p.funcs.checkCalls(pr.expr, env, extra, f.name)
	}
	return nil
}

// compileFast compiles a checked expression again into the program that
// runs (see fastPatcher). The expression is correct, so this cannot fail
// but for a bug; then the checked program runs.
func (p *Project) compileFast(pr *program, env types.Map, extra []expr.Option) *vm.Program {
	opts := append([]expr.Option{expr.Env(env)}, p.funcs.options...)
	opts = append(opts, extra...)
	opts = append(opts, expr.Patch(fastPatcher{p.funcs}))
	fast, err := expr.Compile(pr.expr.Source, opts...)
	if err != nil {
		return nil
	}
	return fast
}

var unknownFieldRE = regexp.MustCompile(`^unknown field (\S+)`)

// exprDiagnostic places an expr compile error at its line and column.
func (p *Project) exprDiagnostic(e *dsl.Expr, err error, f *flow) *hcl.Diagnostic {
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid expression", Subject: e.Range.Ptr(), Detail: exprMessage(err.Error())}
	var fe *file.Error
	if !errors.As(err, &fe) {
		return d
	}
	rng := e.RangeAt(fe.Line, fe.Column)
	d.Subject = &rng
	d.Detail = exprMessage(fe.Message)
	if m := unknownFieldRE.FindStringSubmatch(fe.Message); m != nil {
		runes := []rune(e.Source)
		if detail := p.unknownObjectDetail(string(runes[:min(max(fe.From, 0), len(runes))]), m[1]); detail != "" {
			d.Summary, d.Detail = "Unknown object", detail
			return d
		}
		d.Summary = "Unknown field"
		d.Detail = p.unknownFieldDetail(e.Source, fe.From, m[1], f)
	}
	return d
}

// unknownFieldDetail names the object that lacks a field and suggests the
// closest one: "The source object ... has no field "emial". Did you mean "email"?"
func (p *Project) unknownFieldDetail(src string, at int, field string, f *flow) string {
	runes := []rune(src)
	before := string(runes[:min(max(at, 0), len(runes))])
	root := ""
	if m := regexp.MustCompile(`(\w+)\??\.\s*$`).FindStringSubmatch(before); m != nil {
		root = m[1]
	}
	var what string
	var names []string
	switch {
	case f != nil && root == envSource:
		what, names = "The source object "+f.source.ref, f.source.schema.Names()
	case f != nil && root == envTarget:
		what, names = "The target object "+f.target.ref, f.target.schema.Names()
	case f != nil && f.writeBack != nil && root == envResult:
		prod := f.writeBack.producer
		what, names = fmt.Sprintf("The result of flow %q (a record of %s)", prod.name, prod.target.ref), prod.target.schema.Names()
	case root == envVar:
		what, names = "There is no variable", sortedKeys(p.cfg.Vars)
		detail := fmt.Sprintf("There is no variable %q.", field)
		if s := connectors.Suggest(field, names); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		return detail
	default:
		return exprMessage("unknown field " + field)
	}
	detail := fmt.Sprintf("%s has no field %q.", what, field)
	if s := connectors.Suggest(field, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return detail
}

var connectionRefRE = regexp.MustCompile(`(\w+)\.(\w+)\.\s*$`)

// unknownObjectDetail explains kind.connection.misspelt, the first
// argument of find(), when the text before the field names a connection:
// "The connection eaccounting.books has no object "vatcode". Did you mean
// "vatcodes"?" It returns "" for anything else.
func (p *Project) unknownObjectDetail(before, object string) string {
	m := connectionRefRE.FindStringSubmatch(before)
	if m == nil {
		return ""
	}
	key := m[1] + "." + m[2]
	if alias, ok := p.cfg.ConnectionAliases[key]; ok {
		key = alias
	}
	c, ok := p.conns[key]
	if !ok {
		return ""
	}
	names := objectNames(c.schemas)
	detail := fmt.Sprintf("The connection %s.%s has no object %q (objects: %s).", m[1], m[2], object, strings.Join(names, ", "))
	if s := connectors.Suggest(object, names); s != "" {
		detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	return detail
}

// exprMessage turns an expr message into a sentence.
func exprMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	msg = strings.ToUpper(msg[:1]) + msg[1:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}

// sourceFieldsUsed lists the top-level source fields the flow's expressions
// read (source.X), or nil when an expression uses source as a whole.
func sourceFieldsUsed(f *flow) []string {
	v := &sourceVisitor{seen: map[string]bool{}}
	visit := func(pr *program) {
		if pr != nil && pr.prog != nil {
			node := pr.prog.Node()
			ast.Walk(&node, v)
		}
	}
	visit(f.where)
	for _, sk := range f.skips {
		visit(sk.when)
		visit(sk.reason)
	}
	for _, m := range f.fields {
		visit(m.prog)
	}
	for _, e := range f.ensures {
		visit(e.prog)
	}
	visit(f.label)
	if f.label == nil {
		for _, name := range labelFields(f.source.schema) {
			v.seen[name] = true
		}
	}
	if v.bare > v.members {
		return nil
	}
	return sortedKeys(v.seen)
}

// sourceVisitor counts uses of the source identifier: if some are not a
// plain member access (source.X), the whole record is used.
type sourceVisitor struct {
	seen          map[string]bool
	bare, members int
}

func (v *sourceVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		prop, isString := n.Property.(*ast.StringNode)
		if ok && isString && id.Value == "source" {
			v.seen[prop.Value] = true
			v.members++
		}
	case *ast.IdentifierNode:
		if n.Value == "source" {
			v.bare++
		}
	}
}

// uses reports whether a compiled expression names an identifier.
func (pr *program) uses(name string) bool {
	if pr.prog == nil {
		return false
	}
	v := &identVisitor{name: name}
	node := pr.prog.Node()
	ast.Walk(&node, v)
	return v.found
}

type identVisitor struct {
	name  string
	found bool
}

func (v *identVisitor) Visit(node *ast.Node) {
	if id, ok := (*node).(*ast.IdentifierNode); ok && id.Value == v.name {
		v.found = true
	}
}

// sortFlows orders flows so that ensured flows come first.
func (p *Project) sortFlows() ([]*flow, hcl.Diagnostics) {
	var order []*flow
	state := map[string]int{} // 1 visiting, 2 done
	var diags hcl.Diagnostics
	var visit func(f *flow) bool
	visit = func(f *flow) bool {
		switch state[f.name] {
		case 1:
			return false
		case 2:
			return true
		}
		state[f.name] = 1
		for _, e := range f.ensures {
			if !visit(e.flow) {
				if len(diags) == 0 {
					diags = append(diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Cycle between flows",
						Detail:   fmt.Sprintf("Flow %q ensures flow %q, which depends back on it.", f.name, e.flow.name),
						Subject:  e.decl.FlowRange.Ptr(),
					})
				}
				return false
			}
		}
		state[f.name] = 2
		order = append(order, f)
		return true
	}
	for _, name := range sortedKeys(p.flows) {
		visit(p.flows[name])
	}
	return order, diags
}

// configDigest hashes the files and the variable values.
func configDigest(cfg *dsl.Config) string {
	h := sha256.New()
	for _, name := range sortedKeys(cfg.Sources) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(cfg.Sources[name]))
		h.Write(cfg.Sources[name])
	}
	vars, _ := json.Marshal(cfg.Vars) // maps marshal with sorted keys
	h.Write(vars)
	return hex.EncodeToString(h.Sum(nil))
}

// objectNames lists a connection's objects, without the AnyObject entry.
func objectNames(schemas map[string]connectors.Schema) []string {
	names := make([]string, 0, len(schemas))
	for _, n := range sortedKeys(schemas) {
		if n != connectors.AnyObject {
			names = append(names, n)
		}
	}
	return names
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Connector opens the connection named "kind.name" (for kopla init and
// kopla login, which talk to one connection).
func (p *Project) Connector(ctx context.Context, key string) (connectors.Connector, error) {
	c, ok := p.conns[key]
	if !ok {
		return nil, fmt.Errorf("there is no connection %q (connections: %s)", key, strings.Join(sortedKeys(p.conns), ", "))
	}
	return c.open(ctx)
}

// Connections returns the keys ("kind.name") of the project's connections, sorted.
func (p *Project) Connections() []string { return sortedKeys(p.conns) }

// FlowNames returns the flows in dependency order.
func (p *Project) FlowNames() []string {
	names := make([]string, len(p.order))
	for i, f := range p.order {
		names[i] = f.name
	}
	return names
}
