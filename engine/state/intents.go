package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// Intent is a write in flight: recorded before the write is sent and
// resolved once its answer is stored. An intent still pending when a run
// starts means a previous run died between sending a write and storing its
// answer: the write may or may not have happened, and the engine reconciles
// it by looking the record up by its key instead of creating it twice.
type Intent struct {
	// ID is the journal entry the intent was recorded in: BeginIntents
	// records a batch of intents as one entry, and they share its ID.
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
	// Committing says the write failed with its answer lost while the
	// target may still carry it out (connectors.ErrMayStillCommit), as
	// Batch.Committing records it: the engine waits for it to show.
	Committing bool
}

// storedIntent is an intent as the journal entry's JSON array holds it:
// the entry's run and creation time are columns of its row, and flow,
// object, action and key field are left out where they are those of the
// intent before, as in a batch they all are.
type storedIntent struct {
	Flow      *string `json:"flow,omitempty"`
	SourceKey string  `json:"source_key"`
	Object    *string `json:"object,omitempty"`
	Action    *string `json:"action,omitempty"`
	KeyField  *string `json:"key_field,omitempty"`
	KeyValue  string  `json:"key_value,omitempty"`
	TargetID  string  `json:"target_id,omitempty"`
	// Committing is Intent.Committing.
	Committing bool `json:"committing,omitempty"`
}

// BeginIntents records intents as one journal entry, in one committed
// transaction, and returns its ID. The engine sends the writes only after
// it returns. The intents must share their run; they take the creation
// time of the first.
//
// One entry per batch rather than a row per intent: the journal is written
// and cleared for every record an apply creates, so its cost is per batch.
func (s *Store) BeginIntents(ctx context.Context, intents []Intent) (int64, error) {
	if len(intents) == 0 {
		return 0, nil
	}
	for i, in := range intents {
		if err := checkIntent(in); err != nil {
			return 0, fmt.Errorf("state: begin intents: intent %d: %w", i, err)
		}
		if in.RunID != intents[0].RunID {
			return 0, fmt.Errorf("state: begin intents: intent %d: run %d differs from the first intent's, %d", i, in.RunID, intents[0].RunID)
		}
	}
	created := intents[0].CreatedAt
	if created.IsZero() {
		created = s.nowUTC()
	}
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO intents (run_id, created_at, intents) VALUES (?, ?, CAST(? AS TEXT)) RETURNING id`,
			nullID(intents[0].RunID), formatTime(created), encodeIntents(intents)).Scan(&id)
	})
	if err != nil {
		return 0, fmt.Errorf("state: begin intents: %w", err)
	}
	return id, nil
}

// encodeIntents returns the JSON array of []storedIntent, as encoding/json
// would write it, without its reflection: an apply journals every record it
// creates.
func encodeIntents(intents []Intent) []byte {
	b := make([]byte, 0, 64*len(intents)+128)
	b = append(b, '[')
	var prev *Intent
	for i := range intents {
		in := &intents[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if prev == nil || in.Flow != prev.Flow {
			b = jsonenc.AppendString(append(b, `"flow":`...), in.Flow, true)
			b = append(b, ',')
		}
		b = jsonenc.AppendString(append(b, `"source_key":`...), in.SourceKey, true)
		if prev == nil || in.Object != prev.Object {
			b = jsonenc.AppendString(append(b, `,"object":`...), in.Object, true)
		}
		if prev == nil || in.Action != prev.Action {
			b = jsonenc.AppendString(append(b, `,"action":`...), in.Action, true)
		}
		if prev == nil || in.KeyField != prev.KeyField {
			b = jsonenc.AppendString(append(b, `,"key_field":`...), in.KeyField, true)
		}
		if in.KeyValue != "" {
			b = jsonenc.AppendString(append(b, `,"key_value":`...), in.KeyValue, true)
		}
		if in.TargetID != "" {
			b = jsonenc.AppendString(append(b, `,"target_id":`...), in.TargetID, true)
		}
		if in.Committing {
			b = append(b, `,"committing":true`...)
		}
		b = append(b, '}')
		prev = in
	}
	return append(b, ']')
}

// decodeIntents reads what encodeIntents wrote.
func decodeIntents(stored []byte) ([]Intent, error) {
	var entry []storedIntent
	if err := json.Unmarshal(stored, &entry); err != nil {
		return nil, err
	}
	out := make([]Intent, len(entry))
	var prev Intent
	for i, e := range entry {
		in := Intent{SourceKey: e.SourceKey, KeyValue: e.KeyValue, TargetID: e.TargetID, Committing: e.Committing,
			Flow: prev.Flow, Object: prev.Object, Action: prev.Action, KeyField: prev.KeyField}
		for _, f := range []struct {
			v   *string
			dst *string
		}{{e.Flow, &in.Flow}, {e.Object, &in.Object}, {e.Action, &in.Action}, {e.KeyField, &in.KeyField}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		out[i], prev = in, in
	}
	return out, nil
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

// ResolveIntents removes the journal entries with the given IDs and all
// their intents (unknown IDs are ignored), in one transaction. Call it once
// the outcome of their writes (links, activity) is stored.
func (s *Store) ResolveIntents(ctx context.Context, ids []int64) error {
	return s.ResolveIntentsKeeping(ctx, ids, nil)
}

// ResolveIntentsKeeping is ResolveIntents but for the intents whose source
// keys keep lists under their entry's ID: those stay pending (a create the
// engine could not settle yet).
func (s *Store) ResolveIntentsKeeping(ctx context.Context, ids []int64, keep map[int64][]string) error {
	if len(ids) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if err := s.resolveIntents(ctx, tx, id, keep[id], nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: resolve intents: %w", err)
	}
	return nil
}

// resolveIntents resolves the intents of entry id but those whose source
// keys are in pending, which stay in the journal; those also in committing
// are marked Committing.
func (s *Store) resolveIntents(ctx context.Context, tx *sql.Tx, id int64, pending, committing []string) error {
	if id == 0 {
		return nil
	}
	if len(pending) == 0 {
		_, err := tx.ExecContext(ctx, `DELETE FROM intents WHERE id = ?`, id)
		return err
	}
	var stored []byte
	if err := tx.QueryRowContext(ctx, `SELECT intents FROM intents WHERE id = ?`, id).Scan(&stored); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	}
	intents, err := decodeIntents(stored)
	if err != nil {
		return fmt.Errorf("journal entry %d: %w", id, err)
	}
	keep := make(map[string]bool, len(pending))
	for _, k := range pending {
		keep[k] = true
	}
	kept := slices.DeleteFunc(intents, func(in Intent) bool { return !keep[in.SourceKey] })
	for i := range kept {
		if slices.Contains(committing, kept[i].SourceKey) {
			kept[i].Committing = true
		}
	}
	if len(kept) == 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM intents WHERE id = ?`, id)
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE intents SET intents = CAST(? AS TEXT) WHERE id = ?`, encodeIntents(kept), id)
	}
	return err
}

// PendingIntents returns the unresolved intents of flow ("" means every
// flow), oldest first.
func (s *Store) PendingIntents(ctx context.Context, flow string) ([]Intent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, run_id, created_at, intents FROM intents ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("state: pending intents: %w", err)
	}
	defer rows.Close()
	var out []Intent
	for rows.Next() {
		var (
			id      int64
			runID   sql.NullInt64
			created string
			stored  []byte
		)
		if err := rows.Scan(&id, &runID, &created, &stored); err != nil {
			return nil, fmt.Errorf("state: pending intents: %w", err)
		}
		at, err := parseTime(created)
		if err != nil {
			return nil, fmt.Errorf("state: pending intents: journal entry %d: %w", id, err)
		}
		intents, err := decodeIntents(stored)
		if err != nil {
			return nil, fmt.Errorf("state: pending intents: journal entry %d: %w", id, err)
		}
		for _, in := range intents {
			if flow != "" && in.Flow != flow {
				continue
			}
			in.ID, in.RunID, in.CreatedAt = id, runID.Int64, at
			out = append(out, in)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: pending intents: %w", err)
	}
	return out, nil
}
