package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// Case is a flow unit test: one source record and the world around it,
// evaluated by the flow's compiled expressions without touching any system
// (kopla test).
type Case struct {
	Flow   string
	Source map[string]any
	// Target is the existing target record the key matches; nil means there
	// is none.
	Target map[string]any
	// Ensured holds the values of the flow's ensured records, by ensure name.
	Ensured map[string]any
	// Finds are the answers find() gets; a find() without one is an error,
	// unless LiveFinds: then the connection answers it (kopla test -sandbox).
	Finds     []FindStub
	LiveFinds bool
}

// FindStub is the answer of one find(object, field, value) call. A nil
// Record means nothing is found.
type FindStub struct {
	Object string // kind.connection.object
	Field  string
	Value  any
	// AnyValue makes the stub answer every value of its object and field
	// that no stub of that value answers.
	AnyValue bool
	Record   map[string]any
}

// CaseResult is what the flow makes of a Case.
type CaseResult struct {
	Action plan.Action
	// Fields are the values of every mapped field (create_only ones too).
	Fields map[string]any
	// Changes are the fields a create or update writes.
	Changes []plan.FieldChange
	// Field and Error say what failed, for action error; Reason why a record
	// is skipped.
	Field, Error, Reason string
}

// RunCase evaluates a flow unit test. Only a failure of a connection that
// answers find() (LiveFinds) is returned as an error; the record's own
// failures are the result's.
func (p *Project) RunCase(ctx context.Context, c Case) (*CaseResult, error) {
	f := p.flows[c.Flow]
	if f == nil {
		return nil, fmt.Errorf("there is no flow %q", c.Flow)
	}
	// The run's own find() cache: a test run shares nothing with a plan or
	// another test running on the same Project.
	cache := newFindCache(p)
	cache.stubbed = !c.LiveFinds
	for _, s := range c.Finds {
		r := findResult{fields: s.Record}
		if s.AnyValue {
			if cache.anyValue == nil {
				cache.anyValue = map[findKey]findResult{}
			}
			cache.anyValue[findKey{ref: s.Object, field: s.Field}] = r
			continue
		}
		cache.results[findKey{s.Object, s.Field, stringOf(s.Value)}] = r
	}

	env := make(map[string]any, len(p.funcs.base)+4)
	for k, v := range p.funcs.base {
		env[k] = v
	}
	env[envFinds] = cache
	env[envSource] = c.Source
	// An absent target or ensured map is nil itself, not a nil map, so
	// that target?.X and target == nil behave as in a plan.
	env[envTarget] = nil
	var match *connectors.Record
	if c.Target != nil {
		env[envTarget] = c.Target
		match = &connectors.Record{Fields: c.Target}
	}
	env[envEnsured] = nil
	if c.Ensured != nil {
		env[envEnsured] = c.Ensured
	}
	it := &pending{rec: connectors.Record{Fields: c.Source}, env: env, ensured: c.Ensured, match: match}
	r := (&planner{p: p, finds: cache}).newRun(f, false)

	for _, step := range []func(*pending) error{r.evalWhere, r.evalSkips, r.evalKey, r.evalFields} {
		if err := r.evalRounds(ctx, []*pending{it}, step); err != nil {
			return nil, err
		}
	}
	// The decision is the planner's own.
	o := r.decide(ctx, it, match)
	res := &CaseResult{Action: o.action}
	switch {
	case it.err != nil:
		return failedCase(res, it, it.err), nil
	case it.skip != "":
		res.Reason = it.skip
		return res, nil
	case it.filtered:
		res.Reason = reasonFiltered
		return res, nil
	}
	res.Fields = it.values
	if o.change != nil {
		res.Changes = o.change.Fields
		res.Reason = o.change.Reason
	}
	return res, nil
}

// reasonFiltered is why a record the where expression filters out is
// skipped.
const reasonFiltered = "filtered out by where"

func failedCase(res *CaseResult, it *pending, err error) *CaseResult {
	res.Action = plan.Error
	res.Error = err.Error()
	res.Field = it.errField
	var re *recordError
	if errors.As(err, &re) && re.field != "" {
		res.Field = re.field
	}
	return res
}

// Expectation is what a flow unit test expects of a CaseResult.
type Expectation struct {
	Action plan.Action
	// Fields must be among the result's fields with these values (numbers
	// compare by value; objects by the keys given).
	Fields map[string]any
	// Field and Error describe an expected error: the field it is about and
	// a part of its message.
	Field, Error string
}

// Problems lists how the result differs from the expectation, in words;
// none means the test passes.
func (r *CaseResult) Problems(want Expectation) []string {
	var out []string
	if r.Action != want.Action {
		p := fmt.Sprintf("action is %s, want %s", r.Action, want.Action)
		switch {
		case r.Error != "":
			p += " (" + r.Error + ")"
		case r.Reason != "":
			p += " (" + r.Reason + ")"
		}
		out = append(out, p)
	}
	for _, name := range sortedKeys(want.Fields) {
		got, ok := r.Fields[name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("field %s is not set, want %s", name, showValue(want.Fields[name])))
		case !valuesEqual(want.Fields[name], got):
			out = append(out, fmt.Sprintf("field %s is %s, want %s", name, showValue(got), showValue(want.Fields[name])))
		}
	}
	if want.Field != "" && r.Field != want.Field {
		out = append(out, fmt.Sprintf("the error is about field %q, want %q", r.Field, want.Field))
	}
	if want.Error != "" && !strings.Contains(r.Error, want.Error) {
		out = append(out, fmt.Sprintf("the error is %q, want it to contain %q", r.Error, want.Error))
	}
	return out
}

func showValue(v any) string { return string(jsonenc.Append(nil, v, true)) }
