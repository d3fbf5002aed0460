package state

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema versions in order: migrations[i] brings a file
// from user_version i to i+1. They are forward only and never edited once
// released; a change is a new entry appended at the end.
var migrations = []string{
	// 1: the initial schema. See doc.go for what each table holds.
	`
CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	command       TEXT    NOT NULL,
	config_digest TEXT    NOT NULL,
	started_at    TEXT    NOT NULL,
	finished_at   TEXT,
	status        TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
	counts        TEXT    NOT NULL DEFAULT '{}',
	pid           INTEGER NOT NULL,
	host          TEXT    NOT NULL
);

CREATE TABLE links (
	-- A rowid table with a narrow unique index rather than WITHOUT ROWID:
	-- new links append to the table, and only the index entries, a tenth
	-- of a row's size, go in key order.
	id           INTEGER PRIMARY KEY,
	flow         TEXT NOT NULL,
	source_key   TEXT NOT NULL,
	target_id    TEXT NOT NULL,
	key_value    TEXT NOT NULL DEFAULT '',
	field_hashes TEXT NOT NULL DEFAULT '{}',
	updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX links_key ON links (flow, source_key);

CREATE TABLE cursors (
	flow       TEXT PRIMARY KEY,
	cursor     TEXT NOT NULL,
	updated_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE intents (
	-- A journal entry: the intents of one batch of writes, as a JSON array
	-- of {flow, source_key, object, action, key_field, key_value, target_id},
	-- where flow, object, action and key_field are left out when they are
	-- those of the intent before.
	-- AUTOINCREMENT: an id is never reused, so a stale id can never
	-- resolve a newer entry, and ids grow in insertion order.
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id     INTEGER REFERENCES runs (id) ON DELETE SET NULL,
	created_at TEXT NOT NULL,
	intents    TEXT NOT NULL
);

CREATE TABLE activity (
	-- A batch of entries of one run and flow: a JSON array of
	-- {source_key, target_id, action, error, read, sent, answer}, one entry
	-- per line, compressed with S2 (github.com/klauspost/compress/s2,
	-- stream format). Entry i has the ID id + i, and the next row starts at id + n.
	id      INTEGER PRIMARY KEY,
	n       INTEGER NOT NULL,
	run_id  INTEGER REFERENCES runs (id) ON DELETE CASCADE,
	at      TEXT NOT NULL,
	flow    TEXT NOT NULL,
	entries BLOB NOT NULL
);
CREATE INDEX activity_run ON activity (run_id);
CREATE INDEX activity_flow ON activity (flow);
CREATE INDEX activity_at ON activity (at);

CREATE TABLE locks (
	name        TEXT PRIMARY KEY,
	holder      TEXT    NOT NULL,
	pid         INTEGER NOT NULL,
	host        TEXT    NOT NULL,
	token       TEXT    NOT NULL,
	acquired_at TEXT    NOT NULL
) WITHOUT ROWID;
`,
	// 2: the key index of the activity log (see keys.go): per row of
	// entries, the salted hashes of every key its entries' records are
	// known by, in a narrow table of its own, so that kopla log -key, trace
	// and forget read the hashes of a million entries, not their
	// documents. The rows logged before are indexed by indexActivity, run
	// with this step.
	`
CREATE TABLE secrets (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO secrets (name, value) VALUES ('key_salt', randomblob(32));

CREATE TABLE activity_keys (
	row    INTEGER PRIMARY KEY REFERENCES activity (id) ON DELETE CASCADE,
	flow   TEXT NOT NULL,
	hashes BLOB NOT NULL
);
`,
	// 3: the lock's heartbeat, renewed while it is held: a lock whose
	// heartbeat is older than the expiry is stale, whatever its pid or
	// host ('' for a lock taken before: its acquired_at counts).
	`ALTER TABLE locks ADD COLUMN heartbeat_at TEXT NOT NULL DEFAULT '';`,
	// 4: the state of each notification rule per flow (notify.go).
	notifyStatesSchema,
	// 5: read marks and retries of incremental reads (cursor.go).
	readMarksSchema,
	// 6: API calls per budget and pickup lag of each run (runstats.go).
	runStatsSchema,
}

// migrationSteps are what a migration does beyond its SQL, run in the
// same transaction after it: steps[v] after migrations[v].
var migrationSteps = map[int]func(ctx context.Context, tx *sql.Tx) error{
	1: indexActivity,
}

// SchemaVersion is the schema version this package writes.
func SchemaVersion() int { return len(migrations) }

// migrate brings the schema up to date. Each step runs in its own write
// transaction together with its user_version bump, so a crash leaves the
// file at a whole version, and two processes opening a new file at once
// migrate it once: the second sees the version the first committed.
func (s *Store) migrate(ctx context.Context) error {
	for {
		done, err := s.migrateStep(ctx)
		if err != nil || done {
			return err
		}
	}
}

func (s *Store) migrateStep(ctx context.Context) (done bool, err error) {
	migrations := s.d.migrations
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		v, err := s.d.readVersion(ctx, tx)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		switch {
		case v > len(migrations):
			return fmt.Errorf("state schema version %d is newer than this kopla understands (%d): upgrade kopla", v, len(migrations))
		case v == len(migrations):
			done = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
		if step := s.d.steps[v]; step != nil {
			if err := step(ctx, tx); err != nil {
				return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
			}
		}
		if err := s.d.writeVersion(ctx, tx, v+1); err != nil {
			return fmt.Errorf("migrate schema to version %d: %w", v+1, err)
		}
		return nil
	})
	return done, err
}
