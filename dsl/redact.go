package dsl

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// redactedSubject is the Extra of a diagnostic whose subject is a secret
// written in a file: the rendered snippet shows redactedText in its place,
// so that the warning about a secret does not print the secret to a
// terminal, a CI log or a JSON consumer.
type redactedSubject struct{}

// redactedText stands for a redacted subject in a snippet, in the words the
// plan uses for sensitive values.
const redactedText = "(sensitive value)"

// redactSubject marks d so that its snippet hides its subject.
func redactSubject(d *hcl.Diagnostic) *hcl.Diagnostic {
	d.Extra = redactedSubject{}
	return d
}

func isRedacted(d *hcl.Diagnostic) bool {
	_, ok := d.Extra.(redactedSubject)
	return ok
}

// redact replaces the highlighted subject of s with redactedText. A subject
// over several lines (a heredoc) keeps its line breaks, blank, so that the
// lines after it keep their numbers.
func (s snippet) redact() snippet {
	from, to := s.HighlightStart, s.HighlightEnd
	if from >= to {
		return s
	}
	lines := strings.Split(s.Code[from:to], "\n")
	lines[0] = redactedText
	for i := 1; i < len(lines); i++ {
		lines[i] = ""
	}
	hidden := strings.Join(lines, "\n")
	s.Code = s.Code[:from] + hidden + s.Code[to:]
	s.HighlightEnd = from + len(hidden)
	return s
}
