package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var lookupSchema = &bodySchema{
	What:       "a lookup block",
	Attributes: []string{"values", "default"},
}

func (l *loader) decodeLookup(blk *hcl.Block) {
	name := blk.Labels[0]
	if prev, dup := l.cfg.Lookups[name]; dup {
		l.diags = append(l.diags, duplicate("Duplicate lookup", fmt.Sprintf("A lookup %q", name), prev.DeclRange, blk.LabelRanges[0]))
		return
	}
	lk := &Lookup{Name: name, Values: map[string]any{}, DeclRange: blk.DefRange}
	l.cfg.Lookups[name] = lk
	what := fmt.Sprintf("the lookup %q", name)
	c, diags := content(blk.Body, lookupSchema)
	l.diags = append(l.diags, diags...)
	attr, ok := c.Attributes["values"]
	if !ok {
		l.diags = append(l.diags, missingArgument(blk, "values", capitalize(what), `values = { key = "value" }`))
	} else if v, ok := l.eval(attr, cty.DynamicPseudoType, what); ok {
		if ty := v.Type(); !ty.IsMapType() && !ty.IsObjectType() {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid lookup values",
				Detail:   fmt.Sprintf("values of %s must be a map from keys to values, such as { net_30 = \"30 days\" }.", what),
				Subject:  attr.Expr.Range().Ptr(),
			})
		} else {
			lk.Values, _ = ctyToGo(v).(map[string]any)
		}
	}
	if attr, ok := c.Attributes["default"]; ok {
		if v, ok := l.eval(attr, cty.DynamicPseudoType, what); ok {
			lk.Default = ctyToGo(v)
			lk.HasDefault = true
		}
	}
}
