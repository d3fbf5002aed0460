package state

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/klauspost/compress/s2"
)

// RunFlowCounts returns the entries a run logged by flow and action
// (RunSummary without the failed entries).
func (s *Store) RunFlowCounts(ctx context.Context, runID int64) (map[string]map[string]int, error) {
	sum, err := s.RunSummary(ctx, runID, 0)
	return sum.Counts, err
}

// RunSummary is what a run logged: its entries by flow and action, and its
// newest failed (error) and blocked entries.
type RunSummary struct {
	Counts map[string]map[string]int
	Failed []Activity
}

// RunSummary counts a run's entries by flow and action and returns up to
// failedLimit of its failed and blocked entries, newest first. It reads the
// run's rows one at a time and only the action of each entry, decoding
// only the failed ones, so that a run of 100,000 records is summed up in
// one pass without holding it in memory. Erased entries are not counted.
func (s *Store) RunSummary(ctx context.Context, runID int64, failedLimit int) (RunSummary, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, flow, entries FROM activity WHERE run_id = ? ORDER BY id DESC`, runID)
	if err != nil {
		return RunSummary{}, fmt.Errorf("state: summary of run %d: %w", runID, err)
	}
	defer rows.Close()
	out := RunSummary{Counts: map[string]map[string]int{}}
	var (
		id     int64
		at     string
		flow   string
		stored sql.RawBytes
		plain  bytes.Buffer
	)
	zr := s2.NewReader(nil)
	for rows.Next() {
		if err := rows.Scan(&id, &at, &flow, &stored); err != nil {
			return RunSummary{}, fmt.Errorf("state: summary of run %d: %w", runID, err)
		}
		byAction := out.Counts[flow]
		if byAction == nil {
			byAction = map[string]int{}
			out.Counts[flow] = byAction
		}
		zr.Reset(bytes.NewReader(stored))
		plain.Reset()
		if _, err := plain.ReadFrom(zr); err != nil {
			byAction["unreadable"]++
			continue
		}
		lines := splitEntries(plain.Bytes())
		for i := len(lines) - 1; i >= 0; i-- {
			a := entryAction(lines[i])
			if a == erasedAction {
				continue
			}
			byAction[a]++
			if (a == "error" || a == "blocked") && len(out.Failed) < failedLimit {
				var e entry
				if json.Unmarshal(lines[i], &e) != nil {
					continue
				}
				t, err := parseTime(at)
				if err != nil {
					return RunSummary{}, fmt.Errorf("state: summary of run %d: entry %d: %w", runID, id, err)
				}
				out.Failed = append(out.Failed, Activity{ID: id + int64(i), RunID: runID, At: t, Flow: flow,
					SourceKey: e.SourceKey, TargetID: e.TargetID, Action: e.Action, Error: e.Error, Read: e.Read, Sent: e.Sent, Answer: e.Answer})
			}
		}
	}
	if err := rows.Err(); err != nil {
		return RunSummary{}, fmt.Errorf("state: summary of run %d: %w", runID, err)
	}
	return out, nil
}

// entryAction returns the action of an entry as appendEntry wrote it: its
// first `,"action":"` member. A quote inside a string value is escaped,
// so the pattern cannot occur within the source key or target id before it.
func entryAction(line []byte) string {
	const member = `,"action":"`
	i := bytes.Index(line, []byte(member))
	if i < 0 {
		return "unreadable"
	}
	rest := line[i+len(member):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return "unreadable"
	}
	return string(rest[:j])
}

// CursorTimes returns when each flow's incremental-read cursor was last
// stored: how far behind its source a flow may be.
func (s *Store) CursorTimes(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT flow, updated_at FROM cursors`)
	if err != nil {
		return nil, fmt.Errorf("state: cursor times: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var flow, at string
		if err := rows.Scan(&flow, &at); err != nil {
			return nil, fmt.Errorf("state: cursor times: %w", err)
		}
		t, err := parseTime(at)
		if err != nil {
			return nil, fmt.Errorf("state: cursor of %s: %w", flow, err)
		}
		out[flow] = t
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: cursor times: %w", err)
	}
	return out, nil
}

// RunFilter selects runs; zero fields match every run.
type RunFilter struct {
	// Flow keeps the runs that logged entries of the flow.
	Flow   string
	Status string
	// Since keeps the runs started at or after it.
	Since time.Time
	// Before, when not 0, keeps the runs with a smaller ID (the next page).
	Before int64
	// Limit bounds the runs; <= 0 means no bound.
	Limit int
}

// RunsMatching returns the runs f selects, newest first.
func (s *Store) RunsMatching(ctx context.Context, f RunFilter) ([]Run, error) {
	q := `SELECT ` + runColumns + ` FROM runs WHERE 1`
	var args []any
	if f.Flow != "" {
		q += ` AND EXISTS (SELECT 1 FROM activity WHERE activity.run_id = runs.id AND activity.flow = ?)`
		args = append(args, f.Flow)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if !f.Since.IsZero() {
		q += ` AND started_at >= ?`
		args = append(args, formatTime(f.Since))
	}
	if f.Before != 0 {
		q += ` AND id < ?`
		args = append(args, f.Before)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("state: runs: %w", err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("state: runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: runs: %w", err)
	}
	return out, nil
}

// decodeEntriesOf returns the entries of a row's JSON array (one per line,
// as appendEntry wrote them) whose action is action: the others are
// skipped by their action alone, without decoding their documents, so that
// a run's failed records are found without decoding the whole run.
func decodeEntriesOf(plain []byte, action string, r *activityRow) []Activity {
	var out []Activity
	for i, line := range splitEntries(plain) {
		if entryAction(line) != action {
			continue
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			continue // what cannot be read has no action to match
		}
		out = append(out, Activity{ID: r.id + int64(i), RunID: r.run, At: r.at, Flow: r.flow,
			SourceKey: e.SourceKey, TargetID: e.TargetID, Action: e.Action, Error: e.Error,
			Read: e.Read, Sent: e.Sent, Answer: e.Answer})
	}
	return out
}
