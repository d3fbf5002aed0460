package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

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
