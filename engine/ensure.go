package engine

import (
	"context"
	"fmt"
	"sort"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// checkInputFields checks the records an ensure's input or for_each builds
// against the source schema of the flow it ensures: a key of a map literal
// the expression yields that is neither a field nor an include of that
// source would read as nil there. Keys are found in the literals the
// expression can evaluate to (through ?:, ??, and map() for for_each).
func (p *Project) checkInputFields(e *ensure) hcl.Diagnostics {
	src := e.flow.source
	if src.schema.Open {
		return nil
	}
	tree, err := parser.Parse(e.prog.expr.Source)
	if err != nil {
		return nil // compiled already: cannot happen
	}
	known := map[string]bool{"id": true} // a record's own id (see recordID)
	names := src.schema.Names()
	for _, name := range names {
		known[name] = true
	}
	for _, in := range src.schema.Includes {
		known[in.Name] = true
		names = append(names, in.Name)
	}
	sort.Strings(names)
	var diags hcl.Diagnostics
	for _, m := range yieldedMaps(tree.Node, e.kind.list()) {
		for _, pn := range m.Pairs {
			pair, ok := pn.(*ast.PairNode)
			if !ok {
				continue
			}
			key, ok := pair.Key.(*ast.StringNode)
			if !ok || known[key.Value] {
				continue // a computed key is the expression's business
			}
			detail := fmt.Sprintf("The source object %s of flow %q has no field or include %q, so the ensured flow would read it as nil.", src.ref, e.flow.name, key.Value)
			if s := connectors.Suggest(key.Value, names); s != "" {
				detail += fmt.Sprintf(" Did you mean %q?", s)
			}
			detail += " Name the record's fields as that source names them, or ensure by id to hand over the real record."
			rng := e.prog.expr.RangeOf(key.Location())
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown field of the ensured source",
				Detail:   detail,
				Subject:  &rng,
			})
		}
	}
	return diags
}

// yieldedMaps returns the map literals an expression can evaluate to: as a
// whole, or as elements of the list it evaluates to when list is set.
func yieldedMaps(node ast.Node, list bool) []*ast.MapNode {
	switch n := node.(type) {
	case *ast.MapNode:
		if !list {
			return []*ast.MapNode{n}
		}
	case *ast.ConditionalNode:
		return append(yieldedMaps(n.Exp1, list), yieldedMaps(n.Exp2, list)...)
	case *ast.BinaryNode:
		if n.Operator == "??" {
			return append(yieldedMaps(n.Left, list), yieldedMaps(n.Right, list)...)
		}
	case *ast.ArrayNode:
		if list {
			var out []*ast.MapNode
			for _, el := range n.Nodes {
				out = append(out, yieldedMaps(el, false)...)
			}
			return out
		}
	case *ast.BuiltinNode:
		if list && n.Name == "map" && len(n.Arguments) == 2 {
			if pred, ok := n.Arguments[1].(*ast.PredicateNode); ok {
				return yieldedMaps(pred.Node, false)
			}
		}
	}
	return nil
}

// ensureIDs plans the source records with the given ids, which other flows
// ensure by reference, and returns their outcomes in the order of ids (nil
// for an id the source has no record of). Records the flow has planned
// already are not read again; the others are read in one Get, which the
// connector splits into as few calls as its API allows.
func (r *flowRun) ensureIDs(ctx context.Context, ids []string, mode dsl.Mode) ([]*outcome, error) {
	var missing []string
	queued := map[string]bool{}
	for _, id := range ids {
		if r.done[id] == nil && !queued[id] {
			queued[id] = true
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		recs, err := r.getSources(ctx, missing)
		if err != nil {
			return nil, err
		}
		if err := r.planBatchAs(ctx, recs, fromReference, mode); err != nil {
			return nil, err
		}
	}
	out := make([]*outcome, len(ids))
	for i, id := range ids {
		out[i] = r.done[id]
	}
	return out, nil
}

// getSources reads source records by id as the flow's read reads them: the
// same fields and includes, so that the flow sees the same record.
func (r *flowRun) getSources(ctx context.Context, ids []string) ([]connectors.Record, error) {
	src, err := r.sourceObject(ctx)
	if err != nil {
		return nil, err
	}
	var recs []connectors.Record
	switch g := src.(type) {
	case connectors.RequestGetter:
		recs, err = g.GetWith(ctx, connectors.GetRequest{IDs: ids, Fields: r.f.readFields, Include: r.f.decl.Include})
	case connectors.Getter:
		if len(r.f.decl.Include) > 0 {
			return nil, fmt.Errorf("source %s cannot read records by id with their includes: ensure flow %s with input or for_each", r.f.source.ref, r.f.name)
		}
		recs, err = g.Get(ctx, ids)
	default:
		return nil, fmt.Errorf("source %s cannot read records by id: ensure flow %s with input or for_each", r.f.source.ref, r.f.name)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s records by id: %w", r.f.source.ref, err)
	}
	return recs, nil
}

// sourceObject opens the flow's source object.
func (r *flowRun) sourceObject(ctx context.Context) (connectors.Object, error) {
	conn, err := r.f.source.conn.open(ctx)
	if err != nil {
		return nil, err
	}
	return conn.Object(r.f.source.name)
}

// keepAbsent leaves the fields of a record an ensure built (input) as the
// target holds them when their mapping reads a source field the record
// does not have: a missing field is not known to be empty, and writing nil
// would clear what the target holds. It reports whether m was kept.
func (r *flowRun) keepAbsent(it *pending, m *mapping) bool {
	if !it.synthetic || it.match == nil || m.readsAll {
		return false
	}
	for _, name := range m.reads {
		if _, ok := it.rec.Fields[name]; !ok {
			it.vals[m.index] = it.match.Fields[m.name]
			return true
		}
	}
	return false
}

// kindName is the argument of the ensure block, for messages.
func (e *ensure) kindName() string {
	switch e.kind {
	case ensureID:
		return "id"
	case ensureIDs:
		return "ids"
	case ensureForEach:
		return "for_each"
	}
	return "input"
}

// recordReads is what an expression reads of one record: its top-level
// fields by name, or all of it (all: the record is used as a whole, in a
// way the analysis cannot follow).
type recordReads struct {
	names map[string]bool
	all   bool
}

// readsOf works out what the expression tree node reads of the record
// named root, following the record into the user functions it is passed to.
func (l *funcLib) readsOf(node ast.Node, root string) recordReads {
	v := &readsVisitor{lib: l, root: root, reads: recordReads{names: map[string]bool{}}, consumed: map[*ast.IdentifierNode]bool{}}
	ast.Walk(&node, v)
	for _, id := range v.idents {
		if !v.consumed[id] {
			v.reads.all = true
		}
	}
	return v.reads
}

// paramReads is what a user function reads of its i-th parameter, worked
// out once per function and parameter.
func (l *funcLib) paramReads(uf *userFunc, i int) recordReads {
	if uf.paramReads == nil {
		uf.paramReads = make([]*recordReads, len(uf.decl.Params))
	}
	if i >= len(uf.paramReads) || uf.prog == nil || uf.prog.prog == nil || uf.analysing {
		return recordReads{all: true}
	}
	if r := uf.paramReads[i]; r != nil {
		return *r
	}
	uf.analysing = true // functions cannot recurse, but a broken one may
	r := l.readsOf(uf.prog.prog.Node(), uf.decl.Params[i])
	uf.analysing = false
	uf.paramReads[i] = &r
	return r
}

// readsVisitor collects what readsOf reports. ast.Walk visits children
// before their parent: identifiers are seen first and consumed by the
// member read or function call they are part of.
type readsVisitor struct {
	lib      *funcLib
	root     string
	reads    recordReads
	idents   []*ast.IdentifierNode
	consumed map[*ast.IdentifierNode]bool
}

func (v *readsVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == v.root {
			v.idents = append(v.idents, n)
		}
	case *ast.MemberNode:
		id, ok := n.Node.(*ast.IdentifierNode)
		prop, isString := n.Property.(*ast.StringNode)
		if ok && isString && id.Value == v.root {
			v.consumed[id] = true
			v.reads.names[prop.Value] = true
		}
	case *ast.CallNode:
		callee, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return
		}
		uf := v.lib.user[callee.Value]
		if uf == nil {
			return
		}
		for i, arg := range n.Arguments {
			id, ok := arg.(*ast.IdentifierNode)
			if !ok || id.Value != v.root {
				continue
			}
			v.consumed[id] = true
			r := v.lib.paramReads(uf, i)
			v.reads.all = v.reads.all || r.all
			for name := range r.names {
				v.reads.names[name] = true
			}
		}
	}
}
