package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// Read modes of a flow plan (plan.FlowPlan.ReadMode).
const (
	ReadFull        = "full"
	ReadIncremental = "incremental"
)

// readDecision is how one flow wants its source read: in full, or from its
// cursor, and why.
type readDecision struct {
	full    bool
	reason  string // why, for people: "first run", "-full", ...
	cursor  string
	readAt  time.Time // when the read that gave cursor was made
	retries []string  // source keys that failed in the last apply
}

// decideRead works out how a flow reads its source: from its cursor unless
// there is none (first run), -full asks for a full read, or the flow's last
// full read is older than full_read_every (reconcile).
func (pl *planner) decideRead(ctx context.Context, f *flow) (readDecision, error) {
	st := pl.opts.State
	switch {
	case st == nil:
		return readDecision{full: true, reason: "first run (no state yet)"}, nil
	case pl.opts.Full:
		return readDecision{full: true, reason: "-full"}, nil
	}
	m, ok, err := st.ReadMark(ctx, f.name)
	if err != nil {
		return readDecision{}, err
	}
	switch {
	case !ok:
		return readDecision{full: true, reason: "first run"}, nil
	case m.Cursor == "":
		return readDecision{full: true, reason: "the source is read only in full"}, nil
	}
	if every := pl.p.cfg.Settings.FullReadEvery; every > 0 {
		if m.FullAt.IsZero() {
			return readDecision{full: true, reason: "reconcile due (no full read recorded)"}, nil
		}
		if now := pl.p.engine.opts.Now(); !now.Before(m.FullAt.Add(every)) {
			return readDecision{full: true, reason: fmt.Sprintf("reconcile due (last full read %s, full_read_every = %s)", shortTime(m.FullAt), shortDuration(every))}, nil
		}
	}
	d := readDecision{cursor: m.Cursor, readAt: m.ReadAt}
	if d.retries, err = st.Retries(ctx, f.name); err != nil {
		return readDecision{}, err
	}
	return d, nil
}

// readShare is what a read group knows of how its flows want it read: the
// group reads in full when one of them must, else from the oldest cursor of
// them all, so that none misses what changed since its own.
type readShare struct {
	decisions []readDecision // by the index of the group's runs
	full      int            // index of the first flow that reads in full, -1 if none
	oldest    int            // index of the flow with the oldest cursor
	retries   []string       // every flow's failed records, once each
}

// join adds a flow's decision to the group.
func (g *readGroup) join(d readDecision) {
	s := &g.share
	if len(s.decisions) == 0 {
		s.full = -1
	}
	i := len(s.decisions)
	s.decisions = append(s.decisions, d)
	if d.full && s.full < 0 {
		s.full = i
	}
	if !d.full && (s.decisions[s.oldest].full || d.readAt.Before(s.decisions[s.oldest].readAt)) {
		s.oldest = i
	}
	for _, k := range d.retries {
		if !slices.Contains(s.retries, k) {
			s.retries = append(s.retries, k)
		}
	}
}

// settle fixes the group's read from its flows' decisions and tells each
// flow's plan which mode it used and why.
func (g *readGroup) settle(overlap time.Duration) {
	s := &g.share
	full := s.full >= 0
	if full {
		g.req.Cursor, g.req.Overlap = "", 0
		s.retries = nil // a full read reads them anyway
	} else {
		g.req.Cursor, g.req.Overlap = s.decisions[s.oldest].cursor, overlap
	}
	for i, run := range g.runs {
		d := s.decisions[i]
		fp := run.fp
		switch {
		case full:
			fp.ReadMode, fp.ReadReason = ReadFull, d.reason
			if !d.full {
				first := s.decisions[s.full]
				fp.ReadReason = fmt.Sprintf("shared read with flow %q (%s)", g.runs[s.full].f.name, first.reason)
			}
		default:
			fp.ReadMode = ReadIncremental
			fp.ReadReason = fmt.Sprintf("since %s (overlap %s)", cursorTime(g.req.Cursor, s.decisions[s.oldest].readAt), shortDuration(overlap))
			if s.oldest != i {
				fp.ReadReason += fmt.Sprintf(", shared read with flow %q", g.runs[s.oldest].f.name)
			}
			if n := len(d.retries); n > 0 {
				fp.ReadReason += fmt.Sprintf(", %d failed %s of the last apply read again", n, pluralWord(n, "record", "records"))
				fp.Retried = n
			}
		}
	}
}

// retrySet is the set of the records that failed in the last apply of the
// group's flows, to be read again by id unless the read brings them.
func (g *readGroup) retrySet() map[string]bool {
	if g.req.Cursor == "" || len(g.share.retries) == 0 {
		return nil
	}
	set := make(map[string]bool, len(g.share.retries))
	for _, k := range g.share.retries {
		set[k] = true
	}
	return set
}

// readRetries reads the records of retries by id, as the group's read
// reads them, and hands them to add, to be planned with the last records
// read: an incremental read does not see them again while they are
// unchanged. A source that cannot read by id leaves them to the cursor,
// which then does not move past them (see storeRead).
func (g *readGroup) readRetries(ctx context.Context, src connectors.Object, retries map[string]bool, add func([]connectors.Record) error) error {
	getter, ok := src.(connectors.RequestGetter)
	for _, run := range g.runs {
		run.fp.RetryByID = ok
	}
	if !ok || len(retries) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(retries))
	size := g.runs[0].pl.p.engine.opts.BatchSize
	for chunk := range slices.Chunk(ids, max(1, size)) {
		recs, err := getter.GetWith(ctx, connectors.GetRequest{IDs: chunk, Fields: g.req.Fields, Include: g.req.Include})
		if err != nil {
			return fmt.Errorf("read again the records that failed: %w", err)
		}
		if err := add(recs); err != nil {
			return err
		}
	}
	return nil
}

// storeRead stores, after a flow was applied, where its next read starts:
// its cursor, and the records that failed (in the plan or in the apply),
// which the next incremental read reads again by id. The cursor never
// moves past a failed record that cannot be read again by id.
func (a *applier) storeRead(ctx context.Context, f *flow, fp *plan.FlowPlan, fr *FlowResult, readAt time.Time) error {
	if f.writeBack != nil {
		// A write-back's records are its producer's: a failed one is read
		// again through the producer, which plans the write-back again.
		if failed := failedKeys(fp, fr); len(failed) > 0 {
			return a.st.AddRetries(ctx, f.writeBack.producer.name, failed)
		}
		return nil
	}
	if fp.ReadMode == "" && fp.Cursor == "" {
		return nil // not read (ensured records only)
	}
	// A plan saved by an earlier kopla has a cursor but no read mode: it
	// is stored as such a plan's was, only past a flow without failures.
	failed := failedKeys(fp, fr)
	if len(failed) > 0 && !fp.RetryByID {
		return nil
	}
	m := state.ReadMark{Cursor: fp.Cursor, ReadAt: readAt}
	if fp.ReadMode == ReadFull {
		m.FullAt = readAt
	}
	if err := a.st.MarkRead(ctx, fp.Flow, m); err != nil {
		return err
	}
	return a.st.SetRetries(ctx, fp.Flow, failed)
}

// failedKeys are the source keys of the records of a flow that failed, in
// its plan or its apply, or were blocked.
func failedKeys(fp *plan.FlowPlan, fr *FlowResult) []string {
	var failed []string
	for ch := range fp.Changes() {
		// A waiting record is read again: it is created once the earlier
		// create it waits for is found or given up (intents.go).
		if ch.Action == plan.Error || ch.Action == plan.Waiting {
			failed = append(failed, ch.SourceKey)
		}
	}
	for _, r := range fr.Records {
		if r.Action == plan.Error || r.Action == plan.Blocked {
			failed = append(failed, r.SourceKey)
		}
	}
	return failed
}

// cursorTime shows where an incremental read starts: the cursor when it is
// a time (HubSpot's), else the time of the read that gave it.
func cursorTime(cursor string, readAt time.Time) string {
	if t, err := time.Parse(time.RFC3339Nano, cursor); err == nil {
		return shortTime(t)
	}
	if readAt.IsZero() {
		return "the last read"
	}
	return "the read of " + shortTime(readAt)
}

// shortTime is a time in UTC to the minute, or to the second when it has
// seconds: 2026-12-08T03:00Z.
func shortTime(t time.Time) string {
	t = t.UTC()
	if t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04Z")
	}
	return t.Format("2006-01-02T15:04:05Z")
}

// shortDuration is a duration without zero units: 5m, 24h, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
