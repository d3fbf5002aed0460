package engine

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/types"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
)

// funcLib is the set of functions expressions can call: the domain
// built-ins, lookup(), find() and the project's user functions. It is built
// per project: nothing global.
type funcLib struct {
	p       *Project
	options []expr.Option
	user    map[string]*userFunc
	// base holds the runtime values every expression sees (var, object
	// references).
	base map[string]any
	// specs are the user functions as checked for the types of the
	// arguments of their calls (see checkCalls), by function and types.
	specs map[string]*specialization
}

type userFunc struct {
	decl *dsl.Function
	prog *program
	base map[string]any
	// paramReads is what the function reads of each parameter (see
	// funcLib.paramReads), filled in at compile time; analysing guards
	// the analysis against a function that calls itself.
	paramReads []*recordReads
	analysing  bool
}

var anyType = reflect.TypeOf((*any)(nil)).Elem()

func newFuncLib(p *Project) *funcLib {
	l := &funcLib{p: p, user: map[string]*userFunc{}, base: p.baseValues(), specs: map[string]*specialization{}}
	l.options = append(l.options,
		// now() would make plans irreproducible; the find built-in is
		// replaced by the live lookup.
		expr.DisableBuiltin("now"),
		expr.DisableBuiltin("find"),
		expr.Function("find", l.find, new(func(string, string, any) map[string]any)),
		expr.Function("lookup", l.lookup, new(func(string, any) any)),
		expr.Function("lookup_key", l.lookupKey, new(func(string, any) any)),
		expr.Function("fail", fail, new(func(any) any)),
		expr.Function("warn", warn, new(func(any) any), new(func(any, any) any)),
	)
	l.options = append(l.options, builtins()...)
	for _, name := range sortedKeys(p.cfg.Functions) {
		decl := p.cfg.Functions[name]
		uf := &userFunc{decl: decl, base: l.base}
		l.user[name] = uf
		in := make([]reflect.Type, len(decl.Params))
		for i := range in {
			in[i] = anyType
		}
		fnType := reflect.FuncOf(in, []reflect.Type{anyType}, false)
		l.options = append(l.options, expr.Function(name, uf.call, reflect.New(fnType).Interface()))
	}
	return l
}

// envFinds is where a run's expression environment holds the run's find()
// cache. It is not an identifier, so expressions cannot name it; the
// programs that run pass their environment ($env) to find and to user
// functions (see fastPatcher), so that the cache belongs to the run, not to
// the shared Project.
const envFinds = "$finds"

// must is how a function called with $env fails: expr turns a panic with an error into
// the same error as a function's returned error.
func must(v any, err error) any {
	if err != nil {
		panic(err)
	}
	return v
}

// fastPatcher rewrites a checked expression into the one that runs: calls
// of find, warn and of user functions get the environment as a first
// argument, for the run's find() cache and warnings it holds. Everything
// else runs on expr's VM as written (a second evaluator and typed call
// forms were measured at no gain: docs/operations.md#performance).
type fastPatcher struct{ lib *funcLib }

func (v fastPatcher) Visit(node *ast.Node) {
	// expr checks again only nodes without a type: with every type
	// cleared, the patched tree is checked as a whole.
	(*node).SetNature(nature.Nature{})
	n, ok := (*node).(*ast.CallNode)
	if !ok {
		return
	}
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return
	}
	withEnv := func(fn func(...any) any) {
		n.Callee = &ast.ConstantNode{Value: fn}
		n.Arguments = append([]ast.Node{&ast.IdentifierNode{Value: "$env"}}, n.Arguments...)
	}
	if uf := v.lib.user[id.Value]; uf != nil {
		withEnv(uf.callIn)
	} else if id.Value == "find" && len(n.Arguments) == 3 {
		withEnv(findIn)
	} else if id.Value == "warn" {
		withEnv(warnIn)
	}
}

// compileUserFunctions compiles the bodies of function blocks.
func (l *funcLib) compileUserFunctions(cfg *dsl.Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(l.user) {
		uf := l.user[name]
		env := l.p.baseEnv()
		for _, param := range uf.decl.Params {
			env[param] = types.Any
		}
		uf.prog = &program{expr: uf.decl.Expr}
		if uf.decl.Expr == nil {
			continue // reported by dsl
		}
		diags = append(diags, l.p.compile(uf.prog, env, nil)...)
	}
	if !diags.HasErrors() {
		diags = append(diags, l.checkRecursion()...)
	}
	return diags
}

// checkRecursion refuses functions that call themselves, directly or not:
// expressions have no way to stop a recursion.
func (l *funcLib) checkRecursion() hcl.Diagnostics {
	calls := map[string][]string{}
	for name, uf := range l.user {
		if uf.prog.prog == nil {
			continue
		}
		v := &callVisitor{user: l.user, calls: map[string]bool{}}
		node := uf.prog.prog.Node()
		ast.Walk(&node, v)
		calls[name] = sortedKeys(v.calls)
	}
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(l.user) {
		if path := findCycle(name, calls); path != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Recursive function",
				Detail:   fmt.Sprintf("Function %q calls itself (%s); functions cannot recurse.", name, strings.Join(path, " -> ")),
				Subject:  l.user[name].decl.DeclRange.Ptr(),
			})
		}
	}
	return diags
}

func findCycle(start string, calls map[string][]string) []string {
	var path []string
	seen := map[string]bool{}
	var walk func(n string) bool
	walk = func(n string) bool {
		path = append(path, n)
		for _, c := range calls[n] {
			if c == start {
				path = append(path, c)
				return true
			}
			if !seen[c] {
				seen[c] = true
				if walk(c) {
					return true
				}
			}
		}
		path = path[:len(path)-1]
		return false
	}
	if walk(start) {
		return path
	}
	return nil
}

type callVisitor struct {
	user  map[string]*userFunc
	calls map[string]bool
}

func (v *callVisitor) Visit(node *ast.Node) {
	if c, ok := (*node).(*ast.CallNode); ok {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok && v.user[id.Value] != nil {
			v.calls[id.Value] = true
		}
	}
}

// call is the function as expressions are checked against; the programs
// that run call callIn.
func (uf *userFunc) call(params ...any) (any, error) {
	return uf.run(nil, params)
}

// callIn is the function as the programs that run call it: its first
// argument is the caller's environment, whose find() cache the function's
// body uses too.
func (uf *userFunc) callIn(args ...any) any {
	caller, _ := args[0].(map[string]any)
	return must(uf.run(caller, args[1:]))
}

func (uf *userFunc) run(caller map[string]any, params []any) (any, error) {
	env := make(map[string]any, len(params)+len(uf.base)+2)
	for k, v := range uf.base {
		env[k] = v
	}
	if finds, ok := caller[envFinds]; ok {
		env[envFinds] = finds
	}
	if warnings, ok := caller[envWarnings]; ok {
		env[envWarnings] = warnings
	}
	for i, name := range uf.decl.Params {
		env[name] = params[i]
	}
	if uf.prog.fast != nil {
		return expr.Run(uf.prog.fast, env)
	}
	return expr.Run(uf.prog.prog, env)
}

// lookup reads a lookup block's value map.
func (l *funcLib) lookup(params ...any) (any, error) {
	name, _ := params[0].(string)
	table, ok := l.p.cfg.Lookups[name]
	if !ok {
		names := sortedKeys(l.p.cfg.Lookups)
		return nil, fmt.Errorf("there is no lookup %q (lookups: %s)", name, strings.Join(names, ", "))
	}
	key := stringOf(params[1])
	if v, ok := table.Values[key]; ok {
		return v, nil
	}
	if table.HasDefault {
		return table.Default, nil
	}
	keys := sortedKeys(table.Values)
	return nil, fmt.Errorf("lookup %q has no value for %q and no default (known: %s)", name, key, strings.Join(keys, ", "))
}

// lookupKey reads a lookup block's value map backwards: the key whose value
// is value, or whose value is a list holding it (several source values
// mapping to one target value); nil when none does. Keys are tried in
// sorted order, so the answer is stable.
func (l *funcLib) lookupKey(params ...any) (any, error) {
	name, _ := params[0].(string)
	table, ok := l.p.cfg.Lookups[name]
	if !ok {
		return nil, fmt.Errorf("there is no lookup %q (lookups: %s)", name, strings.Join(sortedKeys(l.p.cfg.Lookups), ", "))
	}
	want := stringOf(params[1])
	for _, key := range sortedKeys(table.Values) {
		switch v := table.Values[key].(type) {
		case []any:
			for _, e := range v {
				if stringOf(e) == want {
					return key, nil
				}
			}
		default:
			if stringOf(v) == want {
				return key, nil
			}
		}
	}
	return nil, nil
}

// fail makes the record it is evaluated for an error with the message: a
// flow's own rule ("fail('SKU longer than 40 characters')").
func fail(params ...any) (any, error) {
	return nil, &flowFailure{msg: stringOf(params[0])}
}

// flowFailure is the error of fail(): a failure the flow declares, on
// values it has. One whose message names no value known only after apply
// is the record's error at plan, even where ensured records still have
// such values (see evalFieldIn).
type flowFailure struct{ msg string }

func (f *flowFailure) Error() string { return f.msg }

// find is the live lookup as expressions are checked against; the
// programs that run call findIn.
func (l *funcLib) find(params ...any) (any, error) {
	return findWith(nil, params)
}

// findIn is the live lookup: the record of a connection object whose field
// equals value, or nil. Its first argument is the caller's environment,
// which holds the run's cache. Misses are collected and fetched in batches
// between evaluation rounds (see findCache).
func findIn(args ...any) any {
	env, _ := args[0].(map[string]any)
	return must(findWith(env, args[1:]))
}

func findWith(env map[string]any, params []any) (any, error) {
	ref, _ := params[0].(string)
	field, _ := params[1].(string)
	if params[2] == nil {
		return nil, nil
	}
	cache, _ := env[envFinds].(*findCache)
	if cache == nil {
		return nil, errors.New("find is not available here")
	}
	return cache.get(ref, field, params[2])
}

// stringOf formats a key value the way keys are compared.
func stringOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if v == float64(int64(v)) {
			return fmt.Sprintf("%d", int64(v))
		}
		return fmt.Sprint(v)
	}
	return fmt.Sprint(v)
}
