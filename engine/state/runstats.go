package state

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// runStatsSchema is the migration of what a run measured beside its
// counts: the API calls it made per connection and rate budget, and, for
// runs kopla serve started on picked-up changes, how long the oldest change
// waited per flow. JSON on the run's row: they are read with the run, never
// searched.
const runStatsSchema = `
ALTER TABLE runs ADD COLUMN api_calls TEXT NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN pickup_lag TEXT NOT NULL DEFAULT '{}';
`

const pgRunStatsSchema = `
ALTER TABLE runs ADD COLUMN api_calls TEXT COLLATE "C" NOT NULL DEFAULT '[]';
ALTER TABLE runs ADD COLUMN pickup_lag TEXT COLLATE "C" NOT NULL DEFAULT '{}';
`

// APICalls is the requests a run drew on one rate budget of one
// connection, and the budget as the connector knew it at the run's end.
type APICalls struct {
	Connection string        `json:"connection"` // "hubspot.crm"
	Budget     string        `json:"budget"`     // "burst", "GET customers"
	Calls      int           `json:"calls"`
	Limit      int           `json:"limit,omitempty"` // requests allowed per Per
	Per        time.Duration `json:"per,omitempty"`
}

// RunStats is what a run measured beside its counts.
type RunStats struct {
	APICalls []APICalls
	// PickupLag is, per flow, how long the oldest change the run picked
	// up had waited when it ended; only runs serve started on changes
	// have one.
	PickupLag map[string]time.Duration
}

// SetRunAPICalls records the API calls of run id, replacing those
// recorded before.
func (s *Store) SetRunAPICalls(ctx context.Context, id int64, calls []APICalls) error {
	if calls == nil {
		calls = []APICalls{}
	}
	enc, err := json.Marshal(calls)
	if err != nil {
		return fmt.Errorf("state: run %d: api calls: %w", id, err)
	}
	return s.updateRun(ctx, id, `UPDATE runs SET api_calls = ? WHERE id = ?`, string(enc), id)
}

// SetRunPickupLag records the pickup lag of flow in run id.
func (s *Store) SetRunPickupLag(ctx context.Context, id int64, flow string, lag time.Duration) error {
	enc, err := json.Marshal(map[string]int64{flow: lag.Milliseconds()})
	if err != nil {
		return fmt.Errorf("state: run %d: pickup lag: %w", id, err)
	}
	return s.updateRun(ctx, id, `UPDATE runs SET pickup_lag = `+s.d.jsonMerge("pickup_lag", "?")+` WHERE id = ?`, string(enc), id)
}

func (s *Store) updateRun(ctx context.Context, id int64, query string, args ...any) error {
	res, err := s.w.ExecContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("state: run %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("state: run %d: %w", id, ErrNotFound)
	}
	return nil
}

// RunStats returns the stats of the runs ids that exist, by run.
func (s *Store) RunStats(ctx context.Context, ids []int64) (map[int64]RunStats, error) {
	out := make(map[int64]RunStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, api_calls, pickup_lag FROM runs WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("state: run stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id        int64
			calls, lg string
			st        RunStats
			ms        map[string]int64
		)
		if err := rows.Scan(&id, &calls, &lg); err != nil {
			return nil, fmt.Errorf("state: run stats: %w", err)
		}
		if err := json.Unmarshal([]byte(calls), &st.APICalls); err != nil {
			return nil, fmt.Errorf("state: run %d: api calls: %w", id, err)
		}
		if err := json.Unmarshal([]byte(lg), &ms); err != nil {
			return nil, fmt.Errorf("state: run %d: pickup lag: %w", id, err)
		}
		if len(ms) > 0 {
			st.PickupLag = make(map[string]time.Duration, len(ms))
			for f, v := range ms {
				st.PickupLag[f] = time.Duration(v) * time.Millisecond
			}
		}
		out[id] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: run stats: %w", err)
	}
	return out, nil
}
