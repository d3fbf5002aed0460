package dsl

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// constantExpr reads an unquoted value where expr-lang source is expected:
// an HCL literal (IsActive = true), a variable (Status = var.status) or an
// HCL expression over variables only. It is turned into expr-lang source
// with the same value, so that the engine compiles it like any expression:
// a variable stays a var reference (kopla test can override it), anything
// else becomes an expr literal of its value at load. Range is the HCL
// expression. It returns nil, with a diagnostic, when the value reads
// anything but variables; a null literal is the caller's to handle.
func (l *loader) constantExpr(attr *hcl.Attribute, bound []string) *Expr {
	rng := attr.Expr.Range()
	if isNullLiteral(attr.Expr) {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Null value",
			Detail:   fmt.Sprintf("%s = null sets nothing: null removes a field only in a flow or template that extends a template (extends = template.name), to drop what it inherits. Delete the line to leave %s unset.", attr.Name, attr.Name),
			Subject:  rng.Ptr(),
		})
		return nil
	}
	known := mapKeys(l.cfg.Variables)
	ok := true
	strs := inexactStrings(attr.Expr)
	for _, tr := range attr.Expr.Variables() {
		if tr.RootName() != "var" || slices.Contains(bound, "var") {
			l.diags = append(l.diags, notStringDiag(attr, l.source(rng)))
			return nil
		}
		name, isAttr := varName(tr)
		if !isAttr {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid variable reference",
				Detail:   "A variable is read as var.<name>, such as var.order_status.",
				Subject:  tr.SourceRange().Ptr(),
			})
			placeInStrings(l.diags[len(l.diags)-1:], strs)
			ok = false
			continue
		}
		if _, declared := l.cfg.Variables[name]; !declared {
			l.diags = append(l.diags, placeInStrings(hcl.Diagnostics{unknownVariable(name, known, tr.SourceRange())}, strs)...)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	if st, isTraversal := attr.Expr.(*hclsyntax.ScopeTraversalExpr); isTraversal {
		if src, ok := traversalSource(st.Traversal); ok {
			return NewExpr(src, rng)
		}
	}
	val, diags := attr.Expr.Value(l.ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		// Unknown: a variable without a value, which is reported already.
		return nil
	}
	return NewExpr(exprLiteral(val), rng)
}

// varName returns the variable a var.<name> traversal reads.
func varName(tr hcl.Traversal) (string, bool) {
	if len(tr) < 2 {
		return "", false
	}
	switch step := tr[1].(type) {
	case hcl.TraverseAttr:
		return step.Name, true
	case hcl.TraverseIndex:
		if step.Key.Type() == cty.String && step.Key.IsKnown() && !step.Key.IsNull() {
			return step.Key.AsString(), true
		}
	}
	return "", false
}

// traversalSource writes a var traversal (var.x, var.x.y, var.x[0],
// var.x["k"]) as expr-lang source.
func traversalSource(tr hcl.Traversal) (string, bool) {
	var b strings.Builder
	b.WriteString(tr.RootName())
	for _, step := range tr[1:] {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			if validName(s.Name) {
				b.WriteString("." + s.Name)
			} else {
				b.WriteString("[" + strconv.Quote(s.Name) + "]")
			}
		case hcl.TraverseIndex:
			if !s.Key.IsKnown() || s.Key.IsNull() {
				return "", false
			}
			switch s.Key.Type() {
			case cty.String:
				b.WriteString("[" + strconv.Quote(s.Key.AsString()) + "]")
			case cty.Number:
				b.WriteString("[" + exprLiteral(s.Key) + "]")
			default:
				return "", false
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

// exprLiteral writes a known cty value as an expr-lang literal of the same
// value: nil, true, 10, 1.5, "text", [..], {"key": ..}.
func exprLiteral(v cty.Value) string {
	v, _ = v.UnmarkDeep()
	if v.IsNull() {
		return "nil"
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return strconv.Quote(v.AsString())
	case ty == cty.Bool:
		return strconv.FormatBool(v.True())
	case ty == cty.Number:
		bf := v.AsBigFloat()
		if bf.IsInt() {
			if i, acc := bf.Int64(); acc == big.Exact {
				return strconv.FormatInt(i, 10)
			}
		}
		f, _ := bf.Float64()
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		var elems []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			elems = append(elems, exprLiteral(e))
		}
		return "[" + strings.Join(elems, ", ") + "]"
	case ty.IsMapType() || ty.IsObjectType():
		var pairs []string
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			pairs = append(pairs, strconv.Quote(k.AsString())+": "+exprLiteral(e))
		}
		sort.Strings(pairs)
		return "{" + strings.Join(pairs, ", ") + "}"
	}
	return "nil"
}

// notStringDiag reports an unquoted value that reads more than variables,
// such as Name = source.name: expr-lang source must be quoted.
func notStringDiag(attr *hcl.Attribute, src []byte) *hcl.Diagnostic {
	rng := attr.Expr.Range()
	example := `"source.name"`
	if text := strings.TrimSpace(string(rng.SliceBytes(src))); text != "" && !strings.ContainsAny(text, "\"\n\\$") {
		example = fmt.Sprintf("%q", text)
	}
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Expression must be a string",
		Detail: fmt.Sprintf("The value of %s is an expr-lang expression, evaluated for each record: write it as a string, such as %s = %s, or as a heredoc (<<EXPR ... EXPR). "+
			"Unquoted, a value can only be a constant: a literal such as true or 10, or a variable such as var.name.", attr.Name, attr.Name, example),
		Subject: rng.Ptr(),
	}
}
