package state

import (
	"context"
	"database/sql"
	"fmt"
)

// dialect is what differs between the state's two databases. The queries
// are one text for both (SQLite's, with ? placeholders, which pgConn
// numbers for Postgres); the schema, its version counter and the
// maintenance that only one of them has are here.
type dialect struct {
	name string // "sqlite", "postgres"
	// migrations and steps are the schema versions, the same versions with
	// the same tables, columns and index names on both (see schema.go).
	migrations []string
	steps      map[int]func(ctx context.Context, tx *sql.Tx) error
	// readVersion and writeVersion get and set the schema version.
	readVersion  func(ctx context.Context, tx *sql.Tx) (int, error)
	writeVersion func(ctx context.Context, tx *sql.Tx, v int) error
	// jsonMerge is the SQL merging JSON object b into a (both TEXT), as
	// TEXT: the keys of b replace those of a.
	jsonMerge func(a, b string) string
}

var sqliteDialect = &dialect{
	name:       "sqlite",
	migrations: migrations,
	steps:      migrationSteps,
	readVersion: func(ctx context.Context, tx *sql.Tx) (v int, err error) {
		err = tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
		return v, err
	},
	writeVersion: func(ctx context.Context, tx *sql.Tx, v int) error {
		// PRAGMA takes no bound parameters; v is an int we computed.
		_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v))
		return err
	},
	jsonMerge: func(a, b string) string { return "json_patch(" + a + ", " + b + ")" },
}

var postgresDialect = &dialect{
	name:       "postgres",
	migrations: pgMigrations,
	steps:      pgMigrationSteps,
	readVersion: func(ctx context.Context, tx *sql.Tx) (v int, err error) {
		err = tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
		return v, err
	},
	writeVersion: func(ctx context.Context, tx *sql.Tx, v int) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v)
		return err
	},
	// jsonb's || is json_patch for objects of strings, which field
	// hashes are; it stores the object in jsonb's own spacing and key
	// order, which readers, parsing it, do not see.
	jsonMerge: func(a, b string) string { return "(" + a + "::jsonb || " + b + "::jsonb)::text" },
}

// Backend names the database of the state: "sqlite" or "postgres".
func (s *Store) Backend() string { return s.d.name }
