package dsl

import (
	"errors"
	"fmt"
	"math/big"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/kopla-dev/kopla/connectors"
)

func (l *loader) decodeConnection(blk *hcl.Block) {
	kind, name := blk.Labels[0], blk.Labels[1]
	key := kind + "." + name
	if prev, dup := l.cfg.Connections[key]; dup {
		l.diags = append(l.diags, duplicate("Duplicate connection", fmt.Sprintf("A connection %q %q", kind, name), prev.DeclRange, blk.DefRange))
		return
	}
	l.cfg.Connections[key] = &Connection{
		Kind:      kind,
		Name:      name,
		Body:      blk.Body,
		DeclRange: blk.DefRange,
		KindRange: blk.LabelRanges[0],
		NameRange: blk.LabelRanges[1],
		Dir:       l.cfg.Dir,
	}
	// The body belongs to the connector and is decoded with its schema by
	// DecodeConnection; what can be checked without it is checked now.
	// Environment variables are not: validate must work without secrets.
	l.checkBodyExpressions(blk.Body, "the connection "+key)
}

// checkBodyExpressions checks the expressions of a body whose schema is
// not known yet: the arguments of a native body and of its nested blocks,
// or every value of a JSON body (where a nested block is an object).
func (l *loader) checkBodyExpressions(body hcl.Body, what string) {
	attrs, _ := body.JustAttributes()
	for _, attr := range sortedAttributes(attrs) {
		l.diags = append(l.diags, checkExpression(attr.Expr, what, l.cfg.Variables, l.ctx, nil)...)
	}
	if native, ok := body.(*hclsyntax.Body); ok {
		for _, blk := range native.Blocks {
			l.checkBodyExpressions(blk.Body, what)
		}
	}
}

// DecodeConnection evaluates the body of a connection block against the
// connector's config schema: settings of TypeObject are nested blocks, a
// TypeList of objects is a repeated block, everything else an argument.
// Expressions can use var.<name> (vars are the resolved Config.Vars) and the
// functions env, file, lower, upper, trimspace, format and coalesce.
// lookupEnv nil means os.LookupEnv. Missing required settings, unknown
// ones, unset environment variables and values of the wrong type are
// reported with their ranges; defaults fill settings that are not given.
func DecodeConnection(c *Connection, schema connectors.Schema, vars map[string]any, lookupEnv func(string) (string, bool)) (connectors.Config, hcl.Diagnostics) {
	d, diags := newSettingsDecoder(vars, lookupEnv, c.Dir, fmt.Sprintf("the connection %s.%s", c.Kind, c.Name), "a connection block")
	cfg := d.decode(c.Body, schema.Fields, fmt.Sprintf("a %s connection block", c.Kind), c.DeclRange)
	diags = append(diags, d.diags...)
	return connectors.Config(cfg), diags
}

type settingsDecoder struct {
	ctx       *hcl.EvalContext
	vars      map[string]*Variable
	lookupEnv func(string) (string, bool)
	what      string
	diags     hcl.Diagnostics
}

func isBlockField(f connectors.Field) bool {
	return f.Type == connectors.TypeObject || (f.Type == connectors.TypeList && f.Elem != nil && f.Elem.Type == connectors.TypeObject)
}

func (d *settingsDecoder) decode(body hcl.Body, fields []connectors.Field, what string, declRange hcl.Range) map[string]any {
	s := &bodySchema{What: what}
	for _, f := range fields {
		if isBlockField(f) {
			s.Blocks = append(s.Blocks, blockSchema{Type: f.Name})
		} else {
			s.Attributes = append(s.Attributes, f.Name)
		}
	}
	c, diags := content(body, s)
	d.diags = append(d.diags, diags...)
	out := map[string]any{}
	for _, f := range fields {
		switch {
		case isBlockField(f):
			d.decodeBlocks(f, c, out, declRange)
		default:
			attr, ok := c.Attributes[f.Name]
			if !ok {
				d.absent(f, out, declRange)
				continue
			}
			if v, ok := d.attribute(f, attr); ok {
				out[f.Name] = v
			}
		}
	}
	return out
}

func (d *settingsDecoder) absent(f connectors.Field, out map[string]any, declRange hcl.Range) {
	switch {
	case f.Default != nil:
		out[f.Name] = f.Default
	case f.Required:
		detail := fmt.Sprintf("%s has no %s: add %s = ...", capitalize(d.what), f.Name, f.Name)
		if isBlockField(f) {
			detail = fmt.Sprintf("%s has no %s block: add %s { ... }", capitalize(d.what), f.Name, f.Name)
		}
		if f.Description != "" {
			detail += " (" + f.Description + ")"
		}
		d.diags = append(d.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing required argument",
			Detail:   detail + ".",
			Subject:  declRange.Ptr(),
		})
	}
}

func (d *settingsDecoder) decodeBlocks(f connectors.Field, c bodyContent, out map[string]any, declRange hcl.Range) {
	var blocks hcl.Blocks
	for _, b := range c.Blocks {
		if b.Type == f.Name {
			blocks = append(blocks, b)
		}
	}
	if len(blocks) == 0 {
		d.absent(f, out, declRange)
		return
	}
	if f.Type == connectors.TypeObject {
		for _, extra := range blocks[1:] {
			d.diags = append(d.diags, duplicateFix("Duplicate block", fmt.Sprintf("A %s block", f.Name), blocks[0].DefRange, extra.DefRange, fmt.Sprintf("%s takes one %s block: merge the two.", capitalize(d.what), f.Name)))
		}
		out[f.Name] = d.decode(blocks[0].Body, f.Fields, fmt.Sprintf("the %s block", f.Name), blocks[0].DefRange)
		return
	}
	list := make([]any, 0, len(blocks))
	for _, b := range blocks {
		list = append(list, d.decode(b.Body, f.Elem.Fields, fmt.Sprintf("a %s block", f.Name), b.DefRange))
	}
	out[f.Name] = list
}

func (d *settingsDecoder) attribute(f connectors.Field, attr *hcl.Attribute) (any, bool) {
	diags := checkExpression(attr.Expr, d.what, d.vars, d.ctx, d.lookupEnv)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() {
		return nil, false
	}
	val, diags := attr.Expr.Value(d.ctx)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() || !val.IsWhollyKnown() {
		return nil, false
	}
	if f.Sensitive && len(attr.Expr.Variables()) == 0 && !hasCalls(attr.Expr) && !isBlank(val) {
		d.diags = append(d.diags, redactSubject(&hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "Secret written in a file",
			Detail:   fmt.Sprintf("%s is sensitive, and this file is meant for version control. Read it from the environment instead: %s = env(\"NAME\").", f.Name, f.Name),
			Subject:  attr.Expr.Range().Ptr(),
		}))
	}
	if val.IsNull() {
		if f.Required {
			d.diags = append(d.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Missing value",
				Detail:   fmt.Sprintf("%s is required and cannot be null.", f.Name),
				Subject:  attr.Expr.Range().Ptr(),
			})
			return nil, false
		}
		return f.Default, f.Default != nil
	}
	v, err := settingValue(f, val)
	if err != nil {
		diag := &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid value",
			Detail:   sentence(fmt.Sprintf("The setting %s %s", f.Name, err)),
			Subject:  attr.Expr.Range().Ptr(),
		}
		if f.Sensitive {
			redactSubject(diag)
		}
		d.diags = append(d.diags, diag)
		return nil, false
	}
	return v, true
}

// isBlank reports whether a value is an empty or all-blank string: no
// secret to warn about.
func isBlank(val cty.Value) bool {
	return val.IsKnown() && !val.IsNull() && val.Type() == cty.String && strings.TrimSpace(val.AsString()) == ""
}

func hasCalls(expr hcl.Expression) bool { return len(functionCalls(expr)) > 0 }

// settingValue converts an evaluated setting to the Go value of its field
// type. The error completes "The setting <name> ...".
func settingValue(f connectors.Field, val cty.Value) (any, error) {
	switch f.Type {
	case connectors.TypeAny:
		return ctyToGo(val), nil
	case connectors.TypeString, connectors.TypeDate, connectors.TypeDateTime:
		s, err := convert.Convert(val, cty.String)
		if err != nil {
			return nil, errors.New("must be a string")
		}
		str := s.AsString()
		if err := checkOptions(f, str); err != nil {
			return nil, err
		}
		switch f.Type {
		case connectors.TypeDate:
			if _, err := time.Parse(time.DateOnly, str); err != nil {
				return nil, errors.New("must be a date written 2006-01-02")
			}
		case connectors.TypeDateTime:
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				return nil, errors.New("must be a date-time in RFC 3339 form, such as 2006-01-02T15:04:05Z")
			}
		}
		return str, nil
	case connectors.TypeNumber, connectors.TypeInteger:
		n, err := convert.Convert(val, cty.Number)
		if err != nil {
			return nil, errors.New("must be a number")
		}
		bf := n.AsBigFloat()
		if f.Type == connectors.TypeNumber {
			x, _ := bf.Float64()
			return x, nil
		}
		i, acc := bf.Int64()
		if !bf.IsInt() || acc != big.Exact {
			return nil, errors.New("must be a whole number")
		}
		return i, nil
	case connectors.TypeBool:
		b, err := convert.Convert(val, cty.Bool)
		if err != nil {
			return nil, errors.New("must be true or false")
		}
		return b.True(), nil
	case connectors.TypeList:
		ty := val.Type()
		if !ty.IsListType() && !ty.IsTupleType() && !ty.IsSetType() {
			return nil, errors.New("must be a list, such as [\"a\", \"b\"]")
		}
		list := make([]any, 0, val.LengthInt())
		for it := val.ElementIterator(); it.Next(); {
			_, e := it.Element()
			if f.Elem == nil {
				list = append(list, ctyToGo(e))
				continue
			}
			v, err := settingValue(*f.Elem, e)
			if err != nil {
				return nil, fmt.Errorf("has an element that %s", err)
			}
			list = append(list, v)
		}
		return list, nil
	case connectors.TypeObject:
		ty := val.Type()
		if !ty.IsMapType() && !ty.IsObjectType() {
			return nil, errors.New("must be a map")
		}
		return ctyToGo(val), nil
	}
	return ctyToGo(val), nil
}

func checkOptions(f connectors.Field, s string) error {
	if len(f.Options) == 0 || slices.Contains(f.Options, s) {
		return nil
	}
	if sug := connectors.Suggest(s, f.Options); sug != "" {
		return fmt.Errorf("must be one of %s, not %q. Did you mean %q?", quoteList(f.Options), s, sug)
	}
	return fmt.Errorf("must be one of %s, not %q", quoteList(f.Options), s)
}

// newSettingsDecoder is the decoder of a block's settings (what names the
// block in messages, kind its sort), with the resolved vars as var.* and
// lookupEnv (nil: os.LookupEnv) behind env().
func newSettingsDecoder(vars map[string]any, lookupEnv func(string) (string, bool), dir, what, kind string) (*settingsDecoder, hcl.Diagnostics) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	var diags hcl.Diagnostics
	declared := map[string]*Variable{}
	vals := map[string]cty.Value{}
	for name, v := range vars {
		cv, err := goToCty(v)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid variable value",
				Detail:   fmt.Sprintf("The variable %q holds a value kopla cannot use in %s: %s.", name, kind, err),
			})
			continue
		}
		vals[name] = cv
		declared[name] = &Variable{Name: name}
	}
	return &settingsDecoder{
		ctx:       evalContext(vals, lookupEnv, dir),
		vars:      declared,
		lookupEnv: lookupEnv,
		what:      what,
	}, diags
}
