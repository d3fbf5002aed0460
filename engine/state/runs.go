package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Run statuses.
const (
	StatusRunning     = "running"
	StatusSucceeded   = "succeeded"
	StatusFailed      = "failed"
	StatusInterrupted = "interrupted"
)

// ErrNotFound is returned when a run asked for does not exist.
var ErrNotFound = errors.New("not found")

// Run is one execution of a command against the state.
type Run struct {
	ID           int64
	Command      string // "apply", "plan"
	ConfigDigest string // digest of the flow files the run used
	StartedAt    time.Time
	FinishedAt   time.Time // zero while running
	Status       string    // running, succeeded, failed, interrupted
	// Counts are the records by outcome: create, update, no_op, skip,
	// error, blocked.
	Counts map[string]int
}

// StartRun records the start of a run and returns its ID.
func (s *Store) StartRun(ctx context.Context, command, configDigest string) (int64, error) {
	if command == "" {
		return 0, errors.New("state: start run: empty command")
	}
	// RETURNING rather than LastInsertId, which Postgres has not.
	var id int64
	err := s.w.QueryRowContext(ctx, `
INSERT INTO runs (command, config_digest, started_at, status, pid, host) VALUES (?, ?, ?, 'running', ?, ?) RETURNING id`,
		command, configDigest, formatTime(s.nowUTC()), s.pid, s.host).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("state: start run: %w", err)
	}
	return id, nil
}

// FinishRun records the end of a running run: its status (succeeded,
// failed or interrupted) and its counts. Finishing a run twice is an error,
// so that a second outcome never silently overwrites the first.
func (s *Store) FinishRun(ctx context.Context, id int64, status string, counts map[string]int) error {
	switch status {
	case StatusSucceeded, StatusFailed, StatusInterrupted:
	default:
		return fmt.Errorf("state: finish run %d: status %q is not one of succeeded, failed, interrupted", id, status)
	}
	enc := []byte("{}")
	if len(counts) > 0 {
		var err error
		if enc, err = json.Marshal(counts); err != nil {
			return fmt.Errorf("state: finish run %d: %w", id, err)
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT status FROM runs WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("run %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if cur != StatusRunning {
			return fmt.Errorf("run %d is already %s", id, cur)
		}
		_, err = tx.ExecContext(ctx, `UPDATE runs SET status = ?, counts = ?, finished_at = ? WHERE id = ?`,
			status, string(enc), formatTime(s.nowUTC()), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("state: finish run: %w", err)
	}
	return nil
}

const runColumns = `id, command, config_digest, started_at, finished_at, status, counts`

// Runs returns the last limit runs, newest first; limit <= 0 means all.
func (s *Store) Runs(ctx context.Context, limit int) ([]Run, error) {
	if limit <= 0 {
		limit = math.MaxInt64 // no limit, on SQLite (-1) and Postgres (ALL) alike
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+runColumns+` FROM runs ORDER BY id DESC LIMIT ?`, limit)
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

// Run returns the run with the given ID; the error wraps ErrNotFound when
// there is none.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.r.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("state: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("state: run %d: %w", id, err)
	}
	return r, nil
}

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var (
		r        Run
		started  string
		finished sql.NullString
		counts   []byte
	)
	if err := row.Scan(&r.ID, &r.Command, &r.ConfigDigest, &started, &finished, &r.Status, &counts); err != nil {
		return Run{}, err
	}
	var err error
	if r.StartedAt, err = parseTime(started); err != nil {
		return Run{}, fmt.Errorf("run %d: %w", r.ID, err)
	}
	if r.FinishedAt, err = parseNullTime(finished); err != nil {
		return Run{}, fmt.Errorf("run %d: %w", r.ID, err)
	}
	if err := json.Unmarshal(counts, &r.Counts); err != nil {
		return Run{}, fmt.Errorf("run %d: counts: %w", r.ID, err)
	}
	return r, nil
}
