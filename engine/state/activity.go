package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Activity is what happened to one record in a run: what was read from the
// source, what was sent to the target and what it answered. The engine
// redacts personal data per field before logging; Purge deletes entries
// past the retention period.
type Activity struct {
	ID        int64
	RunID     int64     // 0 when not part of a recorded run
	At        time.Time // UTC; LogActivity sets the current time when zero
	Flow      string
	SourceKey string
	TargetID  string
	Action    string // create, update, no_op, skip, error, blocked
	// Read, Sent and Answer are JSON documents, nil when absent.
	Read, Sent, Answer json.RawMessage
	Error              string
}

const insertActivityHead = `INSERT INTO activity (run_id, at, flow, source_key, target_id, action, read, sent, answer, error)`

// LogActivity appends entries to the activity log, in one transaction.
func (s *Store) LogActivity(ctx context.Context, acts []Activity) error {
	if len(acts) == 0 {
		return nil
	}
	if err := checkActivities(acts); err != nil {
		return fmt.Errorf("state: log activity: %w", err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.logActivity(ctx, tx, acts) })
	if err != nil {
		return fmt.Errorf("state: log activity: %w", err)
	}
	return nil
}

func (s *Store) logActivity(ctx context.Context, tx *sql.Tx, acts []Activity) error {
	now := formatTime(s.nowUTC())
	return s.insertActivity.exec(ctx, tx, len(acts), func(i int, args []any) []any {
		a := &acts[i]
		at := now
		if !a.At.IsZero() {
			at = formatTime(a.At)
		}
		return append(args, nullID(a.RunID), at, a.Flow, a.SourceKey, a.TargetID, a.Action,
			nullJSON(a.Read), nullJSON(a.Sent), nullJSON(a.Answer), a.Error)
	})
}

func checkActivities(acts []Activity) error {
	for i, a := range acts {
		if err := checkActivity(a); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	return nil
}

func checkActivity(a Activity) error {
	switch {
	case a.Flow == "":
		return errors.New("empty flow")
	case a.Action == "":
		return fmt.Errorf("flow %s, source key %q: empty action", a.Flow, a.SourceKey)
	}
	for _, p := range []struct {
		name string
		v    json.RawMessage
	}{{"read", a.Read}, {"sent", a.Sent}, {"answer", a.Answer}} {
		if len(p.v) > 0 && !json.Valid(p.v) {
			return fmt.Errorf("flow %s, source key %q: %s is not valid JSON", a.Flow, a.SourceKey, p.name)
		}
	}
	return nil
}

// nullJSON stores an absent document as NULL and a present one as TEXT.
func nullJSON(m json.RawMessage) any {
	if len(m) == 0 {
		return nil
	}
	return string(m)
}

// ActivityFilter selects activity entries; zero fields match everything.
type ActivityFilter struct {
	RunID     int64
	Flow      string
	SourceKey string
	// Limit bounds the number of entries; <= 0 means no bound.
	Limit int
}

// Activities returns the entries matching f, newest first.
func (s *Store) Activities(ctx context.Context, f ActivityFilter) ([]Activity, error) {
	var (
		where []string
		args  []any
	)
	if f.RunID != 0 {
		where = append(where, "run_id = ?")
		args = append(args, f.RunID)
	}
	if f.Flow != "" {
		where = append(where, "flow = ?")
		args = append(args, f.Flow)
	}
	if f.SourceKey != "" {
		where = append(where, "source_key = ?")
		args = append(args, f.SourceKey)
	}
	q := `SELECT id, run_id, at, flow, source_key, target_id, action, read, sent, answer, error FROM activity`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC LIMIT ?`
	limit := f.Limit
	if limit <= 0 {
		limit = -1
	}
	args = append(args, limit)

	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("state: activities: %w", err)
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		var (
			a                  Activity
			runID              sql.NullInt64
			at                 string
			read, sent, answer sql.NullString
		)
		if err := rows.Scan(&a.ID, &runID, &at, &a.Flow, &a.SourceKey, &a.TargetID, &a.Action,
			&read, &sent, &answer, &a.Error); err != nil {
			return nil, fmt.Errorf("state: activities: %w", err)
		}
		a.RunID = runID.Int64
		if a.At, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("state: activities: entry %d: %w", a.ID, err)
		}
		a.Read, a.Sent, a.Answer = rawJSON(read), rawJSON(sent), rawJSON(answer)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: activities: %w", err)
	}
	return out, nil
}

func rawJSON(s sql.NullString) json.RawMessage {
	if !s.Valid {
		return nil
	}
	return json.RawMessage(s.String)
}

// purgeBatch bounds each purge transaction, so that a long purge does not
// hold the write lock against a running apply.
const purgeBatch = 5000

// Purge deletes the activity entries recorded before before, the retention
// limit, and returns how many it deleted. Runs (commands, digests, counts)
// hold no personal data and are kept. Deleted entries are overwritten in
// the file (secure_delete) and the write-ahead log is checkpointed, so
// that the data does not linger on disk.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	cut := formatTime(before)
	// Purged activity (personal data) is overwritten in full, free pages
	// included; the rest of the time the writer zeroes only what costs no
	// extra I/O (secure_delete FAST). The writer is a single connection, so
	// the pragma holds for the deletes below.
	if _, err := s.w.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return 0, fmt.Errorf("state: purge: %w", err)
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = FAST`)
	var total int64
	for {
		res, err := s.w.ExecContext(ctx, `
DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE at < ? LIMIT ?)`, cut, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("state: purge: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("state: purge: %w", err)
		}
		total += n
		if n < purgeBatch {
			break
		}
	}
	if total > 0 {
		// Busy readers may keep part of the log; that is no error, the next
		// checkpoint takes the rest.
		var busy, logFrames, done int
		if err := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return total, fmt.Errorf("state: purge: checkpoint: %w", err)
		}
	}
	return total, nil
}
