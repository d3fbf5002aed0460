package engine

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/types"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// A function block is compiled once, with parameters of any type, so the
// checker cannot see what its body reads of them, nor what the caller reads
// of what it returns: company_of(source)?.vat_number would read nil, with
// no warning, from an account that has no property vat_number. The check
// below closes that hole. Every call of a user function is checked again
// with the types of its arguments at that call (the body is checked as if
// written for them), and the call's value takes the type the body then has,
// so that the caller's reads of it are checked too. What is checked is what
// runs: the programs themselves stay as compiled.

// callSite is where a checked call was made, for messages: the call's text
// and its place, and the call it was made from, if it is in a function.
type callSite struct {
	text string
	at   string // file:line:column
	from *callSite
	// flow is the flow whose expression makes the outermost call.
	flow string
}

func (s *callSite) String() string {
	var b strings.Builder
	for c := s; c != nil; c = c.from {
		if c != s {
			b.WriteString(", from ")
		}
		fmt.Fprintf(&b, "%s at %s", c.text, c.at)
		if c.flow != "" {
			fmt.Fprintf(&b, " in flow %q", c.flow)
		}
	}
	return b.String()
}

// rangeText is a range as file:line:column, the file relative to the
// project directory when it is in it.
func (l *funcLib) rangeText(r hcl.Range) string {
	name := r.Filename
	if filepath.IsAbs(name) && l.p.cfg.Dir != "" {
		if rel, err := filepath.Rel(l.p.cfg.Dir, name); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
	}
	return fmt.Sprintf("%s:%d:%d", name, r.Start.Line, r.Start.Column)
}

// specialization is a user function checked for one list of argument
// types: the type of its value (unknown while it is being checked).
type specialization struct {
	ret nature.Nature
}

// natureType is a checker nature as a type of an expression environment:
// a parameter typed as the argument of a call.
type natureType struct{ n nature.Nature }

func (t natureType) Nature() nature.Nature { return t.n }
func (t natureType) Equal(o types.Type) bool {
	ot, ok := o.(natureType)
	return ok && natureKey(ot.n) == natureKey(t.n)
}
func (t natureType) String() string { return t.n.String() }

// checkCalls checks the user function calls of an expression that
// compiled: each function for the types of its arguments, and the
// expression's reads of what they return.
func (l *funcLib) checkCalls(e *dsl.Expr, env types.Map, extra []expr.Option, flow string) hcl.Diagnostics {
	_, diags := l.checkTyped(e, env, extra, &callSite{flow: flow}, nil)
	return diags
}

// checkTyped checks an expression with its user function calls typed by
// their specializations and returns the type of its value. fn is the
// function whose body e is, nil for a flow's expression.
func (l *funcLib) checkTyped(e *dsl.Expr, env types.Map, extra []expr.Option, from *callSite, fn *userFunc) (nature.Nature, hcl.Diagnostics) {
	if e == nil {
		return nature.Nature{}, nil
	}
	config := conf.CreateNew()
	opts := append([]expr.Option{expr.Env(env)}, l.options...)
	opts = append(opts, extra...)
	typer := &callTyper{lib: l, expr: e, from: from, calls: map[string]string{}}
	opts = append(opts, expr.Patch(typer))
	for _, op := range opts {
		op(config)
	}
	for name := range config.Disabled {
		delete(config.Builtins, name)
	}
	config.Check()
	typer.env = &config.Env
	tree, err := checker.ParseCheck(e.Source, config)
	diags := typer.diags
	if err != nil {
		if d := l.typedDiagnostic(e, tree, err, typer, from, fn); d != nil {
			diags = append(diags, d)
		}
		return nature.Nature{}, diags
	}
	return *tree.Node.Nature(), diags
}

// callTyper replaces, one per pass, the innermost call of a user function
// with a name typed as the function's value for the arguments' types. One
// per pass: the checker types the tree again between passes, so the next
// call's arguments (a let variable bound to a replaced call) have their
// new types.
type callTyper struct {
	lib   *funcLib
	expr  *dsl.Expr
	from  *callSite
	env   *nature.Nature
	diags hcl.Diagnostics
	// calls maps the names that replaced calls to the calls' text.
	calls    map[string]string
	replaced bool
}

func (v *callTyper) Reset()             { v.replaced = false }
func (v *callTyper) ShouldRepeat() bool { return v.replaced }

func (v *callTyper) Visit(node *ast.Node) {
	if v.replaced {
		return
	}
	if b, ok := (*node).(*ast.BuiltinNode); ok && (b.Name == "first" || b.Name == "last") && len(b.Arguments) == 1 {
		// expr types these built-ins by Go types, which lose the fields of
		// a list's records: first(contact.companies) is a company.
		if list := b.Arguments[0].Nature(); list.Ref != nil && (list.Kind == reflect.Slice || list.Kind == reflect.Array) {
			v.replace(node, *list.Ref)
		}
		return
	}
	call, ok := (*node).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok {
		return
	}
	uf := v.lib.user[id.Value]
	if uf == nil || uf.prog == nil || uf.prog.prog == nil || len(call.Arguments) != len(uf.decl.Params) {
		return
	}
	args := make([]nature.Nature, len(call.Arguments))
	for i, a := range call.Arguments {
		args[i] = *a.Nature()
	}
	text := v.text(call)
	site := &callSite{text: text, at: v.lib.rangeText(v.expr.RangeOf(call.Location())), from: v.from}
	if v.from != nil && v.from.text == "" { // called by a flow's expression
		site.from, site.flow = nil, v.from.flow
	}
	ret, diags := v.lib.specialize(uf, args, site)
	v.diags = append(v.diags, diags...)
	v.replace(node, ret)
}

// replace puts a name of the given type in place of a call.
func (v *callTyper) replace(node *ast.Node, typ nature.Nature) {
	name := "$call" + strconv.Itoa(len(v.calls))
	v.calls[name] = v.text(*node)
	v.env.Fields[name] = typ
	ast.Patch(node, &ast.IdentifierNode{Value: name})
	v.replaced = true
}

// text is a node's source text, with the calls replaced earlier put back.
func (v *callTyper) text(n ast.Node) string {
	s := n.String()
	for name := len(v.calls) - 1; name >= 0; name-- { // $call10 before $call1
		key := "$call" + strconv.Itoa(name)
		s = strings.ReplaceAll(s, key, v.calls[key])
	}
	return s
}

// specialize checks a function's body for the types of one call's
// arguments, once per function and list of types, and returns the type of
// its value.
func (l *funcLib) specialize(uf *userFunc, args []nature.Nature, site *callSite) (nature.Nature, hcl.Diagnostics) {
	var key strings.Builder
	key.WriteString(uf.decl.Name)
	for _, a := range args {
		key.WriteByte('\x00')
		key.WriteString(natureKey(a))
	}
	if s, ok := l.specs[key.String()]; ok {
		return s.ret, nil // checked (or being checked: functions cannot recurse)
	}
	s := &specialization{}
	l.specs[key.String()] = s
	env := l.p.baseEnv()
	for i, name := range uf.decl.Params {
		env[name] = types.Any
		if a := args[i]; a.Type != nil && !a.Nil {
			env[name] = natureType{a}
		}
	}
	ret, diags := l.checkTyped(uf.decl.Expr, env, nil, site, uf)
	s.ret = ret
	return ret, diags
}

// typedDiagnostic turns an error of the typed check into a diagnostic at
// its place, saying which call it is checked for.
func (l *funcLib) typedDiagnostic(e *dsl.Expr, tree *parser.Tree, err error, typer *callTyper, from *callSite, fn *userFunc) *hcl.Diagnostic {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return nil // not about the source (cannot happen for a checked expression)
	}
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid expression", Detail: exprMessage(fe.Message)}
	rng := e.RangeAt(fe.Line, fe.Column)
	d.Subject = &rng
	where := ""
	if fn != nil {
		where = fmt.Sprintf(" (in the function %q, called as %s)", fn.decl.Name, from)
	} else if from != nil && from.flow != "" {
		where = fmt.Sprintf(" (in flow %q)", from.flow)
	}
	m := unknownFieldRE.FindStringSubmatch(fe.Message)
	if m == nil {
		d.Detail = strings.TrimSuffix(d.Detail, ".") + where + "."
		return d
	}
	d.Summary = "Unknown field"
	field := m[1]
	var what string
	var names []string
	if member := memberAt(tree, fe.Location); member != nil {
		rng := e.RangeOf(member.Property.Location())
		d.Subject = &rng
		what = typer.text(member.Node)
		if base := member.Node.Nature(); base.TypeData != nil {
			names = sortedKeys(base.Fields)
		}
		if _, isCall := typer.calls[identName(member.Node)]; isCall {
			what = "The value of " + what
		} else {
			what = fmt.Sprintf("%q", what)
		}
	}
	if what == "" {
		what = "The value"
	}
	d.Detail = fmt.Sprintf("%s has no field %q%s.", what, field, where)
	if s := connectors.Suggest(field, names); s != "" {
		d.Detail += fmt.Sprintf(" Did you mean %q?", s)
	}
	d.Detail += " A custom property is known once declared (a library's requires block, a connection's property block) or discovered in the account (kopla init)."
	return d
}

func identName(n ast.Node) string {
	if id, ok := n.(*ast.IdentifierNode); ok {
		return id.Value
	}
	return ""
}

// memberAt finds the member read whose property is at loc.
func memberAt(tree *parser.Tree, loc file.Location) *ast.MemberNode {
	if tree == nil || tree.Node == nil {
		return nil
	}
	root := tree.Node
	f := &memberFinder{loc: loc}
	ast.Walk(&root, f)
	return f.found
}

type memberFinder struct {
	loc   file.Location
	found *ast.MemberNode
}

func (f *memberFinder) Visit(node *ast.Node) {
	if m, ok := (*node).(*ast.MemberNode); ok && f.found == nil && m.Property.Location().From == f.loc.From {
		f.found = m
	}
}

// natureKey identifies a type for the specializations' cache: maps by
// their fields, lists by their elements.
func natureKey(n nature.Nature) string {
	var b strings.Builder
	writeNatureKey(&b, n)
	return b.String()
}

func writeNatureKey(b *strings.Builder, n nature.Nature) {
	switch {
	case n.Type == nil:
		b.WriteByte('?')
	case n.Nil:
		b.WriteString("nil")
	case n.Kind == reflect.Map && n.TypeData != nil && n.Fields != nil:
		b.WriteByte('{')
		names := make([]string, 0, len(n.Fields))
		for name := range n.Fields {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			b.WriteString(strconv.Quote(name))
			b.WriteByte(':')
			writeNatureKey(b, n.Fields[name])
			b.WriteByte(',')
		}
		if !n.Strict {
			b.WriteString("...")
			if n.DefaultMapValue != nil {
				writeNatureKey(b, *n.DefaultMapValue)
			}
		}
		b.WriteByte('}')
	case (n.Kind == reflect.Slice || n.Kind == reflect.Array) && n.Ref != nil:
		b.WriteByte('[')
		writeNatureKey(b, *n.Ref)
		b.WriteByte(']')
	default:
		b.WriteString(n.Type.String())
	}
}

// callsUser reports whether an expression calls a user function.
func (l *funcLib) callsUser(node ast.Node) bool {
	v := &callVisitor{user: l.user, calls: map[string]bool{}}
	ast.Walk(&node, v)
	return len(v.calls) > 0
}
