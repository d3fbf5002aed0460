package dsl

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// exprAttr reads an attribute holding expr-lang source: a literal string or
// heredoc (a string in JSON), or an unquoted constant (constantExpr). It
// checks the syntax and the var.<name> references; bound names (function
// parameters) shadow var. It returns nil when the attribute holds no valid
// expression.
func (l *loader) exprAttr(attr *hcl.Attribute, bound ...string) *Expr {
	e, diags, isString := newExprFromAttr(attr, l.source(attr.Expr.Range()))
	if !isString {
		return l.constantExpr(attr, bound)
	}
	l.diags = append(l.diags, diags...)
	if e == nil {
		return nil
	}
	l.diags = append(l.diags, checkExpr(e, attr.Name, l.cfg.Variables, bound)...)
	return e
}

// newExprFromAttr reads the expr-lang source of a string attribute: the
// template of a native string or heredoc, or that of a JSON string, which
// must hold no interpolation. isString is false when the attribute is no
// string (a constant).
func newExprFromAttr(attr *hcl.Attribute, src []byte) (e *Expr, diags hcl.Diagnostics, isString bool) {
	rng := attr.Expr.Range()
	switch x := attr.Expr.(type) {
	case *hclsyntax.TemplateExpr, *hclsyntax.TemplateWrapExpr:
		e, diags := newExprFromTemplate(attr.Name, x.(hclsyntax.Expression), rng, src, func(r hcl.Range) hcl.Range { return r })
		return e, diags, true
	case hclsyntax.Expression:
		return nil, nil, false
	}
	s, ok := asJSONString(attr.Expr)
	if !ok {
		return nil, nil, false
	}
	t, diags := s.template()
	if diags.HasErrors() {
		return nil, diags, true
	}
	place := func(r hcl.Range) hcl.Range {
		if s.exact() {
			return r
		}
		return s.rng
	}
	e, diags = newExprFromTemplate(attr.Name, t, rng, src, place)
	return e, diags, true
}

// newExprFromTemplate reads a template without interpolation as expr-lang
// source. place gives the file range of a range inside the template.
func newExprFromTemplate(name string, x hclsyntax.Expression, rng hcl.Range, src []byte, place func(hcl.Range) hcl.Range) (*Expr, hcl.Diagnostics) {
	switch x := x.(type) {
	case *hclsyntax.TemplateExpr:
		for _, part := range x.Parts {
			if _, ok := part.(*hclsyntax.LiteralValueExpr); !ok {
				return nil, hcl.Diagnostics{interpolationDiag(name, place(widenInterpolation(part.Range(), src)))}
			}
		}
	case *hclsyntax.TemplateWrapExpr:
		return nil, hcl.Diagnostics{interpolationDiag(name, rng)}
	}
	v, diags := x.Value(nil)
	if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return nil, diags
	}
	e := &Expr{Source: v.AsString(), Range: rng, start: rng.Start}
	e.locate(src)
	return e, nil
}

// widenInterpolation extends the range of an interpolated expression to its
// ${ and }, so that the whole sequence is marked.
func widenInterpolation(r hcl.Range, src []byte) hcl.Range {
	if r.Start.Byte >= 2 && r.End.Byte < len(src) && r.Start.Line == r.End.Line &&
		string(src[r.Start.Byte-2:r.Start.Byte]) == "${" && src[r.End.Byte] == '}' {
		r.Start.Byte -= 2
		r.Start.Column -= 2
		r.End.Byte++
		r.End.Column++
	}
	return r
}

func interpolationDiag(name string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Interpolation in an expression",
		Detail:   fmt.Sprintf("The value of %s is expr-lang source, evaluated for each record; ${ ... } is HCL template interpolation and is not allowed in it. Write the expression directly (variables are var.name), or write $${ for a literal ${.", name),
		Subject:  rng.Ptr(),
	}
}

// checkExpr parses e with expr-lang's parser and reports a syntax error at
// its exact position, or the var.<name> references to undeclared variables.
// Types and names other than var are the engine's to check: it knows the
// connector schemas.
func checkExpr(e *Expr, what string, vars map[string]*Variable, bound []string) hcl.Diagnostics {
	if strings.TrimSpace(e.Source) == "" {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Empty expression",
			Detail:   fmt.Sprintf("The expression of %s is empty. Write an expr-lang expression, such as source.name, or '' for an empty string.", what),
			Subject:  e.Range.Ptr(),
		}}
	}
	tree, err := parser.ParseWithConfig(e.Source, exprParseConfig())
	if err != nil {
		var ferr *file.Error
		if !errors.As(err, &ferr) {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Invalid expression",
				Detail:   fmt.Sprintf("The expression of %s cannot be parsed: %s.", what, err),
				Subject:  e.Range.Ptr(),
			}}
		}
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid expression",
			Detail:   fmt.Sprintf("The expression of %s cannot be parsed: %s.%s", what, ferr.Message, syntaxHint(ferr.Message)),
			Subject:  e.RangeAt(ferr.Line, ferr.Column).Ptr(),
			Context:  e.Range.Ptr(),
		}}
	}
	if slices.Contains(bound, "var") {
		return nil
	}
	var diags hcl.Diagnostics
	known := slices.Sorted(maps.Keys(vars))
	for _, ref := range varRefs(tree.Node) {
		if _, ok := vars[ref.name]; ok {
			continue
		}
		diags = append(diags, unknownVariable(ref.name, known, e.RangeOf(ref.loc)))
	}
	return diags
}

func syntaxHint(msg string) string {
	switch {
	case strings.Contains(msg, `Operator(":")`):
		return " A closure that returns a map needs two pairs of braces, as in map(xs, {{Name: #.name}}); a map literal elsewhere is written {Name: source.name}."
	case strings.Contains(msg, "literal not terminated"):
		return " Strings in expressions are written in single quotes: 'text'."
	case strings.Contains(msg, `Operator("#")`):
		return " # and #index are only available inside the closure of map, filter, all, any and similar builtins."
	}
	return ""
}

func unknownVariable(name string, known []string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown variable",
		Detail:   fmt.Sprintf("There is no variable named %q. %s with a variable %q { } block.", name, declareHint(name, known), name),
		Subject:  rng.Ptr(),
	}
}

// declareHint starts the advice to declare a missing name, with a
// suggestion when one is close.
func declareHint(name string, known []string) string {
	if s := suggest(name, known); s != "" {
		return fmt.Sprintf("Did you mean %q? Otherwise declare it", s)
	}
	return "Declare it"
}

type varRef struct {
	name string
	loc  file.Location
}

// varRefs lists the var.<name> and var["name"] references of an expr tree,
// in source order, each located from var to the end of the name.
func varRefs(root ast.Node) []varRef {
	v := &varVisitor{}
	ast.Walk(&root, v)
	slices.SortStableFunc(v.refs, func(a, b varRef) int { return a.loc.From - b.loc.From })
	return v.refs
}

type varVisitor struct{ refs []varRef }

func (v *varVisitor) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "var" {
		return
	}
	name, ok := m.Property.(*ast.StringNode)
	if !ok {
		return
	}
	to := name.Location().To
	if m.Property.Location().To > to {
		to = m.Property.Location().To
	}
	v.refs = append(v.refs, varRef{name: name.Value, loc: file.Location{From: id.Location().From, To: to}})
}
