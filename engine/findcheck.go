package engine

import (
	"fmt"
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
// say which lookup came back empty.
func (c *findCache) missNote(misses int) string {
	if c == nil || c.misses == misses {
		return ""
	}
	k := c.lastMiss
	return fmt.Sprintf("find(%s, %q, %q) matched no record", k.ref, k.field, k.value)
}
