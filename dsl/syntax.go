package dsl

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// The loader decodes native (*.hcl) and JSON (*.hcl.json) files alike,
// through hcl.Body and hcl.Expression. Where kopla checks an expression
// itself (the expr-lang source of a string, the function calls of a
// setting, a reference), the helpers here give it the native syntax of the
// expression: itself in a native file, and in a JSON file what HCL's JSON
// conventions make of a string: a template, or a traversal where a
// reference is expected.

// jsonString is a string value of a JSON file.
type jsonString struct {
	value string
	// rng is the whole string, quotes included.
	rng hcl.Range
}

// asJSONString returns e as a string of a JSON file; ok is false for a
// native expression and for any other JSON value.
func asJSONString(e hcl.Expression) (s jsonString, ok bool) {
	if _, native := e.(hclsyntax.Expression); native {
		return jsonString{}, false
	}
	v, diags := e.Value(nil) // without a context, JSON strings are read verbatim
	if diags.HasErrors() || !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return jsonString{}, false
	}
	return jsonString{value: v.AsString(), rng: e.Range()}, true
}

// exact reports whether the columns of the string's content are those of
// the file: it has no escape (each is longer than what it stands for).
func (s jsonString) exact() bool {
	return s.rng.Start.Line == s.rng.End.Line && s.rng.End.Byte-s.rng.Start.Byte == len(s.value)+2
}

// start is the position of the content's first character.
func (s jsonString) start() hcl.Pos {
	p := s.rng.Start
	p.Byte++
	p.Column++
	return p
}

// template parses the string as the HCL template it stands for.
func (s jsonString) template() (hclsyntax.Expression, hcl.Diagnostics) {
	expr, diags := hclsyntax.ParseTemplate([]byte(s.value), s.rng.Filename, s.start())
	return expr, s.place(diags)
}

// place moves the subjects of diags onto the whole string when positions
// inside it are not exact.
func (s jsonString) place(diags hcl.Diagnostics) hcl.Diagnostics {
	if s.exact() {
		return diags
	}
	return placeInStrings(diags, []hcl.Range{s.rng})
}

// inexactStrings lists the strings of a JSON value whose content positions
// are not exact: diagnostics inside them go on the whole string.
func inexactStrings(e hcl.Expression) []hcl.Range {
	var out []hcl.Range
	walkJSON(e, nil, func(s jsonString) {
		if !s.exact() {
			out = append(out, s.rng)
		}
	})
	return out
}

// walkJSON calls native for each native expression within e and str for
// each string of a JSON value, through lists and objects.
func walkJSON(e hcl.Expression, native func(hclsyntax.Expression), str func(jsonString)) {
	if x, ok := e.(hclsyntax.Expression); ok {
		if native != nil {
			native(x)
		}
		return
	}
	if s, ok := asJSONString(e); ok {
		str(s)
		return
	}
	if items, diags := hcl.ExprList(e); !diags.HasErrors() {
		for _, it := range items {
			walkJSON(it, native, str)
		}
		return
	}
	if pairs, diags := hcl.ExprMap(e); !diags.HasErrors() {
		for _, p := range pairs {
			walkJSON(p.Key, native, str)
			walkJSON(p.Value, native, str)
		}
	}
}

// placeInStrings moves the subject of each diagnostic that starts inside
// one of strs onto that whole string.
func placeInStrings(diags hcl.Diagnostics, strs []hcl.Range) hcl.Diagnostics {
	if len(strs) == 0 {
		return diags
	}
	for _, d := range diags {
		if d.Subject == nil {
			continue
		}
		for _, r := range strs {
			if d.Subject.Filename == r.Filename && r.ContainsOffset(d.Subject.Start.Byte) {
				whole := r
				d.Subject = &whole
				break
			}
		}
	}
	return diags
}

// traversalOf reads a reference, such as hubspot.shop.contacts: a
// traversal in native syntax, a string holding one in JSON.
func traversalOf(e hcl.Expression) (hcl.Traversal, hcl.Diagnostics) {
	s, ok := asJSONString(e)
	if !ok {
		return hcl.AbsTraversalForExpr(e)
	}
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(s.value), s.rng.Filename, s.start())
	if diags.HasErrors() || s.exact() {
		return tr, diags
	}
	for i, step := range tr {
		switch t := step.(type) {
		case hcl.TraverseRoot:
			t.SrcRange = s.rng
			tr[i] = t
		case hcl.TraverseAttr:
			t.SrcRange = s.rng
			tr[i] = t
		case hcl.TraverseIndex:
			t.SrcRange = s.rng
			tr[i] = t
		case hcl.TraverseSplat:
			t.SrcRange = s.rng
			tr[i] = t
		}
	}
	return tr, diags
}

// functionCalls returns the function calls of e, outermost first: those of
// a native expression, or of the templates of a JSON value's strings.
func functionCalls(e hcl.Expression) []*hclsyntax.FunctionCallExpr {
	var calls []*hclsyntax.FunctionCallExpr
	visit := func(x hclsyntax.Expression) {
		_ = hclsyntax.VisitAll(x, func(n hclsyntax.Node) hcl.Diagnostics {
			if call, ok := n.(*hclsyntax.FunctionCallExpr); ok {
				calls = append(calls, call)
			}
			return nil
		})
	}
	walkJSON(e, visit, func(s jsonString) {
		if t, diags := s.template(); !diags.HasErrors() {
			visit(t)
		}
	})
	return calls
}

// isNullLiteral reports whether e is the literal null.
func isNullLiteral(e hcl.Expression) bool {
	if lit, ok := e.(*hclsyntax.LiteralValueExpr); ok {
		return lit.Val.IsNull()
	}
	if _, native := e.(hclsyntax.Expression); native {
		return false
	}
	v, diags := e.Value(nil)
	return !diags.HasErrors() && v.IsNull()
}

// isStringLiteral reports whether e is a quoted string without
// interpolation in native syntax, for advice such as "write it without
// quotes": in JSON, every reference is a string.
func isStringLiteral(e hcl.Expression) (string, bool) {
	t, ok := e.(*hclsyntax.TemplateExpr)
	if !ok || !t.IsStringLiteral() {
		return "", false
	}
	v, _ := t.Value(nil)
	return v.AsString(), true
}

// isJSONFile reports whether a file is read with the JSON syntax.
func isJSONFile(name string) bool { return strings.HasSuffix(name, ".json") }
