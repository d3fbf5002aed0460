package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/state"
)

const traceUsage = `Usage: kopla [global options] trace [options] VALUE

  Show the story of the records known by VALUE, in every flow they went
  through: the records (flow, source key, target id), then their timeline,
  oldest first: what was read, what was sent, what the target answered
  (the numbers it assigned), with sensitive fields redacted. VALUE is any
  key a record is known by in any system: a source or target id, the
  target's own number, an e-mail address, an order reference, whatever
  the case. A record's ids lead to the flows that read it back (a contact
  sent to eAccounting as a customer, the customer read back).
`

const forgetUsage = `Usage: kopla [global options] forget [options] VALUE

  Erase from the state the data of the records known by VALUE (a person's
  e-mail address, a source or target id): their activity entries in every
  flow, and their links. This is the right to erasure (GDPR article 17) for
  what kopla keeps; HubSpot and eAccounting keep their own copies, so erase
  the person there too, first in the source: a later apply that reads the
  record again logs it anew. It asks for approval first, and says what it
  removed.
`

// trace prints the story of the records a key names.
func (c *cli) trace(ctx context.Context, args []string) int {
	a, f, err := parseTrace(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	p, st, code, ok := c.inspect(ctx)
	if !ok {
		return code
	}
	defer p.Close()
	defer st.Close()
	story, err := st.Story(ctx, a.key, state.StoryOptions{Related: true, Limit: a.n})
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the state", err), nil, c.color())
		return exitError
	}
	if len(story.Records) == 0 {
		c.noSuchKey(a.key)
		return exitError
	}
	if a.json {
		enc := json.NewEncoder(c.stdout)
		keys := keyFields(p)
		for _, l := range linksByRecord(story) {
			enc.Encode(jsonTraceRecord{Type: "record", Flow: l.Flow, SourceKey: l.SourceKey, TargetID: l.TargetID,
				Key: keyValue(p, l.Flow, keys[l.Flow], l.KeyValue), Updated: formatTimeOrEmpty(l)})
		}
		for _, act := range story.Entries {
			enc.Encode(jsonTraceEntry{Type: "entry", jsonActivity: toJSONActivity(act)})
		}
		return exitOK
	}
	w := c.stdout
	sty := style{c.color()}
	fmt.Fprintln(w, sty.bold(fmt.Sprintf("# Records known by %q", a.key)))
	fmt.Fprintln(w)
	c.writeRecords(w, p, story)
	fmt.Fprintln(w)
	if len(story.Entries) == 0 {
		fmt.Fprintln(w, "The activity log has no entries of these records (purged after the retention period, or never written).")
		return exitOK
	}
	fmt.Fprintln(w, sty.bold("Timeline (oldest first):"))
	for _, act := range story.Entries {
		target := act.TargetID
		if target == "" {
			target = "-"
		}
		fmt.Fprintf(w, "\n%s  run %d  %s  %s -> %s  %s\n", formatTime(act.At), act.RunID, act.Flow, act.SourceKey, target, act.Action)
		for _, d := range []struct {
			name string
			doc  json.RawMessage
		}{{"read", act.Read}, {"sent", act.Sent}, {"answer", act.Answer}} {
			if len(d.doc) > 0 {
				fmt.Fprintf(w, "    %-7s %s\n", d.name+":", d.doc)
			}
		}
		if act.Error != "" {
			fmt.Fprintf(w, "    %-7s %s\n", "error:", strings.ReplaceAll(act.Error, "\n", " "))
		}
	}
	return exitOK
}

// linksByRecord returns a link per record of the story: its own, or one
// naming only the record when it has none (never written, or erased).
func linksByRecord(story state.Story) []state.Link {
	byRef := map[state.RecordRef]state.Link{}
	for _, l := range story.Links {
		byRef[state.RecordRef{Flow: l.Flow, SourceKey: l.SourceKey}] = l
	}
	out := make([]state.Link, 0, len(story.Records))
	for _, r := range story.Records {
		l, ok := byRef[r]
		if !ok {
			l = state.Link{Flow: r.Flow, SourceKey: r.SourceKey}
		}
		out = append(out, l)
	}
	return out
}

func formatTimeOrEmpty(l state.Link) string {
	if l.UpdatedAt.IsZero() {
		return ""
	}
	return formatTime(l.UpdatedAt)
}

// writeRecords prints the records of a story as a table.
func (c *cli) writeRecords(w io.Writer, p *engine.Project, story state.Story) {
	keys := keyFields(p)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FLOW\tSOURCE KEY\tTARGET ID\tKEY\tUPDATED")
	for _, l := range linksByRecord(story) {
		target, key := l.TargetID, "-"
		if target == "" {
			target = "(not linked)"
		}
		if k := keys[l.Flow]; k != "" && l.KeyValue != "" {
			key = k + " = " + keyValue(p, l.Flow, k, l.KeyValue)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", l.Flow, l.SourceKey, target, key, formatTime(l.UpdatedAt))
	}
	tw.Flush()
}

// noSuchKey reports a key the state does not know.
func (c *cli) noSuchKey(key string) {
	dsl.WriteDiagnostics(c.stdout, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No such record",
		Detail: fmt.Sprintf("The state knows no record by %q: no link and no activity entry of any flow has it as source key, target id or key. "+
			"The activity log keeps entries for log_retention_days; kopla state list shows the links.", key)}}, nil, c.color())
}

// stateShowKey shows every record known by key, as state show FLOW
// SOURCE_KEY shows one.
func (c *cli) stateShowKey(ctx context.Context, p *engine.Project, st *state.Store, key string) int {
	story, err := st.Story(ctx, key, state.StoryOptions{})
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the state", err), nil, c.color())
		return exitError
	}
	if len(story.Records) == 0 {
		c.noSuchKey(key)
		return exitError
	}
	for i, l := range linksByRecord(story) {
		if i > 0 {
			fmt.Fprintln(c.stdout)
		}
		acts, err := st.Activities(ctx, state.ActivityFilter{Flow: l.Flow, SourceKey: l.SourceKey, Limit: 10})
		if err != nil {
			dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the activity log", err), nil, c.color())
			return exitError
		}
		var link *state.Link
		if l.TargetID != "" {
			link = &l
		}
		c.writeRecord(c.stdout, p, l.Flow, l.SourceKey, link, acts)
	}
	return exitOK
}

// forget erases the data of the records a key names.
func (c *cli) forget(ctx context.Context, args []string) int {
	a, f, err := parseForget(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	p, st, code, ok := c.inspect(ctx)
	if !ok {
		return code
	}
	defer p.Close()
	defer st.Close()
	// No apply may log the person anew while the erasure runs.
	lock, diags := engine.LockState(ctx, st, engine.LockOptions{Holder: "kopla forget"})
	if diags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, diags, nil, c.color())
		return exitError
	}
	defer func() {
		if d := lock.Unlock(); d.HasErrors() {
			dsl.WriteDiagnostics(c.stdout, d, nil, c.color())
		}
	}()
	story, err := st.Story(ctx, a.key, state.StoryOptions{})
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot read the state", err), nil, c.color())
		return exitError
	}
	if len(story.Records) == 0 {
		fmt.Fprintf(c.stdout, "The state holds nothing known by %q: nothing to erase.\n", a.key)
		return exitOK
	}
	w := c.stdout
	fmt.Fprintf(w, "kopla will erase from the state the data of %s known by %q: %s and %s.\n\n",
		plural(len(story.Records), "record", "records"), a.key,
		plural(len(story.Entries), "activity entry", "activity entries"), plural(len(story.Links), "link", "links"))
	c.writeRecords(w, p, story)
	if !a.autoApprove && !c.confirm(ctx, "Do you want to erase it?\n  This cannot be undone.") {
		fmt.Fprintln(w, "\nErasure cancelled.")
		return exitError
	}
	er, err := st.Forget(ctx, a.key)
	if err != nil {
		dsl.WriteDiagnostics(w, engine.ErrorDiagnostic("Cannot erase", err), nil, c.color())
		return exitError
	}
	fmt.Fprintf(w, "\nErased %s and %s of %s known by %q:\n",
		plural(er.Entries, "activity entry", "activity entries"), plural(er.Links, "link", "links"),
		plural(len(er.Records), "record", "records"), a.key)
	for _, r := range er.Records {
		fmt.Fprintf(w, "  - flow %s, source record %s\n", r.Flow, r.SourceKey)
	}
	if n := len(er.PendingIntents); n > 0 {
		fmt.Fprintf(w, "\n%s in flight still name these records (an apply was interrupted): run kopla apply to reconcile them, then kopla forget %q again.\n",
			plural(n, "write", "writes"), a.key)
	}
	fmt.Fprintln(w, "\nThe runs keep their counts only. HubSpot and eAccounting keep their own copies: erase the person there too.")
	return exitOK
}

// jsonTraceRecord is a record in kopla trace -json.
type jsonTraceRecord struct {
	Type      string `json:"type"`
	Flow      string `json:"flow"`
	SourceKey string `json:"source_key"`
	TargetID  string `json:"target_id,omitempty"`
	Key       string `json:"key,omitempty"`
	Updated   string `json:"updated,omitempty"`
}

// jsonTraceEntry is an entry of the timeline in kopla trace -json.
type jsonTraceEntry struct {
	Type string `json:"type"`
	jsonActivity
}

func toJSONActivity(act state.Activity) jsonActivity {
	return jsonActivity{
		ID: act.ID, RunID: act.RunID, At: formatTime(act.At), Flow: act.Flow, SourceKey: act.SourceKey,
		TargetID: act.TargetID, Action: act.Action, Error: act.Error,
		Read: act.Read, Sent: act.Sent, Answer: act.Answer,
	}
}
