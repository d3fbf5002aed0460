package dsl

import (
	"strings"
	"unicode/utf8"

	"github.com/apparentlymart/go-textseg/v15/textseg"
	"github.com/expr-lang/expr/file"
	"github.com/hashicorp/hcl/v2"
)

// NewExpr returns an expression whose every position maps to rng: for tests
// and for expressions that do not come from a file.
func NewExpr(src string, rng hcl.Range) *Expr {
	return &Expr{Source: src, Range: rng, start: rng.Start}
}

// RangeAt returns the file range of the character at line (1-based) and
// column (0-based, in runes) of Source, as expr-lang's *file.Error reports
// them. The range is one character wide when the position is known exactly;
// when escapes or heredoc indentation make the column uncertain it is the
// whole line inside the string, and for synthetic expressions it is Range.
// Positions past the end of a line or of Source are clamped to the last
// character.
func (e *Expr) RangeAt(line, column int) hcl.Range {
	if len(e.lineStarts) == 0 {
		return e.Range
	}
	if line > len(e.lineStarts) {
		// expr reports "unexpected end" one line past a trailing newline:
		// point at the end of the last line instead.
		line, column = len(e.lineStarts), utf8.RuneCountInString(sourceLine(e.Source, len(e.lineStarts)-1))
	}
	if line < 1 {
		line = 1
	}
	i := line - 1
	start, end := e.lineStarts[i], e.lineEnds[i]
	if !e.lineExact[i] {
		return hcl.Range{Filename: e.Range.Filename, Start: start, End: end}
	}
	text := strings.TrimSuffix(sourceLine(e.Source, i), "\r")
	if text == "" {
		if i > 0 {
			// expr reports the end of input on an empty last line:
			// point at the last character before it.
			return e.RangeAt(line-1, int(^uint(0)>>1))
		}
		return hcl.Range{Filename: e.Range.Filename, Start: start, End: start}
	}
	n := utf8.RuneCountInString(text)
	if column >= n {
		column = n - 1
	}
	if column < 0 {
		column = 0
	}
	off := 0
	for range column {
		_, size := utf8.DecodeRuneInString(text[off:])
		off += size
	}
	from := advance(start, text[:off])
	_, size := utf8.DecodeRuneInString(text[off:])
	to := from
	to.Byte += size
	to.Column++
	return hcl.Range{Filename: e.Range.Filename, Start: from, End: to}
}

// RangeOf returns the file range of a span of Source given as expr-lang
// rune offsets (ast.Node.Location(); To is exclusive).
func (e *Expr) RangeOf(loc file.Location) hcl.Range {
	fl, fc := lineColumn(e.Source, loc.From)
	from := e.RangeAt(fl, fc)
	if loc.To <= loc.From+1 {
		return from
	}
	tl, tc := lineColumn(e.Source, loc.To-1)
	to := e.RangeAt(tl, tc)
	if to.Start.Byte < from.Start.Byte {
		return from
	}
	return hcl.RangeBetween(from, to)
}

// lineColumn converts a rune offset of src to expr-lang's 1-based line and
// 0-based column, exactly as file.Error.Bind does.
func lineColumn(src string, offset int) (line, column int) {
	line = 1
	n := 0
	for _, r := range src {
		if n == offset {
			break
		}
		if r == '\n' {
			line++
			column = 0
		} else {
			column++
		}
		n++
	}
	return line, column
}

// sourceLine returns line i (0-based) of src, without its newline.
func sourceLine(src string, i int) string {
	for ; i > 0; i-- {
		k := strings.IndexByte(src, '\n')
		if k < 0 {
			return ""
		}
		src = src[k+1:]
	}
	if k := strings.IndexByte(src, '\n'); k >= 0 {
		return src[:k]
	}
	return src
}

// advance returns the position after s, starting at p, counting columns in
// grapheme clusters as HCL does.
func advance(p hcl.Pos, s string) hcl.Pos {
	b := []byte(s)
	for len(b) > 0 {
		n, seq, _ := textseg.ScanGraphemeClusters(b, true)
		if n == 0 {
			break
		}
		p.Byte += n
		if seq[len(seq)-1] == '\n' {
			p.Line++
			p.Column = 1
		} else {
			p.Column++
		}
		b = b[n:]
	}
	return p
}

// locate fills the position tables of e from the raw file bytes of its HCL
// expression (a quoted string or a heredoc).
func (e *Expr) locate(src []byte) {
	rng := e.Range
	if rng.Start.Byte < 0 || rng.End.Byte > len(src) || rng.Start.Byte >= rng.End.Byte {
		return
	}
	raw := string(src[rng.Start.Byte:rng.End.Byte])
	switch {
	case strings.HasPrefix(raw, `"`):
		e.locateQuoted(raw)
	case strings.HasPrefix(raw, "<<"):
		e.locateHeredoc(raw)
	}
	e.exact = len(e.lineExact) > 0
	for _, ok := range e.lineExact {
		e.exact = e.exact && ok
	}
}

func (e *Expr) addLine(start, end hcl.Pos, exact bool) {
	e.lineStarts = append(e.lineStarts, start)
	e.lineEnds = append(e.lineEnds, end)
	e.lineExact = append(e.lineExact, exact)
}

func (e *Expr) locateQuoted(raw string) {
	content := strings.TrimPrefix(raw, `"`)
	content = strings.TrimSuffix(content, `"`)
	start := advance(e.Range.Start, `"`)
	e.start = start
	decoded := strings.Split(e.Source, "\n")
	if content == e.Source {
		p := start
		for i, l := range decoded {
			end := advance(p, l)
			e.addLine(p, end, true)
			if i < len(decoded)-1 {
				p = advance(end, "\n")
			}
		}
		return
	}
	// Escapes: split the raw text at its \n escapes, which are where the
	// decoded lines break; a segment whose raw text equals its decoded text
	// maps column for column.
	var segs []string
	last := 0
	for i := 0; i < len(content); i++ {
		if content[i] != '\\' || i+1 >= len(content) {
			continue
		}
		if content[i+1] == 'n' {
			segs = append(segs, content[last:i])
			last = i + 2
		}
		i++
	}
	segs = append(segs, content[last:])
	if len(segs) != len(decoded) || strings.Contains(content, "\n") {
		e.addLine(start, advance(start, content), false)
		return
	}
	p := start
	for i, seg := range segs {
		end := advance(p, seg)
		e.addLine(p, end, seg == decoded[i])
		p = advance(end, `\n`)
	}
}

func (e *Expr) locateHeredoc(raw string) {
	nl := strings.IndexByte(raw, '\n')
	if nl < 0 {
		return
	}
	body := raw[nl+1:]
	// The closing marker sits on the last line: drop it.
	if k := strings.LastIndexByte(body, '\n'); k >= 0 {
		body = body[:k+1]
	} else {
		body = ""
	}
	rawLines := strings.SplitAfter(body, "\n")
	if len(rawLines) > 0 && rawLines[len(rawLines)-1] == "" {
		rawLines = rawLines[:len(rawLines)-1]
	}
	decoded := strings.Split(strings.TrimSuffix(e.Source, "\n"), "\n")
	if e.Source == "" {
		decoded = nil
	}
	p := hcl.Pos{Line: e.Range.Start.Line + 1, Column: 1, Byte: e.Range.Start.Byte + nl + 1}
	if len(decoded) != len(rawLines) {
		if len(rawLines) > 0 {
			e.start = p
			e.addLine(p, advance(p, strings.TrimSuffix(body, "\n")), false)
		}
		return
	}
	for i, rl := range rawLines {
		text := strings.TrimSuffix(rl, "\n")
		d := decoded[i]
		lineEnd := advance(p, strings.TrimSuffix(text, "\r"))
		if strings.HasSuffix(text, d) {
			s := advance(p, text[:len(text)-len(d)])
			e.addLine(s, advance(s, d), true)
		} else {
			trimmed := strings.TrimLeft(text, " \t")
			e.addLine(advance(p, text[:len(text)-len(trimmed)]), lineEnd, false)
		}
		if i == 0 {
			e.start = e.lineStarts[0]
		}
		p = advance(p, rl)
	}
}
