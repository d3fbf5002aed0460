package dsl

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/expr-lang/expr/file"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// parseExprAttr parses `x = <value>` and returns the Expr of x.
func parseExprAttr(t testing.TB, src string) (*Expr, []byte) {
	t.Helper()
	b := []byte(src)
	f, diags := hclsyntax.ParseConfig(b, "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("parse %q: %s", src, diags.Error())
	}
	attr := f.Body.(*hclsyntax.Body).Attributes["x"]
	if attr == nil {
		t.Fatalf("no attribute x in %q", src)
	}
	e, diags, _ := newExprFromAttr(attr.AsHCLAttribute(), b)
	if e == nil {
		t.Fatalf("newExprFromAttr(%q): %v", src, diags)
	}
	return e, b
}

func TestRangeAt(t *testing.T) {
	tests := []struct {
		name         string
		src          string
		line, column int
		// want is the file text of the range, wantLine its start line.
		want     string
		wantLine int
	}{
		{"quoted", `x = "source.a + b"`, 1, 9, "+", 1},
		{"quoted first", `x = "source.a + b"`, 1, 0, "s", 1},
		{"quoted past end", `x = "source.a +"`, 1, 10, "+", 1},
		{"quoted negative column", `x = "ab"`, 1, -3, "a", 1},
		{"quoted line zero", `x = "ab"`, 0, 1, "b", 1},
		{"quoted unicode", `x = "'é🙂' + y"`, 1, 7, "y", 1},
		{"escape makes line inexact", `x = "'a\tb' + c.d"`, 1, 7, `'a\tb' + c.d`, 1},
		{"second line of escaped string", `x = "a +\n  b.c"`, 2, 2, "b", 1},
		{"escape on first line only", `x = "'\t' +\n  bad"`, 2, 2, "b", 1},
		{"escape on second line", `x = "a +\n '\t'"`, 2, 1, ` '\t'`, 1},
		{"heredoc", "x = <<EXPR\nsource.a +\n  source.b )\nEXPR\n", 2, 11, ")", 3},
		{"heredoc indented marker", "x = <<EXPR\n  a\n    b\n  EXPR\n", 2, 4, "b", 3},
		{"flush heredoc", "x = <<-EXPR\n    source.a +\n      source.b )\n    EXPR\n", 2, 11, ")", 3},
		{"flush heredoc first line", "x = <<-EXPR\n    a\n    b\n    EXPR\n", 1, 0, "a", 2},
		{"flush heredoc blank line", "x = <<-EXPR\n    a\n\n    b +\n    EXPR\n", 3, 2, "+", 4},
		{"heredoc escaped interpolation", "x = <<-EXPR\n    '$${x}' +\n    y\n    EXPR\n", 1, 2, "'$${x}' +", 2},
		{"heredoc CRLF", "x = <<-EXPR\r\n    a +\r\n      b )\r\n    EXPR\r\n", 2, 4, ")", 3},
		{"heredoc CRLF end of line", "x = <<-EXPR\r\n    a +\r\n    EXPR\r\n", 1, 3, "+", 2},
		{"quoted empty last line", `x = "a +\n"`, 2, 0, "+", 1},
		{"heredoc end of input", "x = <<-EXPR\n    a +\n    EXPR\n", 2, 0, "+", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, src := parseExprAttr(t, tt.src)
			r := e.RangeAt(tt.line, tt.column)
			if got := string(r.SliceBytes(src)); got != tt.want || r.Start.Line != tt.wantLine {
				t.Errorf("RangeAt(%d, %d) of %q = %q on line %d; want %q on line %d", tt.line, tt.column, e.Source, got, r.Start.Line, tt.want, tt.wantLine)
			}
			checkPos(t, src, r.Start)
			checkPos(t, src, r.End)
		})
	}
}

// checkPos checks that a position's line agrees with its byte offset in
// src, and its column too when the line is ASCII up to it (beyond ASCII,
// HCL counts grapheme clusters token by token, which a whole-line count
// does not reproduce when a combining mark follows a quote).
func checkPos(t testing.TB, src []byte, p hcl.Pos) {
	t.Helper()
	if p.Byte < 0 || p.Byte > len(src) {
		t.Fatalf("position %+v outside the file (%d bytes)", p, len(src))
	}
	before := string(src[:p.Byte])
	line := 1 + strings.Count(before, "\n")
	if p.Line != line {
		t.Errorf("position %+v: byte %d is on line %d", p, p.Byte, line)
	}
	prefix := before[strings.LastIndexByte(before, '\n')+1:]
	for _, r := range prefix {
		if r >= utf8.RuneSelf {
			return
		}
	}
	if col := 1 + len(prefix); p.Column != col {
		t.Errorf("position %+v: byte %d is column %d", p, p.Byte, col)
	}
}

func TestNewExpr(t *testing.T) {
	rng := hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: 3, Column: 5, Byte: 40}, End: hcl.Pos{Line: 3, Column: 9, Byte: 44}}
	e := NewExpr("a +\n b", rng)
	if got := e.RangeAt(2, 1); got != rng {
		t.Errorf("RangeAt of a synthetic expression = %v; want %v", got, rng)
	}
}

func TestRangeOf(t *testing.T) {
	e, src := parseExprAttr(t, "x = <<-EXPR\n    a +\n      var.rate * 2\n    EXPR\n")
	// var.rate spans runes 6 to 14 of "a +\n  var.rate * 2\n".
	r := e.RangeOf(file.Location{From: 6, To: 14})
	if got := string(r.SliceBytes(src)); got != "var.rate" {
		t.Errorf("RangeOf = %q; want %q", got, "var.rate")
	}
}

// FuzzRangeAt checks, for arbitrary expression text written as an HCL
// string and as a heredoc, that every position maps inside the expression,
// onto the right character when the line maps exactly.
func FuzzRangeAt(f *testing.F) {
	for _, s := range []string{"a + b", "a +\n  b", "'é' + \t x", "${x} %{y}", "a\\b\"c", "\n\n", "", "🙂\r\nx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || len(s) > 1000 {
			return
		}
		quoted := "x = " + string(hclwrite.TokensForValue(cty.StringVal(s)).Bytes()) + "\n"
		checkAllPositions(t, quoted)
		if heredocSafe(s) {
			var b strings.Builder
			b.WriteString("x = <<-EXPR\n")
			for _, l := range strings.Split(s, "\n") {
				b.WriteString("    " + l + "\n")
			}
			b.WriteString("    EXPR\n")
			checkAllPositions(t, b.String())
		}
	})
}

func heredocSafe(s string) bool {
	if s == "" || strings.ContainsAny(s, "$%\r") {
		return false
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "EXPR" || strings.TrimSpace(l) == "" {
			return false
		}
	}
	return true
}

func checkAllPositions(t *testing.T, src string) {
	b := []byte(src)
	f, diags := hclsyntax.ParseConfig(b, "t.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return
	}
	attr := f.Body.(*hclsyntax.Body).Attributes["x"]
	if attr == nil {
		return
	}
	e, _, _ := newExprFromAttr(attr.AsHCLAttribute(), b)
	if e == nil {
		return
	}
	lines := strings.Split(e.Source, "\n")
	for li, l := range lines {
		runes := []rune(l)
		for col := 0; col <= len(runes); col++ {
			r := e.RangeAt(li+1, col)
			if r.Start.Byte < e.Range.Start.Byte || r.End.Byte > e.Range.End.Byte || r.Start.Byte > r.End.Byte {
				t.Fatalf("RangeAt(%d, %d) of %q = %v; outside %v", li+1, col, src, r, e.Range)
			}
			checkPos(t, b, r.Start)
			if li < len(e.lineExact) && e.lineExact[li] && col < len(runes) {
				if got := string(r.SliceBytes(b)); got != string(runes[col]) {
					t.Fatalf("RangeAt(%d, %d) of %q = %q; want %q", li+1, col, src, got, string(runes[col]))
				}
			}
		}
	}
}
