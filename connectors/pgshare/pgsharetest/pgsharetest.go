// Package pgsharetest opens shared-budget stores for tests, one per
// worker, on a schema of the test Postgres (package internal/pgtest).
package pgsharetest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kopla-dev/kopla/connectors/pgshare"
)

// Worker opens a store of schema on a pool of its own, as one worker
// process does; it is closed when t ends.
func Worker(t testing.TB, base, schema string) *pgshare.Store {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s, err := pgshare.New(ctx, pool, schema)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
