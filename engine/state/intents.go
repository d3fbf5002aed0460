package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Intent is a write in flight: recorded before the write is sent and
// resolved once its answer is stored. An intent still pending when a run
// starts means a previous run died between sending a write and storing its
// answer: the write may or may not have happened, and the engine reconciles
// it by looking the record up by its key instead of creating it twice.
type Intent struct {
	ID        int64
	RunID     int64 // 0 when not part of a recorded run
	Flow      string
	SourceKey string
	// Object is the target, "kind.connection.object".
	Object string
	// Action is "create" or "update".
	Action   string
	KeyField string
	KeyValue string
	// TargetID is the record updated ("" for a create).
	TargetID  string
	CreatedAt time.Time // UTC; set to the current time when zero
}

const insertIntentsHead = `INSERT INTO intents (run_id, flow, source_key, object, action, key_field, key_value, target_id, created_at)`

// BeginIntents records intents in one committed transaction and returns
// their IDs, in order. The engine sends the writes only after it returns.
func (s *Store) BeginIntents(ctx context.Context, intents []Intent) ([]int64, error) {
	if len(intents) == 0 {
		return nil, nil
	}
	for i, in := range intents {
		if err := checkIntent(in); err != nil {
			return nil, fmt.Errorf("state: begin intents: intent %d: %w", i, err)
		}
	}
	now := formatTime(s.nowUTC())
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = s.insertIntents.insertIDs(ctx, tx, len(intents), func(i int, args []any) []any {
			in := &intents[i]
			created := now
			if !in.CreatedAt.IsZero() {
				created = formatTime(in.CreatedAt)
			}
			return append(args, nullID(in.RunID), in.Flow, in.SourceKey, in.Object, in.Action,
				in.KeyField, in.KeyValue, in.TargetID, created)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("state: begin intents: %w", err)
	}
	return ids, nil
}

func checkIntent(in Intent) error {
	switch {
	case in.Flow == "":
		return errors.New("empty flow")
	case in.SourceKey == "":
		return fmt.Errorf("flow %s: empty source key", in.Flow)
	case in.Object == "":
		return fmt.Errorf("flow %s, source key %q: empty object", in.Flow, in.SourceKey)
	case in.Action != "create" && in.Action != "update":
		return fmt.Errorf("flow %s, source key %q: action %q is neither create nor update", in.Flow, in.SourceKey, in.Action)
	}
	return nil
}

// ResolveIntents removes the intents with the given IDs (unknown IDs are
// ignored), in one transaction. Call it once the outcome of their writes
// (links, activity) is stored.
func (s *Store) ResolveIntents(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.resolveIntents(ctx, tx, ids) })
	if err != nil {
		return fmt.Errorf("state: resolve intents: %w", err)
	}
	return nil
}

func (s *Store) resolveIntents(ctx context.Context, tx *sql.Tx, ids []int64) error {
	return eachIn(ctx, tx, s.deleteIntents, nil, ids, func(st *sql.Stmt, args []any) error {
		_, err := st.ExecContext(ctx, args...)
		return err
	})
}

func deleteIntentsSQL(n int) string {
	return `DELETE FROM intents WHERE id IN (` + placeholders(n) + `)`
}

// PendingIntents returns the unresolved intents of flow ("" means every
// flow), oldest first.
func (s *Store) PendingIntents(ctx context.Context, flow string) ([]Intent, error) {
	const cols = `SELECT id, run_id, flow, source_key, object, action, key_field, key_value, target_id, created_at FROM intents`
	var (
		rows *sql.Rows
		err  error
	)
	if flow == "" {
		rows, err = s.r.QueryContext(ctx, cols+` ORDER BY id`)
	} else {
		rows, err = s.r.QueryContext(ctx, cols+` WHERE flow = ? ORDER BY id`, flow)
	}
	if err != nil {
		return nil, fmt.Errorf("state: pending intents: %w", err)
	}
	defer rows.Close()
	var out []Intent
	for rows.Next() {
		var (
			in      Intent
			runID   sql.NullInt64
			created string
		)
		if err := rows.Scan(&in.ID, &runID, &in.Flow, &in.SourceKey, &in.Object, &in.Action,
			&in.KeyField, &in.KeyValue, &in.TargetID, &created); err != nil {
			return nil, fmt.Errorf("state: pending intents: %w", err)
		}
		in.RunID = runID.Int64
		if in.CreatedAt, err = parseTime(created); err != nil {
			return nil, fmt.Errorf("state: pending intents: intent %d: %w", in.ID, err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: pending intents: %w", err)
	}
	return out, nil
}
