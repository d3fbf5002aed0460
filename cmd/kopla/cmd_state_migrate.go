package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
)

type stateMigrateArgs struct {
	globalArgs
	to string
}

func parseStateMigrate(args []string) (*stateMigrateArgs, *flagSet, error) {
	a := &stateMigrateArgs{}
	f := newFlagSet("state migrate")
	f.fs.StringVar(&a.to, "to", "", "Copy the state into `STATE`: a new SQLite file (relative to the project directory) or a Postgres URL, postgres://...?schema=NAME.")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	if err == nil && a.to == "" {
		err = usagef(f.cmd, "-to is required: the new state, a SQLite file such as .kopla/state.db or a Postgres URL such as postgres://kopla@db/kopla?schema=shop")
	}
	return a, f, err
}

// stateAbsent says why a project has no state: its file does not exist,
// or its Postgres schema holds none.
func stateAbsent(cfg *dsl.Config) string {
	p := statePath(cfg)
	if state.IsURL(p) {
		return "no state in " + state.Redact(p)
	}
	return p + " does not exist"
}

// stateMigrate copies the project's state into another: SQLite to Postgres
// or back. Both are locked while it copies, so no apply writes either; the
// old state is left as it was.
func (c *cli) stateMigrate(ctx context.Context, args []string) int {
	a, f, err := parseStateMigrate(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	c.offline = true // only the kopla block matters: no system is asked
	cfg, diags := c.load()
	if settingsBroken(cfg, diags) {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return exitError
	}
	from := statePath(cfg)
	to := a.to
	if !state.IsURL(to) && !filepath.IsAbs(to) {
		to = filepath.Join(cfg.Dir, to)
	}
	fail := func(err error) int {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot migrate the state", err), nil, c.color())
		return exitError
	}
	if to == from {
		return fail(fmt.Errorf("-to names the project's state itself (%s): name a new file or schema", state.Redact(to)))
	}
	src, sdiags := c.openState(ctx, cfg, true)
	if sdiags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, sdiags, cfg.Files, c.color())
		return exitError
	}
	if src == nil {
		fmt.Fprintf(c.stdout, "No state to migrate: nothing has been applied in this project (%s).\n", stateAbsent(cfg))
		return exitError
	}
	defer src.Close()
	_, statErr := os.Stat(to)
	created := !state.IsURL(to) && errors.Is(statErr, os.ErrNotExist)
	dst, err := state.Open(ctx, to, state.WithClock(c.now))
	if err != nil {
		return fail(err)
	}
	copied := false
	defer func() {
		dst.Close()
		if created && !copied {
			// A new file that holds no copy goes again.
			for _, p := range []string{to, to + "-wal", to + "-shm"} {
				os.Remove(p)
			}
		}
	}()
	unlockSrc, err := src.Lock(ctx, "kopla state migrate")
	if err != nil {
		return fail(err)
	}
	defer unlockSrc()
	unlockDst, err := dst.Lock(ctx, "kopla state migrate")
	if err != nil {
		return fail(err)
	}
	defer unlockDst()
	sums, err := src.CopyTo(ctx, dst)
	if err != nil {
		return fail(err)
	}
	copied = true
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TABLE\tROWS\tSHA-256 (both)")
	for _, s := range sums {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", s.Table, s.Rows, s.Checksum[:16])
	}
	tw.Flush()
	fmt.Fprintf(c.stdout, "Copied the state from %s (%s) to %s (%s): %d tables, rows and checksums verified.\n",
		state.Redact(from), src.Backend(), state.Redact(to), dst.Backend(), len(sums))
	fmt.Fprintf(c.stdout, "To use the copy, set state = %q in the kopla block (or KOPLA_STATE). The old state is left as it was.\n", state.Redact(a.to))
	return exitOK
}
