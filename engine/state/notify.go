package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// notifyStatesSchema is migration 4: one row per notify block, rule and
// flow. Pending holds the messages not yet delivered, as the notify
// package encodes them: a transition and its message are stored together,
// before any send, so that a crash or a failed send never loses one.
const notifyStatesSchema = `
CREATE TABLE notify_states (
	notify       TEXT    NOT NULL,
	rule         TEXT    NOT NULL,
	flow         TEXT    NOT NULL,
	status       TEXT    NOT NULL CHECK (status IN ('ok', 'failing')),
	since        TEXT    NOT NULL DEFAULT '',
	count        INTEGER NOT NULL DEFAULT 0,
	last_success TEXT    NOT NULL DEFAULT '',
	pending      BLOB    NOT NULL DEFAULT '',
	updated_at   TEXT    NOT NULL,
	PRIMARY KEY (notify, rule, flow)
) WITHOUT ROWID;
`

// Notification rule statuses.
const (
	NotifyOK      = "ok"
	NotifyFailing = "failing"
)

// NotifyState is the state of one notification rule of one notify block
// for one flow.
type NotifyState struct {
	Notify, Rule, Flow string
	// Status is NotifyOK or NotifyFailing, and Since when it became so
	// (zero before the first transition).
	Status string
	Since  time.Time
	// Count is the rule's counter, such as the consecutive failed runs.
	Count int
	// LastSuccess is the end of the flow's last successful run, or when
	// the rule began watching the flow if none has succeeded since.
	LastSuccess time.Time
	// Pending is the messages not delivered yet, encoded by the caller;
	// empty when there are none.
	Pending []byte
	// UpdatedAt is set by PutNotifyState.
	UpdatedAt time.Time
}

// NotifyStates returns the stored states of every rule, ordered by notify
// block, rule and flow.
func (s *Store) NotifyStates(ctx context.Context) ([]NotifyState, error) {
	rows, err := s.r.QueryContext(ctx, `
SELECT notify, rule, flow, status, since, count, last_success, pending, updated_at
FROM notify_states ORDER BY notify, rule, flow`)
	if err != nil {
		return nil, fmt.Errorf("state: notification states: %w", err)
	}
	defer rows.Close()
	var out []NotifyState
	for rows.Next() {
		var st NotifyState
		var since, last, updated string
		if err := rows.Scan(&st.Notify, &st.Rule, &st.Flow, &st.Status, &since, &st.Count, &last, &st.Pending, &updated); err != nil {
			return nil, fmt.Errorf("state: notification states: %w", err)
		}
		var errs [3]error
		st.Since, errs[0] = parseOptionalTime(since)
		st.LastSuccess, errs[1] = parseOptionalTime(last)
		st.UpdatedAt, errs[2] = parseTime(updated)
		if err := errors.Join(errs[:]...); err != nil {
			return nil, fmt.Errorf("state: notification state %s/%s/%s: %w", st.Notify, st.Rule, st.Flow, err)
		}
		if len(st.Pending) == 0 {
			st.Pending = nil
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: notification states: %w", err)
	}
	return out, nil
}

// PutNotifyState stores the state of a rule, replacing what was stored for
// its notify block, rule and flow.
func (s *Store) PutNotifyState(ctx context.Context, st NotifyState) error {
	if st.Notify == "" || st.Rule == "" {
		return errors.New("state: put notification state: empty notify block or rule")
	}
	if st.Status != NotifyOK && st.Status != NotifyFailing {
		return fmt.Errorf("state: put notification state: status %q is neither %q nor %q", st.Status, NotifyOK, NotifyFailing)
	}
	pending := st.Pending
	if pending == nil {
		pending = []byte{}
	}
	_, err := s.w.ExecContext(ctx, `
INSERT INTO notify_states (notify, rule, flow, status, since, count, last_success, pending, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (notify, rule, flow) DO UPDATE SET
	status = excluded.status, since = excluded.since, count = excluded.count,
	last_success = excluded.last_success, pending = excluded.pending, updated_at = excluded.updated_at`,
		st.Notify, st.Rule, st.Flow, st.Status, formatOptionalTime(st.Since), st.Count,
		formatOptionalTime(st.LastSuccess), pending, formatTime(s.nowUTC()))
	if err != nil {
		return fmt.Errorf("state: put notification state %s/%s/%s: %w", st.Notify, st.Rule, st.Flow, err)
	}
	return nil
}

// formatOptionalTime stores a zero time as an empty string.
func formatOptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

func parseOptionalTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseTime(s)
}
