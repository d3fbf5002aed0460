package dsl

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var functionSchema = &bodySchema{
	What:       "a function block",
	Attributes: []string{"params", "expr"},
}

func (l *loader) decodeFunction(blk *hcl.Block) {
	name := blk.Labels[0]
	if prev, dup := l.cfg.Functions[name]; dup {
		l.diags = append(l.diags, duplicate("Duplicate function", fmt.Sprintf("A function %q", name), prev.DeclRange, blk.LabelRanges[0]))
		return
	}
	fn := &Function{Name: name, DeclRange: blk.DefRange}
	l.cfg.Functions[name] = fn
	what := fmt.Sprintf("The function %q", name)
	c, diags := content(blk.Body, functionSchema)
	l.diags = append(l.diags, diags...)
	if attr, ok := c.Attributes["params"]; ok {
		if v, ok := l.literal(attr, cty.List(cty.String)); ok {
			for it := v.ElementIterator(); it.Next(); {
				_, p := it.Element()
				param := p.AsString()
				switch {
				case !validName(param):
					l.diags = append(l.diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Invalid parameter name",
						Detail:   fmt.Sprintf("%q is not a valid parameter name: use letters, digits and underscores, starting with a letter, such as %q.", param, identifierHint(param)),
						Subject:  attr.Expr.Range().Ptr(),
					})
				case slices.Contains(fn.Params, param):
					l.diags = append(l.diags, &hcl.Diagnostic{
						Severity: hcl.DiagError,
						Summary:  "Duplicate parameter",
						Detail:   fmt.Sprintf("%s names the parameter %q twice: rename or remove one.", what, param),
						Subject:  attr.Expr.Range().Ptr(),
					})
				default:
					fn.Params = append(fn.Params, param)
				}
			}
		}
	}
	if attr, ok := c.Attributes["expr"]; ok {
		fn.Expr = l.exprAttr(attr, fn.Params...)
	} else {
		l.diags = append(l.diags, missingArgument(blk, "expr", what, `expr = "..." with the expr-lang expression computing its result`))
	}
}
