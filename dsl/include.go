package dsl

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// parseIncludes parses the directories the kopla block's include setting
// names and returns their top-level blocks. Included directories are read
// before anything is evaluated, so include must be a literal list of paths
// relative to the project directory; included files may not have a kopla
// block of their own.
func (l *loader) parseIncludes(dir string, blocks []*hclsyntax.Block) []*hclsyntax.Block {
	var settings *hclsyntax.Block
	for _, blk := range blocks {
		if blk.Type == "kopla" {
			settings = blk
			break
		}
	}
	if settings == nil {
		return nil
	}
	attr, ok := settings.Body.Attributes["include"]
	if !ok {
		return nil
	}
	val, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || !val.Type().IsTupleType() && !val.Type().IsListType() {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Invalid include",
			Detail:   `include must be a list of directory paths written out, relative to the project directory, such as include = ["../../flows"].`,
			Subject:  attr.Expr.Range().Ptr(),
		})
		return nil
	}
	var included []*hclsyntax.Block
	seen := map[string]bool{}
	for it := val.ElementIterator(); it.Next(); {
		_, v := it.Element()
		if v.IsNull() || !v.Type().Equals(cty.String) || v.AsString() == "" {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid include",
				Detail:   "Each element of include must be a directory path (a string).",
				Subject:  attr.Expr.Range().Ptr(),
			})
			continue
		}
		rel := v.AsString()
		path := filepath.Clean(filepath.Join(dir, rel))
		if seen[path] || path == filepath.Clean(dir) {
			continue
		}
		seen[path] = true
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Invalid include",
				Detail:   fmt.Sprintf("%q is not a directory (looked for %s).", rel, path),
				Subject:  attr.Expr.Range().Ptr(),
			})
			continue
		}
		l.cfg.Settings.Include = append(l.cfg.Settings.Include, rel)
		for _, blk := range l.parseDir(path) {
			if blk.Type == "kopla" {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unexpected kopla block",
					Detail:   "An included directory holds flows and their settings; the kopla block belongs to the project that includes it. Remove this one.",
					Subject:  blk.DefRange().Ptr(),
				})
				continue
			}
			included = append(included, blk)
		}
	}
	return included
}
