package file

import (
	"fmt"
	"strings"
)

// BadLinesError lists the rows of a file that could not be parsed (invalid
// JSON, a broken CSV quote, more cells than the header has columns). Read
// returns it after emitting every good row, so one bad line never hides the
// others; Find, Get and Write skip bad rows and never change them.
type BadLinesError struct {
	// File is the file's path as the connection names it (dir/name.ext).
	File  string
	Lines []LineError
}

// LineError is one bad row: the line it starts on and what is wrong.
type LineError struct {
	Line   int
	Column int // 1-based byte column, 0 when unknown
	Reason string
}

// maxListed caps the lines an error message names; the error holds them all.
const maxListed = 10

func (e *BadLinesError) Error() string {
	var b strings.Builder
	noun := "lines"
	if len(e.Lines) == 1 {
		noun = "line"
	}
	fmt.Fprintf(&b, "file: %s: %d bad %s (fix or remove them; the other rows were read)", e.File, len(e.Lines), noun)
	for i, l := range e.Lines {
		if i == maxListed {
			fmt.Fprintf(&b, "; and %d more", len(e.Lines)-maxListed)
			break
		}
		b.WriteString("; ")
		b.WriteString(l.String())
	}
	return b.String()
}

func (l LineError) String() string {
	if l.Column > 0 {
		return fmt.Sprintf("line %d, column %d: %s", l.Line, l.Column, l.Reason)
	}
	return fmt.Sprintf("line %d: %s", l.Line, l.Reason)
}
