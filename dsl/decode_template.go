package dsl

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// templateSchema is flowSchema under another name: a template holds
// whatever a flow holds, all of it optional.
var templateSchema = &bodySchema{
	What:       "a template block",
	Attributes: flowSchema.Attributes,
	Blocks:     flowSchema.Blocks,
}

// flowDecl is a flow or template block decoded as written, before the
// templates it extends are merged in.
type flowDecl struct {
	name     string
	blk      *hcl.Block
	template bool
	// flow holds what the block sets; its ranges are where each value was
	// written, so that a merged flow keeps them.
	flow *Flow
	// set has the range of every argument the block writes, even one whose
	// value is invalid (it is reported, and must not also be "missing").
	set map[string]hcl.Range
	// fieldNames are the fields the block writes in fields or create_only,
	// removed those it sets to null; removeWhere is where = null.
	fieldNames  map[string]bool
	removed     map[string]hcl.Range
	removeWhere bool
	// extends names the template (empty when the reference is invalid).
	extends      string
	extendsRange hcl.Range
	enabled      *hcl.Attribute
}

func newFlowDecl(blk *hcl.Block, template bool) *flowDecl {
	return &flowDecl{
		name:       blk.Labels[0],
		blk:        blk,
		template:   template,
		flow:       &Flow{Name: blk.Labels[0], DeclRange: blk.DefRange},
		set:        map[string]hcl.Range{},
		fieldNames: map[string]bool{},
		removed:    map[string]hcl.Range{},
	}
}

// extendsTemplate reports whether the block has an extends argument.
func (d *flowDecl) extendsTemplate() bool {
	_, ok := d.set["extends"]
	return ok
}

func (d *flowDecl) what() string {
	if d.template {
		return fmt.Sprintf("The template %q", d.name)
	}
	return fmt.Sprintf("The flow %q", d.name)
}

// flowDecls are the flow and template blocks of a project, in file order.
type flowDecls struct {
	flows, templates []*flowDecl
	byFlow           map[string]*flowDecl
	byTemplate       map[string]*flowDecl
	// merged memoises resolved templates; failed ones resolve with ok false.
	merged map[string]resolvedDecl
	cycles map[string]bool
}

type resolvedDecl struct {
	decl *flowDecl
	// chain names the templates merged in, nearest first.
	chain []string
	ok    bool
}

// declareFlow decodes a flow or template block, unless its name is taken.
func (l *loader) declareFlow(blk *hcl.Block) {
	if l.decls == nil {
		l.decls = &flowDecls{byFlow: map[string]*flowDecl{}, byTemplate: map[string]*flowDecl{}, merged: map[string]resolvedDecl{}, cycles: map[string]bool{}}
	}
	name, template := blk.Labels[0], blk.Type == "template"
	byName, summary, what := l.decls.byFlow, "Duplicate flow", fmt.Sprintf("A flow %q", name)
	if template {
		byName, summary, what = l.decls.byTemplate, "Duplicate template", fmt.Sprintf("A template %q", name)
	}
	if prev, dup := byName[name]; dup {
		l.diags = append(l.diags, duplicate(summary, what, prev.blk.DefRange, blk.LabelRanges[0]))
		return
	}
	d := l.decodeFlowBlock(blk, template)
	byName[name] = d
	if template {
		l.decls.templates = append(l.decls.templates, d)
	} else {
		l.decls.flows = append(l.decls.flows, d)
	}
}

// resolveFlows merges every flow with the templates it extends, checks
// what a flow must have, evaluates enabled, and fills Config.Flows and
// Config.Templates.
func (l *loader) resolveFlows() {
	ds := l.decls
	if ds == nil {
		return
	}
	for _, t := range ds.templates {
		r := l.resolve(t, []string{t.name})
		l.cfg.Templates[t.name] = &Template{Name: t.name, Extends: r.chain, DeclRange: t.blk.DefRange}
		if t.enabled != nil {
			// Checked here too, so that an unused template is checked.
			l.evalEnabled(t.enabled)
		}
	}
	for _, d := range ds.flows {
		r := l.resolve(d, nil)
		f := r.decl.flow
		f.Name, f.DeclRange, f.Templates = d.name, d.blk.DefRange, r.chain
		if f.Mode == "" {
			f.Mode = ModeUpsert
		}
		if r.ok {
			l.checkRequired(d, r)
		}
		f.Enabled = true
		if e := r.decl.enabled; e != nil {
			f.EnabledRange = e.Expr.Range()
			f.Enabled, f.DisabledReason = l.evalEnabled(e)
		}
		l.disableUnlisted(f, d.blk)
		l.cfg.Flows[d.name] = f
	}
	l.checkLibraryFlows()
}

// resolve merges d with the templates it extends. stack holds the
// templates being resolved, for cycles.
func (l *loader) resolve(d *flowDecl, stack []string) resolvedDecl {
	ds := l.decls
	if d.template {
		if r, done := ds.merged[d.name]; done {
			return r
		}
	}
	r := l.resolveUncached(d, stack)
	if d.template {
		ds.merged[d.name] = r
	}
	return r
}

func (l *loader) resolveUncached(d *flowDecl, stack []string) resolvedDecl {
	ds := l.decls
	if !d.extendsTemplate() {
		return resolvedDecl{decl: d, ok: true}
	}
	if d.extends == "" {
		// An invalid reference, reported by templateRef.
		return resolvedDecl{decl: d}
	}
	base, found := ds.byTemplate[d.extends]
	if !found {
		detail := fmt.Sprintf("There is no template named %q.%s Declare it with a template %q { ... } block.", d.extends, didYouMean(d.extends, mapKeys(ds.byTemplate), nil), d.extends)
		if _, isFlow := ds.byFlow[d.extends]; isFlow {
			detail = fmt.Sprintf("extends names a template, and %q is a flow. A flow cannot be extended: move what the flows share into a template %q { ... } block, and extend that in both.", d.extends, d.extends)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown template", Detail: detail, Subject: d.extendsRange.Ptr()})
		return resolvedDecl{decl: d}
	}
	if i := slices.Index(stack, d.extends); i >= 0 {
		cycle := append(slices.Clone(stack[i:]), d.extends)
		if key := canonicalCycle(cycle[:len(cycle)-1]); !ds.cycles[key] {
			ds.cycles[key] = true
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cycle between templates",
				Detail:   fmt.Sprintf("The templates extend each other in a cycle: %s. A template cannot inherit from itself: remove one of these extends arguments.", strings.Join(cycle, " -> ")),
				Subject:  d.extendsRange.Ptr(),
			})
		}
		return resolvedDecl{decl: d}
	}
	br := l.resolve(base, append(slices.Clone(stack), d.extends))
	return resolvedDecl{
		decl:  l.merge(br.decl, d),
		chain: append([]string{base.name}, br.chain...),
		ok:    br.ok,
	}
}

// merge returns own with what it inherits from base, as Terraform merges
// override files: own arguments win; fields and create_only merge by field
// name (a field own writes in either block replaces the inherited one in
// both); ensure and skip blocks merge by label.
func (l *loader) merge(base, own *flowDecl) *flowDecl {
	f := *base.flow
	o := own.flow
	m := &flowDecl{
		name: own.name, blk: own.blk, template: own.template, flow: &f,
		set: map[string]hcl.Range{}, fieldNames: map[string]bool{}, removed: map[string]hcl.Range{},
		extends: own.extends, extendsRange: own.extendsRange, enabled: base.enabled,
	}
	for _, set := range []map[string]hcl.Range{base.set, own.set} {
		for k, v := range set {
			m.set[k] = v
		}
	}
	for _, set := range []map[string]bool{base.fieldNames, own.fieldNames} {
		for k := range set {
			m.fieldNames[k] = true
		}
	}
	if _, ok := own.set["source"]; ok {
		f.Source = o.Source
	}
	if _, ok := own.set["target"]; ok {
		f.Target = o.Target
	}
	if _, ok := own.set["include"]; ok {
		f.Include, f.IncludeRange = o.Include, o.IncludeRange
	}
	if _, ok := own.set["where"]; ok {
		f.Where = o.Where
	}
	if _, ok := own.set["label"]; ok {
		f.Label = o.Label
	}
	if _, ok := own.set["key"]; ok {
		f.Key, f.KeyRange = o.Key, o.KeyRange
	}
	if _, ok := own.set["mode"]; ok {
		f.Mode, f.ModeRange = o.Mode, o.ModeRange
	}
	if _, ok := own.set["schedule"]; ok {
		f.Schedule, f.ScheduleRange = o.Schedule, o.ScheduleRange
	}
	if _, ok := own.set["overlap"]; ok {
		f.Overlap = o.Overlap
	}
	if own.enabled != nil {
		m.enabled = own.enabled
	}
	for name, rng := range own.removed {
		if !base.fieldNames[name] {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Nothing to remove",
				Detail:   fmt.Sprintf("%s = null removes an inherited field, but the template %q sets no field %s. Delete the line.", name, own.extends, name),
				Subject:  rng.Ptr(),
			})
		}
		delete(m.fieldNames, name)
	}
	f.Fields = mergeMappings(base.flow.Fields, o.Fields, own.fieldNames)
	f.CreateOnly = mergeMappings(base.flow.CreateOnly, o.CreateOnly, own.fieldNames)
	f.Ensures = mergeEnsures(base.flow.Ensures, o.Ensures)
	f.Skips = mergeSkips(base.flow.Skips, o.Skips)
	if o.WriteBack != nil { // a write_back block is replaced as a whole
		f.WriteBack = o.WriteBack
	}
	return m
}

// mergeMappings keeps the inherited mappings own does not write (own
// names the fields own writes in either block, or removes), with own's
// mappings in the place of those it replaces in the same block and its new
// ones after them.
func mergeMappings(inherited, own []*Mapping, ownNames map[string]bool) []*Mapping {
	byField := map[string]*Mapping{}
	for _, m := range own {
		byField[m.Field] = m
	}
	var out []*Mapping
	placed := map[string]bool{}
	for _, m := range inherited {
		if o, ok := byField[m.Field]; ok {
			out = append(out, o)
			placed[m.Field] = true
			continue
		}
		if !ownNames[m.Field] {
			out = append(out, m)
		}
	}
	for _, m := range own {
		if !placed[m.Field] {
			out = append(out, m)
		}
	}
	return out
}

// mergeEnsures replaces the inherited ensure blocks own has a block of the
// same label for, as a whole, and adds own's other blocks after them.
func mergeEnsures(inherited, own []*Ensure) []*Ensure {
	byName := map[string]*Ensure{}
	for _, e := range own {
		byName[e.Name] = e
	}
	var out []*Ensure
	placed := map[string]bool{}
	for _, e := range inherited {
		if o, ok := byName[e.Name]; ok {
			out = append(out, o)
			placed[e.Name] = true
			continue
		}
		out = append(out, e)
	}
	for _, e := range own {
		if !placed[e.Name] {
			out = append(out, e)
		}
	}
	return out
}

// checkRequired reports the required arguments that neither the flow nor
// its templates set, on the flow block.
func (l *loader) checkRequired(d *flowDecl, r resolvedDecl) {
	required := []struct{ name, example string }{
		{"source", "source = kind.connection.object, naming the object its records are read from, such as source = hubspot.shop.contacts"},
		{"target", "target = kind.connection.object, naming the object its records are written to, such as target = eaccounting.books.customers"},
		{"key", "key = \"<target field>\", the target field that identifies a record, such as key = \"email\""},
	}
	for _, req := range required {
		if _, ok := r.decl.set[req.name]; ok {
			continue
		}
		if len(r.chain) == 0 {
			l.diags = append(l.diags, missingArgument(d.blk, req.name, d.what(), req.example))
			continue
		}
		which := "its template " + quoteList(r.chain[:1])
		if len(r.chain) > 1 {
			which = "its templates " + strings.Join(quoted(r.chain), ", ")
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing required argument",
			Detail:   fmt.Sprintf("Neither the flow %q nor %s set %s: add %s, in the flow or in a template.", d.name, which, req.name, req.example),
			Subject:  d.blk.DefRange.Ptr(),
		})
	}
}

func quoted(names []string) []string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return q
}

// templateRef reads extends = template.<name>.
func (l *loader) templateRef(attr *hcl.Attribute) (string, hcl.Range) {
	rng := attr.Expr.Range()
	usage := "extends names a template as template.<name>, such as extends = template.orders."
	if v, ok := isStringLiteral(attr.Expr); ok {
		usage += fmt.Sprintf(" Write it without quotes: extends = template.%s.", v)
	}
	tr, diags := traversalOf(attr.Expr)
	if !diags.HasErrors() && len(tr) == 2 && tr.RootName() == "template" {
		if step, ok := tr[1].(hcl.TraverseAttr); ok {
			return step.Name, rng
		}
	}
	l.diags = append(l.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Invalid template reference",
		Detail:   usage,
		Subject:  rng.Ptr(),
	})
	return "", rng
}

// evalEnabled evaluates enabled = <HCL expression over var.*> and, when it
// is false, says why: `enabled = var.target == "order" is false (target =
// "draft")`. A problem is reported and counts as enabled, so that it does
// not also hide the flow.
func (l *loader) evalEnabled(attr *hcl.Attribute) (enabled bool, reason string) {
	rng := attr.Expr.Range()
	known := mapKeys(l.cfg.Variables)
	var vars []string
	ok := true
	before := len(l.diags)
	for _, tr := range attr.Expr.Variables() {
		if tr.RootName() != "var" {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid enabled",
				Detail:   fmt.Sprintf("enabled is evaluated once, when the project loads, so it can read only variables (var.name) and constants, not %s. To leave out some records, use where.", tr.RootName()),
				Subject:  tr.SourceRange().Ptr(),
			})
			ok = false
			continue
		}
		name, isName := varName(tr)
		if !isName {
			continue
		}
		if _, declared := l.cfg.Variables[name]; !declared {
			l.diags = append(l.diags, unknownVariable(name, known, tr.SourceRange()))
			ok = false
			continue
		}
		if !slices.Contains(vars, name) {
			vars = append(vars, name)
		}
	}
	placeInStrings(l.diags[before:], inexactStrings(attr.Expr))
	if !ok {
		return true, ""
	}
	val, diags := attr.Expr.Value(l.ctx)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return true, ""
	}
	val, _ = val.UnmarkDeep()
	if val.IsNull() || val.Type() != cty.Bool {
		what := "null"
		if !val.IsNull() {
			what = "a " + typeName(val.Type())
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid enabled",
			Detail:   fmt.Sprintf("enabled must be true or false, or an expression over variables that gives one, such as enabled = var.order_target == \"order\"; this one gives %s.", what),
			Subject:  rng.Ptr(),
		})
		return true, ""
	}
	if val.True() {
		return true, ""
	}
	text := strings.Join(strings.Fields(string(rng.SliceBytes(l.source(rng)))), " ")
	if len(vars) == 0 {
		return false, "enabled = " + text
	}
	values := make([]string, len(vars))
	for i, name := range vars {
		shown := "(sensitive)"
		if !l.cfg.Variables[name].Sensitive {
			v, _ := l.varVals[name].UnmarkDeep()
			shown = strings.TrimSpace(string(hclwrite.TokensForValue(v).Bytes()))
		}
		values[i] = name + " = " + shown
	}
	return false, fmt.Sprintf("enabled = %s is false (%s)", text, strings.Join(values, ", "))
}
