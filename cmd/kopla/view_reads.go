package main

import (
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"

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

// incrementalDeprecated warns of the -incremental flag, which changes
// nothing any more.
func incrementalDeprecated(used bool) hcl.Diagnostics {
	if !used {
		return nil
	}
	return hcl.Diagnostics{{
		Severity: hcl.DiagWarning,
		Summary:  "Deprecated flag",
		Detail:   "-incremental is deprecated and ignored: reads are incremental by default (the plan says per flow how it read), and -full reads in full. Remove it from your commands and schedules.",
	}}
}
