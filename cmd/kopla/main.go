// Command kopla validates, plans and applies integration flows written in
// HCL: `kopla plan` shows, record by record and field by field, what would
// change in the connected systems, and `kopla apply` makes those changes.
//
// The command has three parts, in Terraform's shape: pure argument parsing
// (args.go, one pflag.FlagSet per command), views with a human and a JSON
// implementation (view_*.go), and exit codes as a contract:
//
//	0  success (plan -detailed-exitcode: no changes)
//	1  error: invalid configuration, a failed or refused run, a record that
//	   could not be planned or written, a bad command line
//	2  plan -detailed-exitcode: there are changes
//	3  fmt -check: a file needs formatting
//
// The UI and JSON go to stdout; logs (log/slog, level from KOPLA_LOG) go to
// stderr.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"golang.org/x/term"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting"
	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/connectors/hubspot"
)

// defaultMemoryLimit is the Go runtime's soft memory limit unless
// GOMEMLIMIT sets one. What a run keeps is bounded by its batches but for
// a few indexes by key (the planner's keys, a file target's rows); the
// garbage of a million records is not left to double the heap before it
// is collected. Past the limit the runtime caps the collector at half the
// CPU rather than fail.
const defaultMemoryLimit = 200 << 20

func main() {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs kopla with the process's environment and the production
// connectors.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runWith(ctx, deps{
		stdin:      stdin,
		stdout:     stdout,
		stderr:     stderr,
		registry:   registry,
		lookupEnv:  os.LookupEnv,
		isTerminal: isTerminal,
		version:    buildVersion(),
	}, args)
}

// registry lists the connectors kopla ships. It is the one place that does;
// there is no registration by init().
func registry() (*connectors.Registry, error) {
	r := connectors.NewRegistry()
	for _, f := range []connectors.Factory{
		eaccounting.New(),
		file.New(),
		hubspot.New(),
	} {
		if err := r.Register(f); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// isTerminal reports whether a stream is a terminal (colour, progress,
// prompts).
func isTerminal(stream any) bool {
	f, ok := stream.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
