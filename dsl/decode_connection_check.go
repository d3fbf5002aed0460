package dsl

import (
	"strconv"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
)

// SettingDiagnostics places the problems a connector found in the decoded
// settings of a connection (connectors.Factory.CheckConfig) on the source:
// a problem with a written setting on its expression, one with a setting
// that is not written on the innermost enclosing block that is. A problem
// with a setting that is written but has no decoded value is left out:
// decoding reported it already (an unset environment variable, a wrong
// type).
func SettingDiagnostics(c *Connection, cfg connectors.Config, problems []connectors.SettingError) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, p := range problems {
		rng, written := settingRange(c.Body, c.DeclRange, p.Path)
		if written && !hasValue(cfg, p.Path) {
			continue
		}
		summary := p.Summary
		if summary == "" {
			summary = "Invalid connection setting"
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  summary,
			Detail:   sentence(p.Detail),
			Subject:  rng.Ptr(),
		})
	}
	return diags
}

// settingRange finds the range of the setting at path: the attribute's
// expression or the block's header when it is written (written true),
// else the range of the innermost block of the path that is. A step is a
// block when the body has blocks of its name (in JSON, an object is both
// an argument and a block: it is taken as a block), else an argument.
func settingRange(body hcl.Body, declRange hcl.Range, path []string) (hcl.Range, bool) {
	rng := declRange
	for i := 0; i < len(path) && body != nil; i++ {
		name := path[i]
		bc, _, _ := body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: name}}})
		if len(bc.Blocks) == 0 {
			attrs, _ := body.JustAttributes()
			if attr, ok := attrs[name]; ok {
				return attr.Expr.Range(), i == len(path)-1
			}
			return rng, false
		}
		index := 0
		if i+1 < len(path) {
			if n, err := strconv.Atoi(path[i+1]); err == nil {
				index = n
				i++
			}
		}
		if index >= len(bc.Blocks) {
			return rng, false
		}
		blk := bc.Blocks[index]
		rng, body = blk.DefRange, blk.Body
		if i == len(path)-1 {
			return rng, true
		}
	}
	return rng, false
}

// hasValue reports whether the decoded settings hold a value at path.
func hasValue(cfg connectors.Config, path []string) bool {
	var cur any = map[string]any(cfg)
	for _, step := range path {
		switch v := cur.(type) {
		case map[string]any:
			var ok bool
			if cur, ok = v[step]; !ok {
				return false
			}
		case connectors.Config:
			var ok bool
			if cur, ok = v[step]; !ok {
				return false
			}
		case []any:
			n, err := strconv.Atoi(step)
			if err != nil || n < 0 || n >= len(v) {
				return false
			}
			cur = v[n]
		default:
			return false
		}
	}
	return cur != nil
}
