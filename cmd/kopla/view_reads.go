package main

import (
	"fmt"
	"io"

	"github.com/kopla-dev/kopla/engine/plan"
)

// writeReads prints how each flow's source was read (incremental from its
// cursor, or in full and why), followed by a blank line; nothing when no
// flow was read.
func writeReads(w io.Writer, st style, pl *plan.Plan) {
	width := 0
	for _, fp := range pl.Flows {
		if fp.ReadLine() != "" {
			width = max(width, len(fp.Flow))
		}
	}
	if width == 0 {
		return
	}
	fmt.Fprintln(w, st.bold("Reads:"))
	for _, fp := range pl.Flows {
		if line := fp.ReadLine(); line != "" {
			fmt.Fprintf(w, "  %-*s  %s\n", width, fp.Flow, line)
		}
	}
	fmt.Fprintln(w)
}
