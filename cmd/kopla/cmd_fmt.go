package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

const fmtUsage = `Usage: kopla [global options] fmt [options]

  Rewrite the project's *.hcl files (and its .kopla.vars) in canonical
  layout, and list the files it changed. Files with syntax errors are left
  as they are and reported.

  Exit codes: 0 success, 1 error, 3 with -check when a file needs
  formatting.
`

func (c *cli) fmt(_ context.Context, args []string) int {
	a, f, err := parseFmt(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	changed, diags := dsl.FormatDir(c.dir())
	paths := make([]string, 0, len(changed))
	for p := range changed {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, path := range paths {
		if a.list {
			fmt.Fprintln(c.stdout, path)
		}
		if a.diff {
			old, err := os.ReadFile(path)
			if err != nil {
				diags = append(diags, engine.ErrorDiagnostic("Cannot read file", err)...)
				continue
			}
			unifiedDiff(c.stdout, path, old, changed[path])
		}
		if !a.check {
			info, err := os.Stat(path)
			if err == nil {
				err = os.WriteFile(path, changed[path], info.Mode().Perm())
			}
			if err != nil {
				diags = append(diags, engine.ErrorDiagnostic("Cannot write file", err)...)
			}
		}
	}
	dsl.WriteDiagnostics(c.stdout, diags, nil, c.color())
	switch {
	case diags.HasErrors():
		return exitError
	case a.check && len(changed) > 0:
		return exitFormat
	}
	return exitOK
}

// unifiedDiff returns the differences between two texts in unified format
// (three lines of context), as diff -u prints them.
func unifiedDiff(w io.Writer, name string, before, after []byte) {
	a, b := splitLines(before), splitLines(after)
	ops := diffLines(a, b)
	const ctx = 3
	// Find the hunks: runs of changes with up to 2*ctx equal lines between.
	type hunk struct{ from, to int } // indices into ops
	var hunks []hunk
	for i := 0; i < len(ops); i++ {
		if ops[i].kind == ' ' {
			continue
		}
		from := max(0, i-ctx)
		j := i
		for k := i; k < len(ops); k++ {
			if ops[k].kind != ' ' {
				j = k
			} else if k-j > 2*ctx {
				break
			}
		}
		to := min(len(ops), j+ctx+1)
		hunks = append(hunks, hunk{from, to})
		i = to - 1
	}
	if len(hunks) == 0 {
		return
	}
	fmt.Fprintf(w, "--- %s\n+++ %s (formatted)\n", name, name)
	for _, h := range hunks {
		aStart, bStart := ops[h.from].aLine, ops[h.from].bLine
		var aLen, bLen int
		var body strings.Builder
		for _, op := range ops[h.from:h.to] {
			switch op.kind {
			case ' ':
				aLen++
				bLen++
			case '-':
				aLen++
			case '+':
				bLen++
			}
			body.WriteByte(op.kind)
			body.WriteString(op.text)
			if !strings.HasSuffix(op.text, "\n") {
				body.WriteString("\n\\ No newline at end of file\n")
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n%s", hunkRange(aStart, aLen), hunkRange(bStart, bLen), body.String())
	}
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// diffOp is one line of a diff: kept (' '), removed ('-') or added ('+'),
// with its 1-based line numbers in both texts (the next line's, for a line
// absent from one text).
type diffOp struct {
	kind         byte
	text         string
	aLine, bLine int
}

// diffLines computes a shortest line diff with a longest common subsequence
// table. Flow files are small; for very large ones it falls back to
// replacing the whole text.
func diffLines(a, b []string) []diffOp {
	var ops []diffOp
	if len(a)*len(b) > 4_000_000 {
		for i, l := range a {
			ops = append(ops, diffOp{'-', l, i + 1, 1})
		}
		for i, l := range b {
			ops = append(ops, diffOp{'+', l, len(a) + 1, i + 1})
		}
		return ops
	}
	// lcs[i][j] is the length of the LCS of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], i + 1, j + 1})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', a[i], i + 1, j + 1})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j], i + 1, j + 1})
			j++
		}
	}
	return ops
}

// splitLines splits a text after each newline, keeping them.
func splitLines(s []byte) []string {
	var lines []string
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, string(s))
			break
		}
		lines = append(lines, string(s[:i+1]))
		s = s[i+1:]
	}
	return lines
}
