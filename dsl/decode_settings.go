package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var settingsSchema = &bodySchema{
	What:       "the kopla block",
	Attributes: []string{"state", "log_retention_days", "include", "ui_token", "ui_password_hash"},
}

func (l *loader) decodeSettings(blk *hcl.Block) {
	s := l.cfg.Settings
	s.DeclRange = blk.DefRange
	s.BlockRange = blockRange(blk)
	c, diags := content(blk.Body, settingsSchema)
	l.diags = append(l.diags, diags...)
	if attr, ok := c.Attributes["state"]; ok {
		if v, ok := l.eval(attr, cty.String, "the kopla block"); ok {
			if v.AsString() == "" {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid value",
					Detail:   fmt.Sprintf("state cannot be empty: remove it to use the default %q.", DefaultState),
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				s.State = v.AsString()
			}
		}
	}
	l.decodeUISettings(c.Attributes)
	if attr, ok := c.Attributes["log_retention_days"]; ok {
		if v, ok := l.eval(attr, cty.Number, "the kopla block"); ok {
			days, acc := v.AsBigFloat().Int64()
			if !v.AsBigFloat().IsInt() || days < 1 || acc != 0 {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid value",
					Detail:   "log_retention_days must be a whole number of days, at least 1.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			} else {
				s.LogRetentionDays = int(days)
			}
		}
	}
}

// eval checks and evaluates an HCL expression that may use var.<name> and
// the HCL functions, converting it to ty.
func (l *loader) eval(attr *hcl.Attribute, ty cty.Type, what string) (cty.Value, bool) {
	diags := checkExpression(attr.Expr, what, l.cfg.Variables, l.ctx, l.lookupEnv)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return l.evalAs(attr, ty, l.ctx)
}
