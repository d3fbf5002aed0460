package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// Console evaluates expressions one at a time, as typed at a prompt (kopla
// console), with what every expression of the project sees: variables,
// lookups, the built-ins and the project's functions, and references to
// connection objects. find() runs against the live connections, and
// sample(object, n) reads records. It is the compiler and runtime of flow
// expressions, not a second evaluator; one console serves one caller at a
// time.
type Console struct {
	p  *Project
	ev evaluator
	// ctx is the context of the Eval running, for sample().
	ctx context.Context
}

// consoleMaxSample bounds what sample() reads: a console shows records
// to look at, not exports.
const consoleMaxSample = 100

// NewConsole returns a console over the compiled project.
func (p *Project) NewConsole() *Console { return &Console{p: p} }

// ExprError is an expression that does not compile or fails when it runs,
// with where: Line and Column (both 1-based, Column in characters) in the
// expression's source.
type ExprError struct {
	Line, Column int
	Summary      string // "Invalid expression", "Unknown field"
	Detail       string // a sentence
}

func (e *ExprError) Error() string {
	return fmt.Sprintf("%d:%d: %s: %s", e.Line, e.Column, e.Summary, e.Detail)
}

// Eval compiles and runs one expression. Failures of the expression are
// *ExprError; a failure of a connection that find() or sample() reads is
// another error.
func (c *Console) Eval(ctx context.Context, src string) (any, error) {
	c.ctx = ctx
	defer func() { c.ctx = nil }()
	pr := &program{expr: dsl.NewExpr(src, hcl.Range{Filename: "<console>"})}
	sample := expr.Function("sample", c.sample,
		new(func(string, int) []any),
		new(func(string, int, []any) []any))
	env := c.p.baseEnv()
	opts := append([]expr.Option{expr.Env(env)}, c.p.funcs.options...)
	prog, err := expr.Compile(src, append(opts, sample)...)
	if err != nil {
		// The diagnostic says what is wrong as validate says it about a
		// flow's expression; the position is the expression's own.
		d := c.p.exprDiagnostic(pr.expr, err, nil)
		var fe *file.Error
		errors.As(err, &fe)
		return nil, exprError(fe, d.Summary, d.Detail)
	}
	pr.prog = prog
	pr.fast = c.p.compileFast(pr, env, []expr.Option{sample})
	// Every expression gets a cache of its own: what find() answers is
	// what the connection holds now.
	finds := newFindCache(c.p)
	vals := make(map[string]any, len(c.p.funcs.base)+1)
	for k, v := range c.p.funcs.base {
		vals[k] = v
	}
	vals[envFinds] = finds
	for round := 0; ; round++ {
		v, err := c.ev.run(pr, vals)
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, errNeedFetch) && round < maxFindRounds:
			if err := finds.fetch(ctx); err != nil {
				return nil, err
			}
			continue
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		var se *sampleError
		if errors.As(err, &se) {
			return nil, se.err
		}
		var fe *file.Error
		if errors.As(err, &fe) {
			msg := fe.Message
			if fe.Prev != nil {
				msg = fe.Prev.Error()
			}
			return nil, exprError(fe, "Expression failed", runtimeMessage(msg))
		}
		return nil, &ExprError{Line: 1, Column: 1, Summary: "Expression failed", Detail: runtimeMessage(err.Error())}
	}
}

func exprError(fe *file.Error, summary, detail string) *ExprError {
	e := &ExprError{Line: 1, Column: 1, Summary: summary, Detail: detail}
	if fe != nil {
		e.Line, e.Column = max(fe.Line, 1), fe.Column+1
	}
	return e
}

// sampleError is a failure of the connection sample() reads, told apart
// from the expression's own failures.
type sampleError struct{ err error }

func (e *sampleError) Error() string { return e.err.Error() }
func (e *sampleError) Unwrap() error { return e.err }

var errSampleFull = errors.New("sample complete")

// sample reads the first n records of an object (at most
// consoleMaxSample), with the includes named by the optional third
// argument: sample(hubspot.shop.orders, 3, ['line_items']).
func (c *Console) sample(params ...any) (any, error) {
	ref, _ := params[0].(string)
	n, ok := wholeNumber(params[1])
	if !ok || n < 1 || n > consoleMaxSample {
		return nil, fmt.Errorf("sample reads 1 to %d records, not %v", consoleMaxSample, params[1])
	}
	var include []string
	if len(params) > 2 {
		list, _ := params[2].([]any)
		for _, v := range list {
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("sample's includes are names, such as ['line_items'], not %v", v)
			}
			include = append(include, s)
		}
	}
	obj, err := c.p.objectByRef(c.ctx, ref)
	if err != nil {
		return nil, &sampleError{err}
	}
	s := obj.Schema()
	for _, name := range include {
		if _, ok := s.Include(name); !ok {
			var names []string
			for _, in := range s.Includes {
				names = append(names, in.Name)
			}
			msg := fmt.Sprintf("%s has no include %q", ref, name)
			if len(names) == 0 {
				return nil, errors.New(msg + "; it has none")
			}
			return nil, fmt.Errorf("%s (includes: %s)", msg, strings.Join(names, ", "))
		}
	}
	reader, ok := obj.(connectors.Reader)
	if !ok {
		return nil, fmt.Errorf("%s cannot be read", ref)
	}
	out := make([]any, 0, n)
	_, err = reader.Read(c.ctx, connectors.ReadRequest{Include: include}, func(page []connectors.Record) error {
		for _, r := range page {
			out = append(out, withID(r))
			if len(out) == n {
				return errSampleFull
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errSampleFull) {
		return nil, &sampleError{fmt.Errorf("sample(%s): %w", ref, err)}
	}
	return out, nil
}

// wholeNumber reads a count given as a literal (int) or from a variable or
// a record (int64, float64).
func wholeNumber(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		return int(v), v == float64(int(v))
	}
	return 0, false
}

// runtimeMessage makes a runtime failure a sentence, leaving a message that
// starts with a name (find(...), hubspot.shop.orders) as it is written.
func runtimeMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if word, _, _ := strings.Cut(msg, " "); !strings.ContainsAny(word, ".(") {
		return exprMessage(msg)
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
