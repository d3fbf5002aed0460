package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var variableSchema = &bodySchema{
	What:       "a variable block",
	Attributes: []string{"default", "description", "sensitive"},
}

func (l *loader) decodeVariable(blk *hcl.Block) {
	name := blk.Labels[0]
	v := &Variable{Name: name, Default: cty.NilVal, DeclRange: blk.DefRange}
	if prev, dup := l.cfg.Variables[name]; dup {
		l.diags = append(l.diags, duplicate("Duplicate variable", fmt.Sprintf("A variable %q", name), prev.DeclRange, blk.LabelRanges[0]))
		return
	}
	l.cfg.Variables[name] = v
	c, diags := content(blk.Body, variableSchema)
	l.diags = append(l.diags, diags...)
	if attr, ok := c.Attributes["default"]; ok {
		v.Default = cty.DynamicVal
		if diags := constantOnly(attr); diags.HasErrors() {
			l.diags = append(l.diags, diags...)
		} else {
			val, diags := attr.Expr.Value(nil)
			l.diags = append(l.diags, diags...)
			if !diags.HasErrors() {
				v.Default = val
			}
		}
	}
	if attr, ok := c.Attributes["description"]; ok {
		if s, ok := l.literal(attr, cty.String); ok {
			v.Description = s.AsString()
		}
	}
	if attr, ok := c.Attributes["sensitive"]; ok {
		if b, ok := l.literal(attr, cty.Bool); ok {
			v.Sensitive = b.True()
		}
	}
}

// literal evaluates a constant attribute and converts it to ty, reporting
// a typed error at the value.
func (l *loader) literal(attr *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
	if diags := constantOnly(attr); diags.HasErrors() {
		l.diags = append(l.diags, diags...)
		return cty.NilVal, false
	}
	return l.evalAs(attr, ty, nil)
}

// constantOnly reports references and function calls in an attribute that
// must be a constant.
func constantOnly(attr *hcl.Attribute) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, tr := range attr.Expr.Variables() {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Variables not allowed",
			Detail:   fmt.Sprintf("%s is a constant written in the file: it cannot refer to variables or other blocks. Write the value itself.", attr.Name),
			Subject:  tr.SourceRange().Ptr(),
		})
	}
	for _, call := range functionCalls(attr.Expr) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Function calls not allowed",
			Detail:   fmt.Sprintf("%s is a constant written in the file: it cannot call %s(). Write the value itself.", attr.Name, call.Name),
			Subject:  call.Range().Ptr(),
		})
	}
	return placeInStrings(diags, inexactStrings(attr.Expr))
}

// evalAs evaluates attr in ctx and converts it to ty.
func (l *loader) evalAs(attr *hcl.Attribute, ty cty.Type, ctx *hcl.EvalContext) (cty.Value, bool) {
	val, diags := attr.Expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	if val.IsNull() {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing value",
			Detail:   fmt.Sprintf("The argument %s cannot be null: give it a %s value or remove it.", attr.Name, typeName(ty)),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return cty.NilVal, false
	}
	if !val.IsWhollyKnown() {
		// An unknown value comes from a variable or env() that is not set,
		// which is reported where it is read.
		return cty.NilVal, false
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value",
			Detail:   fmt.Sprintf("The argument %s must be a %s, not a %s.", attr.Name, typeName(ty), typeName(val.Type())),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return cty.NilVal, false
	}
	return conv, true
}

func typeName(ty cty.Type) string {
	switch {
	case ty == cty.String:
		return "string"
	case ty == cty.Number:
		return "number"
	case ty == cty.Bool:
		return "bool (true or false)"
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		if ty.IsListType() && ty.ElementType() == cty.String {
			return "list of strings"
		}
		return "list"
	case ty.IsMapType() || ty.IsObjectType():
		return "map"
	}
	return ty.FriendlyName()
}
