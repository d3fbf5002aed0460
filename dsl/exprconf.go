package dsl

import (
	"errors"

	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
)

// exprParseConfig is how flow expressions are parsed: kopla replaces expr's
// find(list, predicate) built-in by its live lookup find(object, field,
// value), so find must parse as a plain call. Only the parser uses this
// config; the engine compiles with the real function.
func exprParseConfig() *conf.Config {
	c := conf.CreateNew()
	c.Disabled["find"] = true
	c.Functions["find"] = &builtin.Function{
		Name: "find",
		Func: func(...any) (any, error) { return nil, errors.New("find is evaluated by the engine") },
	}
	return c
}
