package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/kopla-dev/kopla/schedule"
)

// overlaps are the overlap policies of a schedule.
var overlaps = []string{"buffer", "skip"}

// schedule decodes a schedule attribute: a literal string that package
// schedule accepts.
func (l *loader) schedule(attr *hcl.Attribute) (string, hcl.Range) {
	rng := attr.Expr.Range()
	v, ok := l.literal(attr, cty.String)
	if !ok {
		return "", rng
	}
	if _, err := schedule.Parse(v.AsString()); err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid schedule",
			Detail:   fmt.Sprintf("schedule %s.", err),
			Subject:  rng.Ptr(),
		})
		return "", rng
	}
	return v.AsString(), rng
}

// overlap decodes an overlap attribute.
func (l *loader) overlap(attr *hcl.Attribute) string {
	v, ok := l.literal(attr, cty.String)
	if !ok {
		return ""
	}
	for _, o := range overlaps {
		if v.AsString() == o {
			return o
		}
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid overlap",
		Detail:   fmt.Sprintf("overlap must be %s (buffer queues one run behind the one in progress, skip drops the tick), not %q.%s", quoteList(overlaps), v.AsString(), didYouMean(v.AsString(), overlaps, nil)),
		Subject:  attr.Expr.Range().Ptr(),
	})
	return ""
}
