package dsl

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// EnvVarPrefix prefixes the environment variables that set kopla
// variables: KOPLA_VAR_<name>.
const EnvVarPrefix = "KOPLA_VAR_"

// resolveVars computes the value of every declared variable. Precedence,
// lowest first: default, the project's .kopla.vars, -var-file files in
// order, KOPLA_VAR_<name>, -var. A library variable that its library block
// sets in vars takes that value and no other (setByLibrary).
func (l *loader) resolveVars() {
	vals := map[string]cty.Value{}
	for name, v := range l.cfg.Variables {
		if v.Default != cty.NilVal && v.Default.IsWhollyKnown() {
			vals[name] = v.Default
		}
	}
	path := filepath.Join(l.cfg.Dir, VarsFile)
	if _, err := os.Stat(path); err == nil {
		l.applyVarsFile(path, vals)
	}
	for _, f := range l.opts.VarFiles {
		l.applyVarsFile(f, vals)
	}
	names := slices.Sorted(maps.Keys(l.cfg.Variables))
	for _, name := range names {
		if raw, ok := l.lookupEnv(EnvVarPrefix + name); ok {
			if l.setByLibrary(name, "the environment variable "+EnvVarPrefix+name, nil) {
				continue
			}
			l.applyRaw(name, raw, "the environment variable "+EnvVarPrefix+name, vals)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(l.opts.Vars)) {
		if _, ok := l.cfg.Variables[name]; !ok {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("A -var option sets %q, but no variable of that name is declared.%s Declare it with a variable %q { } block, or remove the option.", name, didYouMean(name, names, nil), name),
			})
			continue
		}
		if l.setByLibrary(name, "the option -var "+name, nil) {
			continue
		}
		l.applyRaw(name, l.opts.Vars[name], "the option -var "+name, vals)
	}
	l.assignLibraryVars(vals)

	l.varVals = map[string]cty.Value{}
	for _, name := range names {
		val, ok := vals[name]
		if v := l.cfg.Variables[name]; !ok && v.Default != cty.NilVal {
			// Its default is broken, which is reported already.
			l.varVals[name] = cty.DynamicVal
			continue
		}
		if !ok {
			v := l.cfg.Variables[name]
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "No value for required variable",
				Detail:   fmt.Sprintf("The variable %q has no default and no value was given. Set it with -var %s=..., the environment variable %s%s, a -var-file or the project's %s file, or give it a default.", name, name, EnvVarPrefix, name, VarsFile),
				Subject:  v.DeclRange.Ptr(),
			})
			// Unknown, so that expressions reading it report nothing more.
			l.varVals[name] = cty.DynamicVal
			continue
		}
		l.varVals[name] = val
		l.cfg.Vars[name] = ctyToGo(val)
	}
}

// applyVarsFile applies a file of name = value attributes.
func (l *loader) applyVarsFile(path string, vals map[string]cty.Value) {
	src, err := os.ReadFile(path)
	if err != nil {
		detail := fmt.Sprintf("The variables file %s cannot be read: %s.", path, err)
		if errors.Is(err, fs.ErrNotExist) {
			detail = fmt.Sprintf("The variables file %s does not exist. Check the -var-file path; it is relative to the working directory.", path)
		}
		l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read variables file", Detail: detail})
		return
	}
	body := l.parse(path, src)
	if body == nil {
		return
	}
	attrs, diags := attributesOnly(body, func(blk *hclsyntax.Block) *hcl.Diagnostic {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unexpected block in variables file",
			Detail:   fmt.Sprintf("A variables file holds only name = value lines; the block %s does not belong here.", blk.Type),
			Subject:  blk.TypeRange.Ptr(),
		}
	})
	l.diags = append(l.diags, diags...)
	names := slices.Sorted(maps.Keys(l.cfg.Variables))
	for _, attr := range attrs {
		if l.setByLibrary(attr.Name, "the variables file "+path, attr.NameRange.Ptr()) {
			continue
		}
		v, ok := l.cfg.Variables[attr.Name]
		if !ok {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  "Value for undeclared variable",
				Detail:   fmt.Sprintf("The file sets %q, but no variable of that name is declared, so the value is ignored.%s", attr.Name, didYouMean(attr.Name, names, nil)),
				Subject:  attr.NameRange.Ptr(),
			})
			continue
		}
		val, diags := attr.Expr.Value(nil)
		l.diags = append(l.diags, diags...)
		if diags.HasErrors() {
			continue
		}
		conv, err := convertVar(v, val)
		if err != nil {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value of %q is not valid: %s.", attr.Name, err),
				Subject:  attr.Expr.Range().Ptr(),
			})
			continue
		}
		vals[attr.Name] = conv
	}
}

// applyRaw applies a raw string value (-var, KOPLA_VAR_): taken as is for a
// string variable, converted for a number or bool, and parsed as an HCL
// expression for a list or a map, as Terraform does.
func (l *loader) applyRaw(name, raw, from string, vals map[string]cty.Value) {
	v := l.cfg.Variables[name]
	val := cty.StringVal(raw)
	if ty := varType(v); ty != cty.NilType && !ty.IsPrimitiveType() {
		expr, diags := hclsyntax.ParseExpression([]byte(raw), from, hcl.InitialPos)
		if !diags.HasErrors() {
			val, diags = expr.Value(nil)
		}
		if diags.HasErrors() {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid value for variable",
				Detail:   fmt.Sprintf("The value given by %s for the %s variable %q is not a valid HCL value: %s. Write it as in a file, such as [\"a\", \"b\"] or {key = \"value\"}.", from, typeName(ty), name, diags[0].Summary),
			})
			return
		}
	}
	conv, err := convertVar(v, val)
	if err != nil {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value for variable",
			Detail:   fmt.Sprintf("The value given by %s for the variable %q is not valid: %s.", from, name, err),
		})
		return
	}
	vals[name] = conv
}

// varType is the type a variable's values must have: that of its default,
// or cty.NilType when any value goes.
func varType(v *Variable) cty.Type {
	if v.Default == cty.NilVal || v.Default.IsNull() {
		return cty.NilType
	}
	return v.Default.Type()
}

// convertVar converts a value given for v to the type of its default. A
// list or map default accepts any list or map.
func convertVar(v *Variable, val cty.Value) (cty.Value, error) {
	ty := varType(v)
	switch {
	case ty == cty.NilType:
		return val, nil
	case ty.IsPrimitiveType():
		conv, err := convert.Convert(val, ty)
		if err != nil {
			return cty.NilVal, fmt.Errorf("a %s is required", typeName(ty))
		}
		return conv, nil
	case ty.IsListType() || ty.IsTupleType() || ty.IsSetType():
		vt := val.Type()
		if vt.IsListType() || vt.IsTupleType() || vt.IsSetType() {
			return val, nil
		}
		return cty.NilVal, errors.New("a list is required, such as [\"a\", \"b\"]")
	case ty.IsMapType() || ty.IsObjectType():
		vt := val.Type()
		if vt.IsMapType() || vt.IsObjectType() {
			return val, nil
		}
		return cty.NilVal, errors.New("a map is required, such as {key = \"value\"}")
	}
	return val, nil
}
