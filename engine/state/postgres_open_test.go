package state

import (
	"errors"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/internal/pgtest"
)

// A read-only Postgres state reads, refuses every write, and a schema with
// no state is ErrNoState, not created.
func TestPostgresOpenReadOnly(t *testing.T) {
	if testDriver() != "postgres" {
		t.Skip("a Postgres test: it runs in the suite's Postgres pass (TestSuiteOnPostgres)")
	}
	ctx := t.Context()
	path := pgtest.SchemaURL(t, pgtest.URL(t))
	if _, err := OpenReadOnly(ctx, path); !errors.Is(err, ErrNoState) {
		t.Fatalf("OpenReadOnly of an empty schema = %v; want ErrNoState", err)
	}
	rw, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.SetCursor(ctx, "f", "c1"); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if c, err := ro.Cursor(ctx, "f"); err != nil || c != "c1" {
		t.Errorf("Cursor = %q, %v; want c1", c, err)
	}
	if err := ro.SetCursor(ctx, "f", "c2"); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("SetCursor on a read-only state = %v; want a read-only error", err)
	}
	if _, err := ro.Lock(ctx, "kopla apply"); err == nil {
		t.Error("Lock on a read-only state succeeded")
	}
	if ro.Backend() != "postgres" {
		t.Errorf("Backend = %q", ro.Backend())
	}
}

func TestPostgresUnreachable(t *testing.T) {
	_, err := Open(t.Context(), "postgres://kopla@127.0.0.1:1/kopla?connect_timeout=2&sslmode=disable")
	if err == nil || !strings.Contains(err.Error(), "cannot reach the Postgres server") {
		t.Errorf("Open of an unreachable server = %v; want it to say so", err)
	}
}
