package dsl

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var flowSchema = &bodySchema{
	What:       "a flow block",
	Attributes: []string{"extends", "enabled", "source", "target", "include", "where", "key", "mode", "label", "schedule", "overlap"},
	Blocks: []blockSchema{
		{Type: "fields"},
		{Type: "create_only"},
		{Type: "ensure", Labels: []string{"name"}},
		{Type: "skip", Labels: []string{"name"}},
		{Type: "write_back"},
	},
}

var ensureSchema = &bodySchema{
	What:       "an ensure block",
	Attributes: []string{"flow", "id", "ids", "input", "for_each", "mode"},
}

var modes = []string{string(ModeUpsert), string(ModeCreate), string(ModeUpdate)}

// decodeFlowBlock decodes a flow or template block as written, without
// what it inherits: resolveFlows merges the templates in and checks the
// required arguments afterwards.
func (l *loader) decodeFlowBlock(blk *hcl.Block, template bool) *flowDecl {
	d := newFlowDecl(blk, template)
	f := d.flow
	schema := flowSchema
	if template {
		schema = templateSchema
	}
	c, diags := content(blk.Body, schema)
	l.diags = append(l.diags, diags...)
	for name, attr := range c.Attributes {
		d.set[name] = attr.Range
	}
	if attr, ok := c.Attributes["extends"]; ok {
		d.extends, d.extendsRange = l.templateRef(attr)
	}
	if attr, ok := c.Attributes["enabled"]; ok {
		d.enabled = attr
	}

	if attr, ok := c.Attributes["source"]; ok {
		f.Source, _ = l.objectRef(attr)
	}
	if attr, ok := c.Attributes["target"]; ok {
		f.Target, _ = l.objectRef(attr)
	}
	if attr, ok := c.Attributes["include"]; ok {
		f.IncludeRange = attr.Expr.Range()
		if v, ok := l.literal(attr, cty.List(cty.String)); ok {
			for it := v.ElementIterator(); it.Next(); {
				_, s := it.Element()
				f.Include = append(f.Include, s.AsString())
			}
		}
	}
	if attr, ok := c.Attributes["where"]; ok {
		if d.extendsTemplate() && isNullLiteral(attr.Expr) {
			d.removeWhere = true
		} else {
			f.Where = l.exprAttr(attr)
		}
	}
	if attr, ok := c.Attributes["label"]; ok {
		f.Label = l.exprAttr(attr)
	}
	if attr, ok := c.Attributes["key"]; ok {
		f.KeyRange = attr.Expr.Range()
		if v, ok := l.literal(attr, cty.String); ok {
			if v.AsString() == "" {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid key",
					Detail:   "key names the target field that identifies a record, such as key = \"email\"; it cannot be empty.",
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
			f.Key = v.AsString()
		}
	}
	if attr, ok := c.Attributes["schedule"]; ok {
		f.Schedule, f.ScheduleRange = l.schedule(attr)
	}
	if attr, ok := c.Attributes["overlap"]; ok {
		f.Overlap = l.overlap(attr)
	}
	if attr, ok := c.Attributes["mode"]; ok {
		f.ModeRange = attr.Expr.Range()
		if v, ok := l.literal(attr, cty.String); ok {
			if m := v.AsString(); slices.Contains(modes, m) {
				f.Mode = Mode(m)
			} else {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid mode",
					Detail:   fmt.Sprintf("mode must be %s (upsert creates missing records and updates existing ones, create skips existing ones, update never creates), not %q.%s", quoteList(modes), m, didYouMean(m, modes, nil)),
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
		}
	}

	var fieldsBlk, createOnlyBlk *hcl.Block
	ensures := map[string]*Ensure{}
	skips := map[string]*Skip{}
	for _, b := range c.Blocks {
		switch b.Type {
		case "fields", "create_only":
			first := &fieldsBlk
			if b.Type == "create_only" {
				first = &createOnlyBlk
			}
			what := "flow"
			if template {
				what = "template"
			}
			if *first != nil {
				l.diags = append(l.diags, duplicateFix("Duplicate "+b.Type+" block", fmt.Sprintf("A %s block of this %s", b.Type, what), (*first).DefRange, b.DefRange, fmt.Sprintf("A %s has at most one %s block: merge the two.", what, b.Type)))
				continue
			}
			*first = b
			ms := l.mappings(b, d)
			if b.Type == "fields" {
				f.Fields = ms
			} else {
				f.CreateOnly = ms
			}
		case "ensure":
			ename := b.Labels[0]
			if prev, dup := ensures[ename]; dup {
				l.diags = append(l.diags, duplicate("Duplicate ensure block", fmt.Sprintf("An ensure %q block of this flow", ename), prev.DeclRange, b.LabelRanges[0]))
				continue
			}
			e := l.decodeEnsure(b)
			ensures[ename] = e
			f.Ensures = append(f.Ensures, e)
		case "skip":
			sname := b.Labels[0]
			if prev, dup := skips[sname]; dup {
				l.diags = append(l.diags, duplicate("Duplicate skip block", fmt.Sprintf("A skip %q block of this flow", sname), prev.DeclRange, b.LabelRanges[0]))
				continue
			}
			s := l.decodeSkip(b)
			skips[sname] = s
			f.Skips = append(f.Skips, s)
		case "write_back":
			l.decodeWriteBack(f, b)
		}
	}

	mapped := map[string]hcl.Range{}
	for _, b := range []*hcl.Block{fieldsBlk, createOnlyBlk} {
		if b == nil {
			continue
		}
		attrs, _ := b.Body.JustAttributes() // blocks in it are reported by mappings
		for _, attr := range sortedAttributes(attrs) {
			if prev, dup := mapped[attr.Name]; dup {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Duplicate field",
					Detail:   fmt.Sprintf("The field %q is already set in the fields block at %s. A field is written either on every update (fields) or only on create (create_only): remove one of the two.", attr.Name, shortRange(prev)),
					Subject:  attr.NameRange.Ptr(),
				})
				continue
			}
			mapped[attr.Name] = attr.NameRange
		}
	}
	return d
}

// objectRef reads a kind.connection.object reference without evaluating it.
func (l *loader) objectRef(attr *hcl.Attribute) (ObjectRef, bool) {
	bad := func(rng hcl.Range, detail string) (ObjectRef, bool) {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid object reference",
			Detail:   detail,
			Subject:  rng.Ptr(),
		})
		return ObjectRef{}, false
	}
	usage := fmt.Sprintf("%s must be a reference kind.connection.object, such as %s = hubspot.shop.contacts.", attr.Name, attr.Name)
	if v, ok := isStringLiteral(attr.Expr); ok {
		return bad(attr.Expr.Range(), fmt.Sprintf("%s Write it without quotes: %s = %s.", usage, attr.Name, v))
	}
	tr, diags := traversalOf(attr.Expr)
	if diags.HasErrors() {
		return bad(attr.Expr.Range(), usage)
	}
	if len(tr) != 3 {
		return bad(tr.SourceRange(), usage)
	}
	var steps [2]string
	for i, step := range tr[1:] {
		a, ok := step.(hcl.TraverseAttr)
		if !ok {
			return bad(tr.SourceRange(), usage)
		}
		steps[i] = a.Name
	}
	return ObjectRef{Kind: tr.RootName(), Connection: steps[0], Object: steps[1], Range: tr.SourceRange()}, true
}

// mappings reads a fields or create_only block: target field = expression.
// d is the flow or template declaration the block belongs to, nil for the
// fields of a write_back block.
// In a block that extends a template, Field = null removes the inherited
// field (d.removed).
func (l *loader) mappings(b *hcl.Block, d *flowDecl) []*Mapping {
	attrs, diags := attributesOnly(b.Body, func(nested *hclsyntax.Block) *hcl.Diagnostic {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unexpected block",
			Detail:   fmt.Sprintf("A %s block holds only field = \"expression\" lines. To write a nested value, use an expr-lang map literal: %s = \"{Name: source.name}\".", b.Type, nested.Type),
			Subject:  nested.DefRange().Ptr(),
		}
	})
	l.diags = append(l.diags, diags...)
	var ms []*Mapping
	for _, attr := range attrs {
		if d == nil { // a write_back's fields: nothing to merge
			if e := l.exprAttr(attr); e != nil {
				ms = append(ms, &Mapping{Field: attr.Name, NameRange: attr.NameRange, Expr: e})
			}
			continue
		}
		d.fieldNames[attr.Name] = true
		if d.extendsTemplate() && isNullLiteral(attr.Expr) {
			d.removed[attr.Name] = attr.Expr.Range()
			continue
		}
		e := l.exprAttr(attr)
		if e == nil {
			continue
		}
		ms = append(ms, &Mapping{Field: attr.Name, NameRange: attr.NameRange, Expr: e})
	}
	return ms
}

func (l *loader) decodeEnsure(b *hcl.Block) *Ensure {
	e := &Ensure{Name: b.Labels[0], DeclRange: b.DefRange}
	what := fmt.Sprintf("The ensure %q block", e.Name)
	c, diags := content(b.Body, ensureSchema)
	l.diags = append(l.diags, diags...)
	if attr, ok := c.Attributes["flow"]; ok {
		e.FlowRange = attr.Expr.Range()
		tr, diags := traversalOf(attr.Expr)
		step, isAttr := hcl.TraverseAttr{}, false
		if !diags.HasErrors() && len(tr) == 2 {
			step, isAttr = tr[1].(hcl.TraverseAttr)
		}
		if !isAttr || tr.RootName() != "flow" {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid flow reference",
				Detail:   "flow must name another flow as flow.<name>, such as flow = flow.contacts_to_customers.",
				Subject:  attr.Expr.Range().Ptr(),
			})
		} else {
			e.Flow = step.Name
		}
	} else {
		l.diags = append(l.diags, missingArgument(b, "flow", what, "flow = flow.<name>, the flow that creates or updates the record first"))
	}
	// The arguments that say which records to ensure, in the order of the
	// file: the first one counts, each further one is a conflict.
	var chosen *hcl.Attribute
	for _, attr := range sortedAttributes(c.Attributes) {
		var dst **Expr
		switch attr.Name {
		case "id":
			dst = &e.ID
		case "ids":
			dst = &e.IDs
		case "input":
			dst = &e.Input
		case "for_each":
			dst = &e.ForEach
		default:
			continue
		}
		if chosen != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Conflicting arguments",
				Detail:   fmt.Sprintf("An ensure block has one of id (a source record id of the flow it ensures), ids (a list of them), input (one record built here) or for_each (a list of them); this one has %s at %s too: remove one.", chosen.Name, shortRange(chosen.NameRange)),
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		chosen = attr
		*dst = l.exprAttr(attr)
	}
	if attr, ok := c.Attributes["mode"]; ok {
		e.ModeRange = attr.Expr.Range()
		if v, ok := l.literal(attr, cty.String); ok {
			if m := v.AsString(); m == string(ModeCreate) {
				e.Mode = ModeCreate
			} else {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Invalid mode",
					Detail:   fmt.Sprintf("The mode of an ensure block can only be \"create\" (create the record when it is missing, use an existing one as it is), not %q. Without mode, the ensured flow's own mode applies.", m),
					Subject:  attr.Expr.Range().Ptr(),
				})
			}
		}
	}
	if chosen == nil {
		l.diags = append(l.diags, missingArgument(b, "id, ids, input or for_each", what, `one of them: id = "<expression>" for the source record of that flow with this id, ids = "<expression>" for a list of such ids, input = "<expression>" for one record built here or for_each = "<expression>" for a list of them`))
	}
	return e
}
