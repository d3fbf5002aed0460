// Package pgsharetest gives tests a Postgres schema of their own to share
// budgets and tokens on: the database KOPLA_TEST_POSTGRES names (.ci/run
// starts a throwaway one). Without it tests are skipped, except in CI.
package pgsharetest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kopla-dev/kopla/connectors/pgshare"
)

// Env names the test database's URL.
const Env = "KOPLA_TEST_POSTGRES"

// URL returns the test database's URL, skipping t when there is none
// (failing it when CI is set: there the tests must run).
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set, and CI is: the Postgres tests must run in CI (.ci/run starts a server)", Env)
		}
		t.Skipf("%s is not set: no Postgres to test on (.ci/run starts one)", Env)
	}
	return u
}

// Schema returns a new schema name, dropped with everything in it when t ends.
func Schema(t testing.TB, base string) string {
	t.Helper()
	schema := "t_" + strings.ToLower(rand.Text()[:16])
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop test schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("drop test schema: %v", err)
		}
	})
	return schema
}

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
