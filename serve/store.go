package serve

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// queueSchema is serve's own part of the queue database, beside River's
// tables: what a run has to do, kept until a run did it, so that a crash
// or a restart loses no change (River's job only wakes the flow).
const queueSchema = `
CREATE TABLE IF NOT EXISTS kopla_events (
	id          INTEGER PRIMARY KEY,
	dedup_key   TEXT NOT NULL,
	flow        TEXT NOT NULL,  -- the flow to run; '' when none reads the object
	source      TEXT NOT NULL,  -- hubspot
	object      TEXT NOT NULL,  -- connector object name: orders, contacts
	object_id   TEXT NOT NULL,
	event_type  TEXT NOT NULL,
	occurred_at TEXT NOT NULL,
	received_at TEXT NOT NULL,
	done_at     TEXT,
	UNIQUE (dedup_key, flow)
);
CREATE INDEX IF NOT EXISTS kopla_events_pending ON kopla_events (flow, done_at);
CREATE TABLE IF NOT EXISTS kopla_sweeps (
	flow         TEXT PRIMARY KEY,
	"full"       INTEGER NOT NULL,
	requested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kopla_retries (
	flow       TEXT NOT NULL,
	source_id  TEXT NOT NULL,
	attempts   INTEGER NOT NULL,
	next_at    TEXT NOT NULL,
	last_error TEXT NOT NULL,
	PRIMARY KEY (flow, source_id)
);
CREATE TABLE IF NOT EXISTS kopla_flow_runs (
	flow        TEXT PRIMARY KEY,
	last_start  TEXT NOT NULL,
	last_ok     TEXT
);
`

const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func fmtTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeFormat, s)
	return t
}

// queueStore is serve's tables in the queue database.
type queueStore struct {
	db  *sql.DB
	now func() time.Time
	// pg says the queue is on Postgres: its placeholders are $1, $2, ...
	pg bool
}

// sql returns query in the database's placeholders: the queries are
// written with ?, SQLite's.
func (q *queueStore) sql(query string) string {
	if !q.pg {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Event is one change a source told about (a HubSpot webhook event).
type Event struct {
	// DedupKey identifies the event across redeliveries.
	DedupKey string
	// Flow is the flow the event makes run ("" when none reads Object:
	// the event is stored as done).
	Flow       string
	Source     string
	Object     string
	ObjectID   string
	Type       string
	OccurredAt time.Time
}

// addEvents stores events in tx, leaving out those already stored, and
// returns the dedup keys and the flows of those that were new.
func (q *queueStore) addEvents(ctx context.Context, tx *sql.Tx, evs []Event) (keys, flows map[string]bool, err error) {
	stmt, err := tx.PrepareContext(ctx, q.sql(`INSERT INTO kopla_events
		(dedup_key, flow, source, object, object_id, event_type, occurred_at, received_at, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (dedup_key, flow) DO NOTHING`))
	if err != nil {
		return nil, nil, fmt.Errorf("store events: %w", err)
	}
	defer stmt.Close()
	now := fmtTime(q.now())
	keys, flows = map[string]bool{}, map[string]bool{}
	for _, ev := range evs {
		var done any
		if ev.Flow == "" {
			done = now
		}
		res, err := stmt.ExecContext(ctx, ev.DedupKey, ev.Flow, ev.Source, ev.Object, ev.ObjectID, ev.Type, fmtTime(ev.OccurredAt), now, done)
		if err != nil {
			return nil, nil, fmt.Errorf("store events: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			keys[ev.DedupKey] = true
			if ev.Flow != "" {
				flows[ev.Flow] = true
			}
		}
	}
	return keys, flows, nil
}

// work is what one run of a flow is to do, taken before it starts.
type work struct {
	// sweep asks for a run over the whole source (incremental from the
	// cursor, or full); sweepAt is when it was asked, so that a request
	// made during the run survives it.
	sweep, full bool
	sweepAt     string
	// ids are the source records to plan when not sweeping: changed
	// (events up to lastEvent) or due for a retry.
	ids       []string
	lastEvent int64
	oldest    time.Time // the oldest pending event, for the pickup lag
	retries   int
}

func (w *work) empty() bool { return !w.sweep && len(w.ids) == 0 && w.lastEvent == 0 }

// pending reads what a run of flow has to do now.
func (q *queueStore) pending(ctx context.Context, flow string) (*work, error) {
	w := &work{}
	var full sql.NullInt64
	err := q.db.QueryRowContext(ctx, q.sql(`SELECT "full", requested_at FROM kopla_sweeps WHERE flow = ?`), flow).Scan(&full, &w.sweepAt)
	switch {
	case err == nil:
		w.sweep, w.full = true, full.Int64 != 0
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("read sweeps: %w", err)
	}
	seen := map[string]bool{}
	// A sweep leaves the events to the targeted run after it: a cursor
	// read may miss a record the search index does not show yet.
	if !w.sweep {
		rows, err := q.db.QueryContext(ctx, q.sql(`SELECT id, object_id, occurred_at FROM kopla_events
			WHERE flow = ? AND done_at IS NULL ORDER BY id`), flow)
		if err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		for rows.Next() {
			var id int64
			var oid, at string
			if err := rows.Scan(&id, &oid, &at); err != nil {
				rows.Close()
				return nil, fmt.Errorf("read events: %w", err)
			}
			w.lastEvent = id
			if t := parseTime(at); w.oldest.IsZero() || t.Before(w.oldest) {
				w.oldest = t
			}
			if !seen[oid] {
				seen[oid] = true
				w.ids = append(w.ids, oid)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
	}
	rows, err := q.db.QueryContext(ctx, q.sql(`SELECT source_id FROM kopla_retries WHERE flow = ? AND next_at <= ?`), flow, fmtTime(q.now()))
	if err != nil {
		return nil, fmt.Errorf("read retries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read retries: %w", err)
		}
		w.retries++
		if !seen[id] {
			seen[id] = true
			w.ids = append(w.ids, id)
		}
	}
	return w, rows.Err()
}

// done records that a run did w: its events are processed and its sweep
// request, unless asked again meanwhile, is gone.
func (q *queueStore) done(ctx context.Context, flow string, w *work) error {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("mark done: %w", err)
	}
	defer tx.Rollback()
	now := fmtTime(q.now())
	if w.lastEvent > 0 {
		if _, err := tx.ExecContext(ctx, q.sql(`UPDATE kopla_events SET done_at = ? WHERE flow = ? AND done_at IS NULL AND id <= ?`), now, flow, w.lastEvent); err != nil {
			return fmt.Errorf("mark events done: %w", err)
		}
	}
	if w.sweep {
		if _, err := tx.ExecContext(ctx, q.sql(`DELETE FROM kopla_sweeps WHERE flow = ? AND requested_at = ?`), flow, w.sweepAt); err != nil {
			return fmt.Errorf("mark sweep done: %w", err)
		}
	}
	return tx.Commit()
}

// requestSweep asks for a run over flow's whole source; a full request
// stays full when merged with an incremental one.
func (q *queueStore) requestSweep(ctx context.Context, tx *sql.Tx, flow string, full bool) error {
	f := 0
	if full {
		f = 1
	}
	_, err := tx.ExecContext(ctx, q.sql(`INSERT INTO kopla_sweeps (flow, "full", requested_at) VALUES (?, ?, ?)
		ON CONFLICT (flow) DO UPDATE SET "full" = CASE WHEN excluded."full" = 1 THEN 1 ELSE kopla_sweeps."full" END, requested_at = excluded.requested_at`), flow, f, fmtTime(q.now()))
	if err != nil {
		return fmt.Errorf("request run of %s: %w", flow, err)
	}
	return nil
}

// retryOutcome records the outcome of the records a run retried or failed:
// ok ones leave the retry table; retryable failures are due again after
// backoff until maxAttempts, then given up (returned).
func (q *queueStore) retryOutcome(ctx context.Context, flow string, ok []string, failed map[string]string, policy RetryPolicy) (givenUp []string, next time.Time, err error) {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, next, fmt.Errorf("record retries: %w", err)
	}
	defer tx.Rollback()
	for _, id := range ok {
		if _, err := tx.ExecContext(ctx, q.sql(`DELETE FROM kopla_retries WHERE flow = ? AND source_id = ?`), flow, id); err != nil {
			return nil, next, fmt.Errorf("record retries: %w", err)
		}
	}
	now := q.now()
	for id, msg := range failed {
		var attempts int
		err := tx.QueryRowContext(ctx, q.sql(`SELECT attempts FROM kopla_retries WHERE flow = ? AND source_id = ?`), flow, id).Scan(&attempts)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, next, fmt.Errorf("record retries: %w", err)
		}
		attempts++
		if attempts > policy.MaxAttempts {
			givenUp = append(givenUp, id)
			if _, err := tx.ExecContext(ctx, q.sql(`DELETE FROM kopla_retries WHERE flow = ? AND source_id = ?`), flow, id); err != nil {
				return nil, next, fmt.Errorf("record retries: %w", err)
			}
			continue
		}
		at := now.Add(policy.delay(attempts))
		if next.IsZero() || at.Before(next) {
			next = at
		}
		if _, err := tx.ExecContext(ctx, q.sql(`INSERT INTO kopla_retries (flow, source_id, attempts, next_at, last_error) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (flow, source_id) DO UPDATE SET attempts = excluded.attempts, next_at = excluded.next_at, last_error = excluded.last_error`),
			flow, id, attempts, fmtTime(at), msg); err != nil {
			return nil, next, fmt.Errorf("record retries: %w", err)
		}
	}
	return givenUp, next, tx.Commit()
}

// nextRetry is when the earliest retry of flow is due (zero: none).
func (q *queueStore) nextRetry(ctx context.Context, flow string) (time.Time, error) {
	var at sql.NullString
	if err := q.db.QueryRowContext(ctx, q.sql(`SELECT min(next_at) FROM kopla_retries WHERE flow = ?`), flow).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("read retries: %w", err)
	}
	if !at.Valid {
		return time.Time{}, nil
	}
	return parseTime(at.String), nil
}

// flowRan records the start (and, when ok, the success) of a run.
func (q *queueStore) flowRan(ctx context.Context, flow string, start time.Time, ok bool) error {
	var last any
	if ok {
		last = fmtTime(start)
	}
	_, err := q.db.ExecContext(ctx, q.sql(`INSERT INTO kopla_flow_runs (flow, last_start, last_ok) VALUES (?, ?, ?)
		ON CONFLICT (flow) DO UPDATE SET last_start = excluded.last_start, last_ok = coalesce(excluded.last_ok, kopla_flow_runs.last_ok)`), flow, fmtTime(start), last)
	return err
}

// lastStart is when the last run of flow started (zero: never).
func (q *queueStore) lastStart(ctx context.Context, flow string) (time.Time, error) {
	var s string
	err := q.db.QueryRowContext(ctx, q.sql(`SELECT last_start FROM kopla_flow_runs WHERE flow = ?`), flow).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return parseTime(s), nil
}

// pendingEvents counts the events no run has processed yet.
func (q *queueStore) pendingEvents(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRowContext(ctx, q.sql(`SELECT count(*) FROM kopla_events WHERE done_at IS NULL`)).Scan(&n)
	return n, err
}

// forgetEvents drops the stored events of records being erased (a privacy
// deletion): nothing of the person stays in the queue either.
func (q *queueStore) forgetEvents(ctx context.Context, tx *sql.Tx, source, object string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{source, object}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := tx.ExecContext(ctx, q.sql(`DELETE FROM kopla_events WHERE source = ? AND object = ? AND object_id IN (?`)+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	return err
}
