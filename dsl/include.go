package dsl

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// parseIncludes parses the directories the kopla block's include setting
// names and returns their top-level blocks. Included directories are read
// before anything is evaluated, so include must be a literal list of paths
// relative to the project directory. include is deprecated: each directory
// is read as a library whose connections keep their names (see
// decode_library.go), so included files may not have a kopla block either.
func (l *loader) parseIncludes(dir string, blocks []*hcl.Block) []*hcl.Block {
	var settings *hcl.Block
	for _, blk := range blocks {
		if blk.Type == "kopla" {
			settings = blk
			break
		}
	}
	if settings == nil {
		return nil
	}
	// decodeSettings reports the rest of the block.
	c, _, _ := settings.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "include"}}})
	attr, ok := c.Attributes["include"]
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
	var included []*hcl.Block
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
		lib := &Library{Name: rel, Source: rel, Dir: path, Connections: map[string]string{}, Vars: map[string]*LibraryVar{},
			Implicit: true, DeclRange: attr.Expr.Range(), SourceRange: attr.Expr.Range()}
		l.cfg.Libraries["include:"+rel] = lib
		included = append(included, l.readLibraryDir(lib)...)
	}
	if len(l.cfg.Settings.Include) > 0 {
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagWarning,
			Summary:  "include is deprecated",
			Detail: fmt.Sprintf("kopla { include = [...] } will be removed in the next release. Use a library block instead, which passes the connections the library needs: "+
				"library %q { source = %q  connections = { shop = hubspot.shop, books = eaccounting.books } }, and move the library's settings from .kopla.vars into its vars = { ... } (or keep them there).",
				identifierHint(filepath.Base(l.cfg.Settings.Include[0])), l.cfg.Settings.Include[0]),
			Subject: attr.NameRange.Ptr(),
		})
	}
	return included
}
