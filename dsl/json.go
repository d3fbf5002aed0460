package dsl

import (
	"github.com/hashicorp/hcl/v2"
)

// ValidateFormatVersion is the format_version of ValidateDocument.
const ValidateFormatVersion = "1.0"

// ValidateDocument is the result of `kopla validate -json`, in the shape of
// `terraform validate -json`.
type ValidateDocument struct {
	FormatVersion string `json:"format_version"`
	Valid         bool   `json:"valid"`
	ErrorCount    int    `json:"error_count"`
	WarningCount  int    `json:"warning_count"`
	// Diagnostics is never nil, so that it marshals as an array.
	Diagnostics []JSONDiagnostic `json:"diagnostics"`
}

// JSONDiagnostic is one diagnostic of a ValidateDocument.
type JSONDiagnostic struct {
	Severity string       `json:"severity"` // "error" or "warning"
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *JSONRange   `json:"range,omitempty"`
	Snippet  *JSONSnippet `json:"snippet,omitempty"`
}

// JSONRange is a source range; columns count characters from 1 and bytes
// from 0, as in hcl.Pos.
type JSONRange struct {
	Filename string  `json:"filename"`
	Start    JSONPos `json:"start"`
	End      JSONPos `json:"end"`
}

// JSONPos is a position in a file.
type JSONPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// JSONSnippet is the source around a diagnostic: Code holds whole lines from
// StartLine, and the highlight offsets are byte offsets of the subject in
// Code.
type JSONSnippet struct {
	// Context is the header of the enclosing top-level block, such as
	// flow "people"; null when there is none.
	Context              *string `json:"context"`
	Code                 string  `json:"code"`
	StartLine            int     `json:"start_line"`
	HighlightStartOffset int     `json:"highlight_start_offset"`
	HighlightEndOffset   int     `json:"highlight_end_offset"`
	// Values is always empty: kopla does not show expression values in
	// diagnostics. It is kept for tools that read Terraform's format.
	Values []any `json:"values"`
}

// JSONDiagnostics builds the validate document of diags. files, when given
// (Config.Files), supply the source snippets; without them diagnostics
// carry ranges but no snippets.
func JSONDiagnostics(diags hcl.Diagnostics, files ...map[string]*hcl.File) ValidateDocument {
	all := map[string]*hcl.File{}
	for _, fs := range files {
		for name, f := range fs {
			all[name] = f
		}
	}
	doc := ValidateDocument{FormatVersion: ValidateFormatVersion, Diagnostics: []JSONDiagnostic{}}
	for _, d := range diags {
		jd := JSONDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
			doc.WarningCount++
		} else {
			doc.ErrorCount++
		}
		if r := d.Subject; r != nil {
			jd.Range = &JSONRange{
				Filename: r.Filename,
				Start:    JSONPos{Line: r.Start.Line, Column: r.Start.Column, Byte: r.Start.Byte},
				End:      JSONPos{Line: r.End.Line, Column: r.End.Column, Byte: r.End.Byte},
			}
			if s, ok := snippetOf(d, all); ok {
				js := &JSONSnippet{
					Code:                 s.Code,
					StartLine:            s.StartLine,
					HighlightStartOffset: s.HighlightStart,
					HighlightEndOffset:   s.HighlightEnd,
					Values:               []any{},
				}
				if s.Context != "" {
					js.Context = &s.Context
				}
				jd.Snippet = js
			}
		}
		doc.Diagnostics = append(doc.Diagnostics, jd)
	}
	doc.Valid = doc.ErrorCount == 0
	return doc
}
