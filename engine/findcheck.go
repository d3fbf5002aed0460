package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
)

// findFieldDiagnostics reports find(kind.connection.object, 'field', ...)
// calls whose literal field the object's schema does not have: such a
// find() would match nothing in every run, silently.
func (p *Project) findFieldDiagnostics(pr *program) hcl.Diagnostics {
	if pr.prog == nil || !strings.Contains(pr.expr.Source, "find") {
		return nil
	}
	v := &findVisitor{p: p}
	node := pr.prog.Node()
	ast.Walk(&node, v)
	var diags hcl.Diagnostics
	for _, c := range v.calls {
		rng := pr.expr.RangeOf(c.field.Location())
		detail := fmt.Sprintf("The object %s has no field %q to find records by.", c.ref, c.field.Value)
		if s := connectors.Suggest(c.field.Value, c.schema.Names()); s != "" {
			detail += fmt.Sprintf(" Did you mean %q?", s)
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown field", Detail: detail, Subject: &rng})
	}
	return diags
}

type findCall struct {
	ref    string
	schema connectors.Schema
	field  *ast.StringNode
}

type findVisitor struct {
	p     *Project
	calls []findCall
}

func (v *findVisitor) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 3 {
		return
	}
	if id, ok := call.Callee.(*ast.IdentifierNode); !ok || id.Value != "find" {
		return
	}
	field, ok := call.Arguments[1].(*ast.StringNode)
	if !ok {
		return // a computed field name is checked when it runs
	}
	parts := memberPath(call.Arguments[0])
	if len(parts) != 3 {
		return
	}
	key := parts[0] + "." + parts[1]
	if alias, ok := v.p.cfg.ConnectionAliases[key]; ok {
		key = alias
	}
	c, ok := v.p.conns[key]
	if !ok {
		return
	}
	s, ok := c.schemas[parts[2]]
	if !ok || s.Open {
		return // an unknown object is reported by the checker
	}
	if _, ok := s.Field(field.Value); ok {
		return
	}
	v.calls = append(v.calls, findCall{ref: strings.Join(parts, "."), schema: s, field: field})
}

// memberPath is a.b.c as ["a", "b", "c"], or nil for anything else.
func memberPath(n ast.Node) []string {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		return []string{n.Value}
	case *ast.MemberNode:
		prop, ok := n.Property.(*ast.StringNode)
		if !ok {
			return nil
		}
		if base := memberPath(n.Node); base != nil {
			return append(base, prop.Value)
		}
	}
	return nil
}

// missNote names the find() that matched nothing while an expression ran
// (misses is the count before it ran), "" when none did. It is most often
// why the expression failed: "cannot fetch Id from <nil>" alone does not
// say which lookup came back empty. It adds the closest values the object
// has, when they were listed (noteMisses).
func (c *findCache) missNote(misses int) string {
	if c == nil || c.misses == misses {
		return ""
	}
	return c.describeMiss(c.lastMiss)
}

// describeMiss names a find() that matched nothing, with the closest
// values its object has when they were listed.
func (c *findCache) describeMiss(k findKey) string {
	return fmt.Sprintf("find(%s, %q, %q) matched no record", k.ref, k.field, k.value) + c.near[k]
}

// closestShown is how many of the closest existing values a miss names.
const closestShown = 3

// noteMisses notes, for the values a find() by field on ref missed, the
// closest values the object has (connectors.ValueLister): the misspelt
// name of a setting ("30 dagar neto") is then one look away from the
// right one. Only objects that can list their values cheaply (reference
// data) are listed, once per plan and field; a large object (customers)
// is said not to be. A failed listing only leaves the note out: it is a
// hint, never a reason to stop the plan.
func (c *findCache) noteMisses(ctx context.Context, ref, field string, missed []string) {
	if len(missed) == 0 {
		return
	}
	if c.near == nil {
		c.near, c.listed = map[findKey]string{}, map[findKey]valueListing{}
	}
	l, done := c.listed[findKey{ref: ref, field: field}]
	if !done {
		var err error
		if l, err = c.listValues(ctx, ref, field); err != nil {
			return
		}
		c.listed[findKey{ref: ref, field: field}] = l
	}
	if l.unlisted != "" {
		for _, v := range missed {
			c.near[findKey{ref, field, v}] = "; " + l.unlisted
		}
		return
	}
	known := l.values
	for _, v := range missed {
		k := findKey{ref, field, v}
		near := connectors.Closest(v, known, closestShown)
		if len(near) == 0 {
			c.near[k] = fmt.Sprintf("; no record of %s has a %s", ref, field)
			continue
		}
		q := make([]string, len(near))
		for i, n := range near {
			q[i] = strconv.Quote(n)
		}
		what := "values are"
		if len(near) == 1 {
			what = "value is"
		}
		c.near[k] = fmt.Sprintf("; the closest existing %s %s %s", field, what, strings.Join(q, ", "))
	}
}

// valueListing is what a field's values were listed as: the values, or
// why they were not listed.
type valueListing struct {
	values   []string
	unlisted string
}

// listValues lists the values of field over ref's records as text, when
// the object can list them cheaply and they are no personal data.
func (c *findCache) listValues(ctx context.Context, ref, field string) (valueListing, error) {
	obj, err := c.p.objectByRef(ctx, ref)
	if err != nil {
		return valueListing{}, err
	}
	if f, ok := obj.Schema().Field(field); ok && f.Sensitive {
		return valueListing{unlisted: fmt.Sprintf("the %s values of %s are personal data, so kopla lists none to compare", field, ref)}, nil
	}
	many := valueListing{unlisted: fmt.Sprintf("%s may hold many records, so kopla lists none of its values to compare (kopla console can run the find)", ref)}
	lister, ok := obj.(connectors.ValueLister)
	if !ok {
		return many, nil
	}
	values, ok, err := lister.FieldValues(ctx, field)
	if err != nil || !ok {
		return many, err
	}
	known := make([]string, 0, len(values))
	for _, v := range values {
		known = append(known, stringOf(v))
	}
	return valueListing{values: known}, nil
}

// fieldNote says why a field of a record got no value: the find() that
// matched nothing while it was evaluated.
type fieldNote struct {
	field string
	miss  findKey
}

// explain adds to a check's error on a field that got no value why it got
// none, when a find() that matched nothing is why.
func (e *valueError) explain(notes []fieldNote, finds *findCache) {
	for _, n := range notes {
		if n.field == e.field {
			e.msg += " (" + finds.describeMiss(n.miss) + ")"
			return
		}
	}
}
