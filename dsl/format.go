package dsl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format returns src in canonical layout (hclwrite.Format: aligned equals
// signs, indentation, spacing). A file with syntax errors is not formatted:
// its diagnostics are returned instead.
func Format(src []byte, filename string) ([]byte, hcl.Diagnostics) {
	if _, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, diags
	}
	return hclwrite.Format(src), nil
}

// FormatDir formats the native files Load reads in dir, plus its flow test
// files (*.test.hcl) and its .kopla.vars file, and returns the new contents
// of those that change, by path. JSON files (*.hcl.json) are left as they
// are: their layout is the tool's that writes them. It writes nothing:
// `kopla fmt` writes them, and `kopla fmt -check` lists them.
func FormatDir(dir string) (changed map[string][]byte, diags hcl.Diagnostics) {
	all, diags := projectFiles(dir)
	var names []string
	for _, n := range all {
		if !isJSONFile(n) {
			names = append(names, n)
		}
	}
	tests, _ := filepath.Glob(filepath.Join(dir, "*"+TestFileSuffix))
	for _, t := range tests {
		if n := filepath.Base(t); !strings.HasPrefix(n, ".") {
			names = append(names, n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, VarsFile)); err == nil {
		names = append(names, VarsFile)
	}
	changed = map[string][]byte{}
	for _, n := range names {
		path := filepath.Join(dir, n)
		src, err := os.ReadFile(path)
		if err != nil {
			diags = append(diags, readError(path, err))
			continue
		}
		out, fdiags := Format(src, path)
		diags = append(diags, fdiags...)
		if fdiags.HasErrors() {
			continue
		}
		if !bytes.Equal(out, src) {
			changed[path] = out
		}
	}
	return changed, diags
}
