package state

import (
	"bytes"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/internal/pgtest"
)

// The state tests are one suite for both backends. By default they run on
// SQLite; with KOPLA_STATE_TEST_DRIVER=postgres, every store they open is a
// fresh schema of the Postgres database KOPLA_TEST_POSTGRES names.
// TestSuiteOnPostgres runs the whole suite that way, in a child process, so
// a plain `go test ./engine/state` covers both.
const (
	driverEnv   = "KOPLA_STATE_TEST_DRIVER"
	postgresEnv = "KOPLA_TEST_POSTGRES"
)

func testDriver() string {
	if d := os.Getenv(driverEnv); d != "" {
		return d
	}
	return "sqlite"
}

// testStatePath is where a test keeps a fresh state: a file in a temporary
// directory, or, on Postgres, a URL naming a fresh schema, dropped at the end.
func testStatePath(t testing.TB) string {
	t.Helper()
	if testDriver() != "postgres" {
		return filepath.Join(t.TempDir(), ".kopla", "state.db")
	}
	return pgtest.SchemaURL(t, pgtest.URL(t))
}

// sqliteOnly skips a test of what only a SQLite file has (its path, its
// pragmas) in the Postgres pass of the suite.
func sqliteOnly(t testing.TB) {
	t.Helper()
	if testDriver() != "sqlite" {
		t.Skip("tests the SQLite file itself")
	}
}

func TestSuiteOnPostgres(t *testing.T) {
	if testDriver() == "postgres" {
		t.Skip("this is the Postgres pass")
	}
	pgtest.URL(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-test.run=^Test", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	if testing.Verbose() {
		args = append(args, "-test.v")
	}
	cmd := exec.CommandContext(t.Context(), exe, args...)
	cmd.Env = append(os.Environ(), driverEnv+"=postgres")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	if testing.Verbose() || err != nil {
		t.Logf("the state suite on Postgres (%s=postgres):\n%s", driverEnv, out.String())
	}
	if err != nil {
		t.Fatalf("the state suite failed on Postgres: %v", err)
	}
	if !strings.Contains(out.String(), "PASS") {
		t.Fatal("the state suite on Postgres did not report PASS")
	}
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE a = ? AND b IN (?,?)", "SELECT a FROM t WHERE a = $1 AND b IN ($2,$3)"},
		{"SELECT '?' , \"x?\" FROM t WHERE a = ?", "SELECT '?' , \"x?\" FROM t WHERE a = $1"},
		{"-- is it?\nSELECT ?", "-- is it?\nSELECT $1"},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"},
	}
	for _, tt := range tests {
		if got := rebind(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestParsePostgresURL(t *testing.T) {
	tests := []struct {
		url, schema, err string
	}{
		{url: "postgres://u@db.example/kopla", schema: DefaultSchema},
		{url: "postgresql://u@db.example/kopla?schema=shop_a&sslmode=disable", schema: "shop_a"},
		{url: "postgres://u@db.example/kopla?schema=Shop", err: `schema="Shop"`},
		{url: "postgres://u@db.example/kopla?schema=a;drop", err: "invalid semicolon"},
		{url: "postgres://u@db.example/kopla?schema=a%22b", err: "a schema name is"},
		{url: "postgres://u:secret@db.example/kopla?search_path=x", err: "schema=NAME"},
	}
	for _, tt := range tests {
		got, err := parsePostgresURL(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parsePostgresURL(%q) = %v; want an error with %q", tt.url, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("parsePostgresURL(%q) error shows the password: %v", tt.url, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsePostgresURL(%q) = %v", tt.url, err)
			continue
		}
		if got.schema != tt.schema || got.config.RuntimeParams["search_path"] != tt.schema {
			t.Errorf("parsePostgresURL(%q): schema %q, search_path %q; want %q", tt.url, got.schema, got.config.RuntimeParams["search_path"], tt.schema)
		}
	}
}

func TestMigrationsSameVersions(t *testing.T) {
	if len(pgMigrations) != len(migrations) {
		t.Fatalf("%d Postgres migrations, %d SQLite ones: every schema version needs both", len(pgMigrations), len(migrations))
	}
}

func TestLockKeysPerSchema(t *testing.T) {
	if lockKey("a", "apply") == lockKey("b", "apply") || lockKey("a", "apply") == lockKey("a", "write") {
		t.Error("lock keys of different schemas or purposes are equal")
	}
}

// containsFold reports whether s contains substr, ignoring case: SQLite
// says "FOREIGN KEY constraint failed", Postgres "violates foreign key
// constraint".
func containsFold(s, substr string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(substr))
}

// schemaVersionOf reads the schema version of s's database.
func schemaVersionOf(t testing.TB, s *Store) (v int) {
	t.Helper()
	if err := s.inTx(t.Context(), func(tx *sql.Tx) (err error) {
		v, err = s.d.readVersion(t.Context(), tx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return v
}

// setSchemaVersion sets the schema version of s's database.
func setSchemaVersion(t testing.TB, s *Store, v int) {
	t.Helper()
	if err := s.inTx(t.Context(), func(tx *sql.Tx) error { return s.d.writeVersion(t.Context(), tx, v) }); err != nil {
		t.Fatal(err)
	}
}
