package dsl

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// Skip is a `skip "name" { when = "<expr>"  reason = "<expr>" }` block of a
// flow: a record for which when is true is skipped before anything is
// ensured, looked up or written for it, and the plan shows why. Where a
// where leaves records out silently (they are only counted), a skip says,
// record by record, what the plan reader must know: "booked already as
// eAccounting invoice 1042".
type Skip struct {
	Name string
	// When selects the records skipped; it sees what a where sees.
	When *Expr
	// Reason, when set, computes the text the plan shows (a string);
	// without it the plan shows the block's name.
	Reason    *Expr
	DeclRange hcl.Range
}

var skipSchema = &bodySchema{
	What:       "a skip block",
	Attributes: []string{"when", "reason"},
}

func (l *loader) decodeSkip(b *hcl.Block) *Skip {
	s := &Skip{Name: b.Labels[0], DeclRange: b.DefRange}
	c, diags := content(b.Body, skipSchema)
	l.diags = append(l.diags, diags...)
	if attr, ok := c.Attributes["when"]; ok {
		s.When = l.exprAttr(attr)
	} else {
		l.diags = append(l.diags, missingArgument(b, "when", fmt.Sprintf("The skip %q block", s.Name),
			`when = "<expression>", true for the records to skip, such as when = "len(source.line_items ?? []) == 0"`))
	}
	if attr, ok := c.Attributes["reason"]; ok {
		s.Reason = l.exprAttr(attr)
	}
	return s
}

// mergeSkips replaces the inherited skip blocks own has a block of the same
// label for, and adds own's other blocks after them.
func mergeSkips(inherited, own []*Skip) []*Skip {
	byName := map[string]*Skip{}
	for _, s := range own {
		byName[s.Name] = s
	}
	var out []*Skip
	placed := map[string]bool{}
	for _, s := range inherited {
		if o, ok := byName[s.Name]; ok {
			out = append(out, o)
			placed[s.Name] = true
			continue
		}
		out = append(out, s)
	}
	for _, s := range own {
		if !placed[s.Name] {
			out = append(out, s)
		}
	}
	return out
}
