// Package pgtest gives tests the Postgres that KOPLA_TEST_POSTGRES names
// (.ci/run starts a throwaway one with .ci/postgres.sh), and schemas of
// their own on it. Without it tests are skipped, except in CI (CI set),
// where they must run.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the test database's URL.
const Env = "KOPLA_TEST_POSTGRES"

// URL returns the test database's URL, skipping t when there is none
// (failing it when CI is set).
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set, and CI is: the Postgres tests must run in CI (.ci/run starts a server with .ci/postgres.sh)", Env)
		}
		t.Skipf("%s is not set: no Postgres to test on (.ci/run starts one)", Env)
	}
	return u
}

// Schema returns the name of a new schema on base, dropped with everything
// in it when t ends.
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

// SchemaURL returns base naming a new schema of its own (kopla's schema=
// parameter), dropped when t ends.
func SchemaURL(t testing.TB, base string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("schema", Schema(t, base))
	u.RawQuery = q.Encode()
	return u.String()
}
