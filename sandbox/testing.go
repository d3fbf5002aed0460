package sandbox

import (
	"context"
	"testing"
)

// NewTest starts a sandbox for a test and closes it when the test ends.
func NewTest(t testing.TB, opts Options) *Sandbox {
	t.Helper()
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("sandbox: close: %v", err)
		}
	})
	return s
}
