package dsl

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// evalContext is what HCL expressions outside flows (connection bodies,
// lookups, the kopla block) can use: var.<name> and a few functions. It is
// built per load: the functions close over the environment and directory.
func evalContext(vars map[string]cty.Value, lookupEnv func(string) (string, bool), dir string) *hcl.EvalContext {
	v := cty.EmptyObjectVal
	if len(vars) > 0 {
		v = cty.ObjectVal(vars)
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": v},
		Functions: hclFunctions(lookupEnv, dir),
	}
}

func hclFunctions(lookupEnv func(string) (string, bool), dir string) map[string]function.Function {
	return map[string]function.Function{
		"env":       envFunc(lookupEnv),
		"file":      fileFunc(dir),
		"lower":     stdlib.LowerFunc,
		"upper":     stdlib.UpperFunc,
		"trimspace": stdlib.TrimSpaceFunc,
		"format":    stdlib.FormatFunc,
		"coalesce":  stdlib.CoalesceFunc,
	}
}

// envFunc is env("NAME") or env("NAME", "fallback"). A variable that is not
// set and has no fallback yields an unknown value: checkExpression has
// already reported it with the call's range.
func envFunc(lookupEnv func(string) (string, bool)) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable, or the fallback when it is not set.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		VarParam:    &function.Parameter{Name: "fallback", Type: cty.String},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if len(args) > 2 {
				return cty.NilVal, function.NewArgErrorf(2, "env takes a name and at most one fallback")
			}
			if s, ok := lookupEnv(args[0].AsString()); ok {
				return cty.StringVal(s), nil
			}
			if len(args) == 2 {
				return args[1], nil
			}
			return cty.UnknownVal(cty.String), nil
		},
	})
}

// fileFunc is file("path"): the contents of a UTF-8 file, relative to the
// project directory.
func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Description: "Returns the contents of a file, relative to the project directory.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return cty.NilVal, fmt.Errorf("cannot read %s: %w", p, err)
			}
			if !utf8.Valid(b) {
				return cty.NilVal, fmt.Errorf("%s is not UTF-8 text", p)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// checkExpression reports, before an HCL expression is evaluated, what
// evaluation would report less clearly: references other than to declared
// variables, unknown functions, and env() calls naming an unset
// environment variable without a fallback (unless lookupEnv is nil).
func checkExpression(expr hcl.Expression, what string, vars map[string]*Variable, ctx *hcl.EvalContext, lookupEnv func(string) (string, bool)) hcl.Diagnostics {
	var diags hcl.Diagnostics
	known := slices.Sorted(maps.Keys(vars))
	for _, tr := range expr.Variables() {
		root := tr.RootName()
		if root != "var" {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid reference",
				Detail:   fmt.Sprintf("%s can only refer to variables, as var.<name>; %q is not one.", capitalize(what), root),
				Subject:  tr.SourceRange().Ptr(),
			})
			continue
		}
		if len(tr) < 2 {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid reference",
				Detail:   "A variable is referred to as var.<name>: add the variable's name.",
				Subject:  tr.SourceRange().Ptr(),
			})
			continue
		}
		var name string
		switch step := tr[1].(type) {
		case hcl.TraverseAttr:
			name = step.Name
		case hcl.TraverseIndex:
			if step.Key.Type() == cty.String && step.Key.IsKnown() {
				name = step.Key.AsString()
			}
		}
		if _, ok := vars[name]; !ok {
			diags = append(diags, unknownVariable(name, known, tr.SourceRange()))
		}
	}
	funcs := slices.Sorted(maps.Keys(ctx.Functions))
	for _, call := range functionCalls(expr) {
		if _, ok := ctx.Functions[call.Name]; !ok {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown function",
				Detail:   fmt.Sprintf("There is no function named %q.%s", call.Name, didYouMean(call.Name, funcs, funcs)),
				Subject:  call.NameRange.Ptr(),
			})
			continue
		}
		if lookupEnv == nil || call.Name != "env" || len(call.Args) != 1 || len(diags) > 0 {
			continue
		}
		arg, d := call.Args[0].Value(ctx)
		if d.HasErrors() || !arg.IsKnown() || arg.IsNull() || arg.Type() != cty.String {
			continue
		}
		if _, set := lookupEnv(arg.AsString()); !set {
			name := arg.AsString()
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Environment variable not set",
				Detail:   fmt.Sprintf("%s reads the environment variable %s, which is not set. Set it before running kopla, or give a fallback: env(%q, \"...\").", capitalize(what), name, name),
				Subject:  call.Range().Ptr(),
			})
		}
	}
	return placeInStrings(diags, inexactStrings(expr))
}
