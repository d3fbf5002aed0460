package dsl

import (
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

var settingsSchema = &bodySchema{
	What:       "the kopla block",
	Attributes: []string{"state", "log_retention_days", "include", "read_overlap", "full_read_every", "schedule", "overlap", "ui_token", "ui_password_hash"},
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
	if attr, ok := c.Attributes["schedule"]; ok {
		s.Schedule, s.ScheduleRange = l.schedule(attr)
	}
	if attr, ok := c.Attributes["overlap"]; ok {
		s.Overlap = l.overlap(attr)
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
	l.decodeDuration(c.Attributes["read_overlap"], &s.ReadOverlap, `"5m"`)
	l.decodeDuration(c.Attributes["full_read_every"], &s.FullReadEvery, `"24h", or "0" never to read in full unless -full`)
}

// decodeDuration decodes a duration of the kopla block ("90s", "5m", "24h")
// into dst, leaving dst as it is when attr is nil or bad.
func (l *loader) decodeDuration(attr *hcl.Attribute, dst *time.Duration, example string) {
	if attr == nil {
		return
	}
	v, ok := l.eval(attr, cty.String, "the kopla block")
	if !ok {
		return
	}
	d, err := time.ParseDuration(v.AsString())
	if v.AsString() == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value",
			Detail:   fmt.Sprintf("%s must be a duration such as %s, not %q.", attr.Name, example, v.AsString()),
			Subject:  attr.Expr.Range().Ptr(),
		})
		return
	}
	*dst = d
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
