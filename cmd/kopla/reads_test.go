package main

import (
	"strings"
	"testing"
)

// TestPlanReads: the plan says how each flow read its source; -full reads
// in full, and -incremental is accepted with a warning that it changes
// nothing.
func TestPlanReads(t *testing.T) {
	e := exampleEnv(t, "people")
	r := e.expect(exitOK, "plan", "-no-color")
	if !strings.Contains(r.stdout, "Reads:\n  people  full: first run") {
		t.Errorf("first plan:\n%s", r.stdout)
	}
	e.expect(exitOK, "apply", "-auto-approve")
	r = e.expect(exitOK, "plan", "-full", "-no-color")
	if !strings.Contains(r.stdout, "  people  full: -full") {
		t.Errorf("plan -full:\n%s", r.stdout)
	}
	r = e.expect(exitOK, "plan", "-incremental", "-no-color")
	if out := r.stdout + r.stderr; !strings.Contains(out, "Deprecated flag") || !strings.Contains(out, "-incremental is deprecated and ignored") ||
		!strings.Contains(r.stdout, "  people  full: the source is read only in full") {
		t.Errorf("plan -incremental:\n%s", out)
	}
	r = e.expect(exitError, "apply", "-full", "saved.plan")
	if !strings.Contains(r.stderr, "-full") {
		t.Errorf("apply -full FILE: %s", r.stderr)
	}
}
