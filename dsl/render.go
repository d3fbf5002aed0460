package dsl

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcled"
)

const (
	ansiReset     = "\x1b[0m"
	ansiBold      = "\x1b[1m"
	ansiRed       = "\x1b[1;31m"
	ansiYellow    = "\x1b[1;33m"
	ansiUnderline = "\x1b[4m"
)

// WriteDiagnostics renders diagnostics for people, in Terraform's style:
//
//	Error: Unknown source field
//
//	  on people.hcl line 9, in flow "people":
//	   9:     name  = "source.frist + ' ' + source.last"
//
//	The source object file.in.people has no field "frist". Did you mean "first"?
//
// files supply the source lines (Config.Files); a diagnostic whose file is
// not among them is rendered without its snippet. With color, the severity
// is coloured and the subject underlined; without, the output is plain text
// and byte-stable.
func WriteDiagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, color bool) error {
	bw := bufio.NewWriter(w)
	for i, d := range diags {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeDiagnostic(bw, d, files, color)
	}
	return bw.Flush()
}

func writeDiagnostic(w *bufio.Writer, d *hcl.Diagnostic, files map[string]*hcl.File, color bool) {
	sev, col := "Error", ansiRed
	if d.Severity == hcl.DiagWarning {
		sev, col = "Warning", ansiYellow
	}
	if color {
		fmt.Fprintf(w, "%s%s: %s%s%s%s\n", col, sev, ansiReset, ansiBold, d.Summary, ansiReset)
	} else {
		fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
	}
	if s, ok := snippetOf(d, files); ok {
		w.WriteString("\n")
		in := ""
		if s.Context != "" {
			in = ", in " + s.Context
		}
		fmt.Fprintf(w, "  on %s line %d%s:\n", d.Subject.Filename, d.Subject.Start.Line, in)
		lineStart := 0
		for i, line := range strings.Split(s.Code, "\n") {
			lineEnd := lineStart + len(line)
			text := line
			if color {
				// Underline the part of the subject on this line.
				from := max(s.HighlightStart, lineStart) - lineStart
				to := min(s.HighlightEnd, lineEnd) - lineStart
				if from < to {
					text = line[:from] + ansiUnderline + line[from:to] + ansiReset + line[to:]
				}
			}
			fmt.Fprintf(w, "%4d: %s\n", s.StartLine+i, strings.TrimSuffix(text, "\r"))
			lineStart = lineEnd + 1
		}
	} else if d.Subject != nil {
		fmt.Fprintf(w, "\n  on %s line %d:\n", d.Subject.Filename, d.Subject.Start.Line)
	}
	if d.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", d.Detail)
	}
}

// snippet is the source around a diagnostic: the lines of its context (or
// subject), and the subject's byte offsets within them.
type snippet struct {
	Context        string // header of the enclosing top-level block
	Code           string
	StartLine      int
	HighlightStart int
	HighlightEnd   int
}

func snippetOf(d *hcl.Diagnostic, files map[string]*hcl.File) (snippet, bool) {
	if d.Subject == nil {
		return snippet{}, false
	}
	f := files[d.Subject.Filename]
	if f == nil || d.Subject.Start.Byte > len(f.Bytes) || d.Subject.End.Byte > len(f.Bytes) {
		return snippet{}, false
	}
	rng := *d.Subject
	if d.Context != nil && d.Context.Filename == rng.Filename && d.Context.End.Byte <= len(f.Bytes) {
		rng = hcl.RangeOver(rng, *d.Context)
	}
	src := f.Bytes
	start := rng.Start.Byte
	for start > 0 && src[start-1] != '\n' {
		start--
	}
	end := rng.End.Byte
	// A range ending at the start of a line does not show that line.
	if end > start && end > rng.Start.Byte && src[end-1] == '\n' {
		end--
	}
	for end < len(src) && src[end] != '\n' {
		end++
	}
	code := string(src[start:end])
	s := snippet{
		Code:           code,
		StartLine:      rng.Start.Line,
		HighlightStart: min(d.Subject.Start.Byte-start, len(code)),
		HighlightEnd:   min(d.Subject.End.Byte-start, len(code)),
	}
	if off := d.Subject.Start.Byte - 1; off >= 0 {
		s.Context = hcled.ContextString(f, off)
	}
	if isRedacted(d) {
		s = s.redact()
	}
	return s, true
}
