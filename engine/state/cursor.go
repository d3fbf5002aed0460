package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// readMarksSchema is the migration of incremental reads by default: when
// the read that gave a flow's cursor was made and when its last full read
// was (empty for cursors stored before: a full read is due), and the source
// records that failed in the flow's last apply, read again by id on the
// next incremental run.
const readMarksSchema = `
ALTER TABLE cursors ADD COLUMN read_at TEXT NOT NULL DEFAULT '';
ALTER TABLE cursors ADD COLUMN full_at TEXT NOT NULL DEFAULT '';
CREATE TABLE retries (
	flow       TEXT NOT NULL,
	source_key TEXT NOT NULL,
	PRIMARY KEY (flow, source_key)
) WITHOUT ROWID;
`

// Cursor returns the incremental-read cursor stored for flow, or "" when
// there is none (the next read is a full one).
func (s *Store) Cursor(ctx context.Context, flow string) (string, error) {
	var c string
	err := s.r.QueryRowContext(ctx, `SELECT cursor FROM cursors WHERE flow = ?`, flow).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("state: cursor of %s: %w", flow, err)
	}
	return c, nil
}

// SetCursor stores the cursor of flow; "" deletes it, so that the next read
// is a full one.
func (s *Store) SetCursor(ctx context.Context, flow, cursor string) error {
	var err error
	if cursor == "" {
		_, err = s.w.ExecContext(ctx, `DELETE FROM cursors WHERE flow = ?`, flow)
	} else {
		_, err = s.w.ExecContext(ctx, `
INSERT INTO cursors (flow, cursor, updated_at) VALUES (?, ?, ?)
ON CONFLICT (flow) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
			flow, cursor, formatTime(s.nowUTC()))
	}
	if err != nil {
		return fmt.Errorf("state: set cursor of %s: %w", flow, err)
	}
	return nil
}

// ReadMark is what state keeps of a flow's last read that an apply stored:
// the cursor it returned ("" for a source that reads only in full), when
// the read was made (the plan's time), and when the flow was last read in
// full (zero when unknown).
type ReadMark struct {
	Cursor string
	ReadAt time.Time
	FullAt time.Time
}

// ReadMark returns the flow's read mark; ok is false when the flow has
// never been applied from a read (its next read is its first).
func (s *Store) ReadMark(ctx context.Context, flow string) (m ReadMark, ok bool, err error) {
	var readAt, fullAt string
	err = s.r.QueryRowContext(ctx, `SELECT cursor, read_at, full_at FROM cursors WHERE flow = ?`, flow).Scan(&m.Cursor, &readAt, &fullAt)
	if errors.Is(err, sql.ErrNoRows) {
		return ReadMark{}, false, nil
	}
	if err != nil {
		return ReadMark{}, false, fmt.Errorf("state: read mark of %s: %w", flow, err)
	}
	for _, t := range []struct {
		s   string
		dst *time.Time
	}{{readAt, &m.ReadAt}, {fullAt, &m.FullAt}} {
		if t.s == "" {
			continue
		}
		if *t.dst, err = parseTime(t.s); err != nil {
			return ReadMark{}, false, fmt.Errorf("state: read mark of %s: %w", flow, err)
		}
	}
	return m, true, nil
}

// MarkRead stores the flow's read mark. A zero FullAt keeps the one stored
// (the read was incremental).
func (s *Store) MarkRead(ctx context.Context, flow string, m ReadMark) error {
	var readAt, fullAt string
	if !m.ReadAt.IsZero() {
		readAt = formatTime(m.ReadAt)
	}
	if !m.FullAt.IsZero() {
		fullAt = formatTime(m.FullAt)
	}
	_, err := s.w.ExecContext(ctx, `
INSERT INTO cursors (flow, cursor, updated_at, read_at, full_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (flow) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at,
	read_at = excluded.read_at, full_at = CASE WHEN excluded.full_at = '' THEN cursors.full_at ELSE excluded.full_at END`,
		flow, m.Cursor, formatTime(s.nowUTC()), readAt, fullAt)
	if err != nil {
		return fmt.Errorf("state: mark read of %s: %w", flow, err)
	}
	return nil
}

// Retries returns the source keys of the records that failed in the flow's
// last apply, sorted.
func (s *Store) Retries(ctx context.Context, flow string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT source_key FROM retries WHERE flow = ? ORDER BY source_key`, flow)
	if err != nil {
		return nil, fmt.Errorf("state: retries of %s: %w", flow, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("state: retries of %s: %w", flow, err)
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: retries of %s: %w", flow, err)
	}
	return out, nil
}

// AddRetries adds keys to the flow's failed records (those of a flow's
// write-back, read again through the flow).
func (s *Store) AddRetries(ctx context.Context, flow string, keys []string) error {
	return s.putRetries(ctx, flow, keys, false)
}

// SetRetries replaces the flow's failed records with keys: an apply reads
// every one of them again, so what failed before and not now is done.
func (s *Store) SetRetries(ctx context.Context, flow string, keys []string) error {
	return s.putRetries(ctx, flow, keys, true)
}

func (s *Store) putRetries(ctx context.Context, flow string, keys []string, replace bool) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if replace {
			if _, err := tx.ExecContext(ctx, `DELETE FROM retries WHERE flow = ?`, flow); err != nil {
				return err
			}
		}
		if len(keys) == 0 {
			return nil
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO retries (flow, source_key) VALUES (?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range keys {
			if _, err := stmt.ExecContext(ctx, flow, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: set retries of %s: %w", flow, err)
	}
	return nil
}
