package state

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/klauspost/compress/s2"
)

// erasedAction marks an entry kopla forget erased: the entry keeps its ID
// (the IDs of a row's entries are its ID plus their offsets) but nothing
// else, and reads skip it.
const erasedAction = "erased"

// ActivityFilter selects activity entries; zero fields match everything.
type ActivityFilter struct {
	RunID     int64
	Flow      string
	SourceKey string
	// Key matches the entries of a record known by it: its source key, its
	// target id or one of the Keys it was logged with, whatever their case.
	// It is answered from the key index, without reading the whole log.
	Key string
	// Action is one of create, update, error, blocked, ...
	Action string
	// Since keeps the entries logged at or after it.
	Since time.Time
	// Limit bounds the number of entries; <= 0 means no bound.
	Limit int
	// Before, when not 0, keeps the entries with a smaller ID: the next
	// page of a listing is the one before the last ID shown.
	Before int64
}

// Activities returns the entries matching f, newest first.
func (s *Store) Activities(ctx context.Context, f ActivityFilter) ([]Activity, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("state: activities: %w", err)
	}
	defer tx.Rollback()
	var out []Activity
	if f.Key != "" || f.SourceKey != "" {
		out, err = s.activitiesByKey(ctx, tx, f)
	} else {
		out, err = activitiesScan(ctx, tx, f)
	}
	if err != nil {
		return nil, fmt.Errorf("state: activities: %w", err)
	}
	return out, nil
}

// full reports whether out holds as many entries as f asks for.
func (f *ActivityFilter) full(out []Activity) bool { return f.Limit > 0 && len(out) >= f.Limit }

// keep reports whether entry a of a row that passed the row filters
// matches f.
func (f *ActivityFilter) keep(a *Activity) bool {
	switch {
	case a.Action == erasedAction:
		return false
	case f.Action != "" && a.Action != f.Action:
		return false
	case f.SourceKey != "" && a.SourceKey != f.SourceKey:
		return false
	case f.Before != 0 && a.ID >= f.Before:
		return false
	}
	return true
}

// keepRow reports whether the entries of a row of run, flow and time at may
// match f.
func (f *ActivityFilter) keepRow(run int64, flow string, at time.Time) bool {
	switch {
	case f.RunID != 0 && run != f.RunID:
		return false
	case f.Flow != "" && flow != f.Flow:
		return false
	case !f.Since.IsZero() && at.Before(f.Since):
		return false
	}
	return true
}

// activitiesScan reads the log row by row, newest first.
func activitiesScan(ctx context.Context, tx *sql.Tx, f ActivityFilter) ([]Activity, error) {
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
	if !f.Since.IsZero() {
		where = append(where, "at >= ?")
		args = append(args, formatTime(f.Since))
	}
	if f.Before != 0 {
		where = append(where, "id < ?")
		args = append(args, f.Before)
	}
	q := `SELECT id, run_id, at, flow, entries FROM activity`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() && !f.full(out) {
		r, err := scanActivityRowOf(rows, f.Action)
		if err != nil {
			return nil, err
		}
		for i := len(r.entries) - 1; i >= 0 && !f.full(out); i-- {
			if f.keep(&r.entries[i]) {
				out = append(out, r.entries[i])
			}
		}
	}
	return out, rows.Err()
}

// activitiesByKey reads the entries the key index names for f.Key (or
// f.SourceKey), newest first, decoding only the rows that hold them.
func (s *Store) activitiesByKey(ctx context.Context, tx *sql.Tx, f ActivityFilter) ([]Activity, error) {
	key := f.Key
	if key == "" {
		key = f.SourceKey
	}
	ids, err := entriesOfKey(ctx, tx, keyHash(s.salt, key), f.Flow)
	if err != nil {
		return nil, err
	}
	rowStmt, err := tx.PrepareContext(ctx, `SELECT id, run_id, at, flow, entries FROM activity WHERE id <= ? ORDER BY id DESC LIMIT 1`)
	if err != nil {
		return nil, err
	}
	defer rowStmt.Close()
	var (
		out []Activity
		cur *activityRow
	)
	for _, id := range ids {
		if f.full(out) {
			break
		}
		if f.Before != 0 && id >= f.Before {
			continue
		}
		if cur == nil || id < cur.id || id >= cur.id+int64(len(cur.entries)) {
			r, err := scanActivityRow(rowStmt.QueryRowContext(ctx, id))
			if err == sql.ErrNoRows {
				continue // purged meanwhile
			}
			if err != nil {
				return nil, err
			}
			cur = &r
		}
		if !f.keepRow(cur.run, cur.flow, cur.at) {
			continue
		}
		if cur.unreadable {
			// The whole row is one entry saying it cannot be read.
			if id == cur.id {
				out = append(out, cur.entries[0])
			}
			continue
		}
		if a := &cur.entries[id-cur.id]; f.keep(a) {
			out = append(out, *a)
		}
	}
	return out, nil
}

// activityRow is one row of the activity table with its entries decoded.
type activityRow struct {
	id         int64
	run        int64
	at         time.Time
	flow       string
	entries    []Activity
	unreadable bool
}

func scanActivityRow(row interface{ Scan(...any) error }) (activityRow, error) {
	return scanActivityRowOf(row, "")
}

// scanActivityRowOf is scanActivityRow keeping, when action is not "",
// only the entries of that action, decoding no other (overview.go).
func scanActivityRowOf(row interface{ Scan(...any) error }, action string) (activityRow, error) {
	var (
		r      activityRow
		runID  sql.NullInt64
		at     string
		stored []byte
	)
	if err := row.Scan(&r.id, &runID, &at, &r.flow, &stored); err != nil {
		return r, err
	}
	r.run = runID.Int64
	t, err := parseTime(at)
	if err != nil {
		return r, fmt.Errorf("entry %d: %w", r.id, err)
	}
	r.at = t
	plain, err := unpack(stored)
	if err != nil {
		r.unreadable = true
		r.entries = []Activity{{ID: r.id, RunID: r.run, At: t, Flow: r.flow, Action: "unreadable",
			Error: fmt.Sprintf("these entries of the activity log cannot be read: %v", err)}}
		return r, nil
	}
	if action != "" {
		r.entries = decodeEntriesOf(plain, action, &r)
		return r, nil
	}
	entries := decodeEntries(plain)
	r.entries = make([]Activity, len(entries))
	for i := range entries {
		e := &entries[i]
		r.entries[i] = Activity{ID: r.id + int64(i), RunID: r.run, At: t, Flow: r.flow,
			SourceKey: e.SourceKey, TargetID: e.TargetID, Action: e.Action, Error: e.Error,
			Read: e.Read, Sent: e.Sent, Answer: e.Answer}
	}
	return r, nil
}

// unpack decompresses a row's entries.
func unpack(stored []byte) ([]byte, error) {
	return io.ReadAll(s2.NewReader(bytes.NewReader(stored)))
}
