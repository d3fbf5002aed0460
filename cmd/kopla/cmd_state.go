package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
)

const stateUsage = `Usage: kopla [global options] state <subcommand> [options] [args]

  Inspect the project's state: the links between source and target records,
  and the apply lock.

Subcommands:
  list [-flow NAME]        List the links: flow, source key, target id, key, updated
  show KEY                 Show the records known by KEY in any flow (a source or
                           target id, the target's number, an e-mail address, an
                           order reference): links and recent activity
  show FLOW SOURCE_KEY     Show one link with its field hashes and recent activity
  unlock                   Break the apply lock left by a process that is gone
  migrate -to STATE        Copy the whole state into another one, a new SQLite
                           file or a Postgres schema (postgres://...), and
                           verify the copy by rows and checksums per table
`

const logUsage = `Usage: kopla [global options] log [options]

  Show the activity log, newest first: per record and run, what kopla did
  (time, flow, source key, action, target id, error). With -json, each entry
  also carries what was read from the source, what was sent to the target
  and the answer, with sensitive fields redacted.

  -key VALUE finds the entries of the records known by VALUE in any flow:
  source id, target id, the target's own number, e-mail address, order
  reference (whatever the case), from an index, without reading the whole
  log.
`

const runsUsage = `Usage: kopla [global options] runs [options]

  Show the recent runs of kopla apply, newest first, with their record
  counts.
`

const timeLayout = "2006-01-02T15:04:05Z07:00"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

func (c *cli) state(ctx context.Context, args []string) int {
	if len(args) == 0 {
		return c.stateUsageFailed("state needs a subcommand: list, show, unlock or migrate")
	}
	switch args[0] {
	case "list":
		return c.stateList(ctx, args[1:])
	case "show":
		return c.stateShow(ctx, args[1:])
	case "unlock":
		return c.stateUnlock(ctx, args[1:])
	case "migrate":
		return c.stateMigrate(ctx, args[1:])
	case "-help", "--help", "-h", "help":
		fmt.Fprint(c.stdout, stateUsage)
		return exitOK
	}
	return c.stateUsageFailed(fmt.Sprintf("unknown state subcommand %q: use list, show, unlock or migrate", args[0]))
}

func (c *cli) stateUsageFailed(msg string) int {
	fmt.Fprintf(c.stderr, "Error: %s\n\n%s", msg, stateUsage)
	return exitError
}

// inspect compiles the project (for which target fields are sensitive) and
// opens its state when it exists; st is nil when nothing was applied yet.
func (c *cli) inspect(ctx context.Context) (p *engine.Project, st *state.Store, code int, ok bool) {
	c.offline = true // the state is local: no system is asked, no credential needed
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return nil, nil, exitError, false
	}
	st, sdiags := c.openState(ctx, cfg, true)
	if sdiags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, sdiags, cfg.Files, c.color())
		p.Close()
		return nil, nil, exitError, false
	}
	if st == nil {
		fmt.Fprintf(c.stdout, "No state yet: nothing has been applied in this project (%s).\n", stateAbsent(cfg))
		p.Close()
		return nil, nil, exitOK, false
	}
	return p, st, 0, true
}

// keyValue shows a link's key value, redacted when the flow's key is
// sensitive.
func keyValue(p *engine.Project, flow, keyField, v string) string {
	if v == "" {
		return "-"
	}
	if keyField != "" && p.TargetFieldSensitive(flow, keyField) {
		return sensitiveValue
	}
	return v
}

// keyFields maps flow names to their key fields.
func keyFields(p *engine.Project) map[string]string {
	out := map[string]string{}
	for name, f := range p.Config().Flows {
		out[name] = f.Key
	}
	return out
}

func (c *cli) stateList(ctx context.Context, args []string) int {
	a, f, err := parseStateList(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	p, st, code, ok := c.inspect(ctx)
	if !ok {
		return code
	}
	defer p.Close()
	defer st.Close()
	keys := keyFields(p)
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	n := 0
	err = st.ListLinks(ctx, a.flow, func(l state.Link) error {
		if n == 0 {
			fmt.Fprintln(tw, "FLOW\tSOURCE KEY\tTARGET ID\tKEY\tUPDATED")
		}
		n++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Flow, l.SourceKey, l.TargetID, keyValue(p, l.Flow, keys[l.Flow], l.KeyValue), formatTime(l.UpdatedAt))
		return nil
	})
	tw.Flush()
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the state", err), nil, c.color())
		return exitError
	}
	if n == 0 {
		if a.flow != "" {
			fmt.Fprintf(c.stdout, "The state has no links of flow %q.\n", a.flow)
		} else {
			fmt.Fprintln(c.stdout, "The state has no links.")
		}
	}
	return exitOK
}

func (c *cli) stateShow(ctx context.Context, args []string) int {
	a, f, err := parseStateShow(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	p, st, code, ok := c.inspect(ctx)
	if !ok {
		if code == exitOK {
			return exitError // nothing to show
		}
		return code
	}
	defer p.Close()
	defer st.Close()
	if a.key != "" {
		return c.stateShowKey(ctx, p, st, a.key)
	}
	links, err := st.Links(ctx, a.flow, []string{a.sourceKey})
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the state", err), nil, c.color())
		return exitError
	}
	acts, err := st.Activities(ctx, state.ActivityFilter{Flow: a.flow, SourceKey: a.sourceKey, Limit: 10})
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the activity log", err), nil, c.color())
		return exitError
	}
	l, linked := links[a.sourceKey]
	if !linked && len(acts) == 0 {
		detail := fmt.Sprintf("The state has no record %q of flow %q. Run kopla state list to see the links.", a.sourceKey, a.flow)
		if !slices.Contains(p.FlowNames(), a.flow) {
			detail = fmt.Sprintf("The project has no flow %q, and the state has no record %q of it. Flows: %s.", a.flow, a.sourceKey, strings.Join(p.FlowNames(), ", "))
		}
		dsl.WriteDiagnostics(c.stdout, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such record", Detail: detail}}, nil, c.color())
		return exitError
	}
	var link *state.Link
	if linked {
		link = &l
	}
	c.writeRecord(c.stdout, p, a.flow, a.sourceKey, link, acts)
	return exitOK
}

// writeRecord prints one record of a flow: its link (nil when it has none)
// and its recent activity.
func (c *cli) writeRecord(w io.Writer, p *engine.Project, flow, sourceKey string, l *state.Link, acts []state.Activity) {
	keyField := keyFields(p)[flow]
	st2 := style{c.color()}
	fmt.Fprintln(w, st2.bold(fmt.Sprintf("# flow %q, source record %s", flow, sourceKey)))
	if l != nil {
		tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
		fmt.Fprintf(tw, "target_id\t= %s\n", l.TargetID)
		if keyField != "" {
			fmt.Fprintf(tw, "key\t= %s = %s\n", keyField, keyValue(p, flow, keyField, l.KeyValue))
		}
		fmt.Fprintf(tw, "updated\t= %s\n", formatTime(l.UpdatedAt))
		tw.Flush()
		if len(l.FieldHashes) > 0 {
			fmt.Fprintln(w, "\nField hashes (of the values last written):")
			names := make([]string, 0, len(l.FieldHashes))
			for n := range l.FieldHashes {
				names = append(names, n)
			}
			slices.Sort(names)
			tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
			for _, n := range names {
				fmt.Fprintf(tw, "  %s\t= %s\n", n, l.FieldHashes[n])
			}
			tw.Flush()
		}
	} else {
		fmt.Fprintln(w, "Not linked: no write of this record has succeeded.")
	}
	if len(acts) > 0 {
		fmt.Fprintln(w, "\nRecent activity (newest first):")
		writeActivities(w, acts, true)
	}
}

// writeActivities prints activity entries as a table.
func writeActivities(w io.Writer, acts []state.Activity, indent bool) {
	pre := ""
	if indent {
		pre = "  "
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "%sTIME\tRUN\tFLOW\tSOURCE KEY\tACTION\tTARGET ID\tERROR\n", pre)
	for _, a := range acts {
		target, errText := a.TargetID, a.Error
		if target == "" {
			target = "-"
		}
		if errText == "" {
			errText = "-"
		}
		fmt.Fprintf(tw, "%s%s\t%d\t%s\t%s\t%s\t%s\t%s\n", pre, formatTime(a.At), a.RunID, a.Flow, a.SourceKey, a.Action, target, strings.ReplaceAll(errText, "\n", " "))
	}
	tw.Flush()
}

func (c *cli) stateUnlock(ctx context.Context, args []string) int {
	a, f, err := parseStateUnlock(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	// Unlocking must work even when a flow file is broken: only the kopla
	// block (where the state is) has to be right.
	c.offline = true
	cfg, diags := c.load()
	if settingsBroken(cfg, diags) {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return exitError
	}
	st, sdiags := c.openState(ctx, cfg, true)
	if sdiags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, sdiags, cfg.Files, c.color())
		return exitError
	}
	if st == nil {
		fmt.Fprintf(c.stdout, "The state is not locked (%s).\n", stateAbsent(cfg))
		return exitOK
	}
	defer st.Close()
	info, err := st.LockInfo(ctx)
	if err == nil && info != nil {
		err = st.ForceUnlock(ctx)
	}
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot unlock the state", err), nil, c.color())
		return exitError
	}
	if info == nil {
		fmt.Fprintln(c.stdout, "The state is not locked.")
		return exitOK
	}
	fmt.Fprintf(c.stdout, "Broke the state lock held by %s since %s.\n", info, formatTime(info.Since))
	fmt.Fprintln(c.stdout, "If that process is still running, two applies may now write at once: stop one of them.")
	return exitOK
}

// settingsBroken reports whether the project could not be loaded far enough
// to know where its state is: no files, or an error in the kopla block.
func settingsBroken(cfg *dsl.Config, diags hcl.Diagnostics) bool {
	if !diags.HasErrors() {
		return false
	}
	if len(cfg.Files) == 0 {
		return true
	}
	block := cfg.Settings.BlockRange
	for _, d := range diags {
		if d.Severity == hcl.DiagError && block.Filename != "" && d.Subject != nil && block.Overlaps(*d.Subject) {
			return true
		}
	}
	return false
}

func (c *cli) activityLog(ctx context.Context, args []string) int {
	a, f, err := parseLog(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	p, st, code, ok := c.inspect(ctx)
	if !ok {
		return code
	}
	defer p.Close()
	defer st.Close()
	filter := state.ActivityFilter{RunID: a.runID, Flow: a.flow, Action: a.action, Key: a.key, Limit: a.n}
	if a.since != "" {
		filter.Since, _ = parseSince(c.now(), a.since) // checked by parseLog
	}
	acts, err := st.Activities(ctx, filter)
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the activity log", err), nil, c.color())
		return exitError
	}
	if a.json {
		enc := json.NewEncoder(c.stdout)
		for _, act := range acts {
			enc.Encode(toJSONActivity(act))
		}
		return exitOK
	}
	if len(acts) == 0 {
		if filter != (state.ActivityFilter{Limit: a.n}) {
			fmt.Fprintln(c.stdout, "The activity log has no entries that match.")
		} else {
			fmt.Fprintln(c.stdout, "The activity log has no entries.")
		}
		return exitOK
	}
	writeActivities(c.stdout, acts, false)
	return exitOK
}

// jsonActivity is one activity entry in kopla log -json.
type jsonActivity struct {
	ID        int64           `json:"id"`
	RunID     int64           `json:"run_id"`
	At        string          `json:"at"`
	Flow      string          `json:"flow"`
	SourceKey string          `json:"source_key"`
	TargetID  string          `json:"target_id,omitempty"`
	Action    string          `json:"action"`
	Error     string          `json:"error,omitempty"`
	Read      json.RawMessage `json:"read,omitempty"`
	Sent      json.RawMessage `json:"sent,omitempty"`
	Answer    json.RawMessage `json:"answer,omitempty"`
}

func (c *cli) runs(ctx context.Context, args []string) int {
	a, f, err := parseRuns(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	p, st, code, ok := c.inspect(ctx)
	if !ok {
		return code
	}
	defer p.Close()
	defer st.Close()
	runs, err := st.Runs(ctx, a.n)
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the runs", err), nil, c.color())
		return exitError
	}
	if len(runs) == 0 {
		fmt.Fprintln(c.stdout, "No runs yet.")
		return exitOK
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tCOMMAND\tSTATUS\tSTARTED\tDURATION\tCREATED\tUPDATED\tFAILED\tBLOCKED")
	for _, r := range runs {
		dur := "-"
		if !r.FinishedAt.IsZero() {
			dur = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", r.ID, r.Command, r.Status, formatTime(r.StartedAt), dur,
			r.Counts["create"], r.Counts["update"], r.Counts["error"], r.Counts["blocked"])
	}
	tw.Flush()
	return exitOK
}
