package main

import (
	"strings"
	"testing"
)

// TestShow: kopla show prints a saved plan as kopla plan printed it, in
// both forms, sensitive values hidden alike, with -only and -show-skipped.
func TestShow(t *testing.T) {
	e := shopEnv(t)
	planned := e.expect(exitError, "plan", "-no-color", "-out", "shop.plan")
	shown := e.expect(exitOK, "show", "-no-color", "shop.plan")
	golden(t, "shop_show", shown.stdout)
	body, _, _ := strings.Cut(planned.stdout, "\nSaved the plan to:")
	if got := strings.TrimPrefix(shown.stdout, shown.stdout[:strings.Index(shown.stdout, "\n\n")+2]); got != body {
		t.Errorf("kopla show differs from the plan it saved:\nplan:\n%s\nshow:\n%s", body, got)
	}
	if !strings.Contains(shown.stdout, "Email = (sensitive value)") {
		t.Errorf("kopla show does not hide the sensitive values:\n%s", shown.stdout)
	}

	planJSON := e.expect(exitError, "plan", "-json")
	showJSON := e.expect(exitOK, "show", "-json", "shop.plan")
	if a, b := withoutTimestamps(t, planJSON.stdout), withoutTimestamps(t, showJSON.stdout); a != b {
		t.Errorf("kopla show -json differs from kopla plan -json:\nplan:\n%s\nshow:\n%s", a, b)
	}

	only := e.expect(exitOK, "show", "-no-color", "-only", "skip", "-show-skipped", "shop.plan")
	for _, want := range []string{"- skip c3: filtered out by where", "- skip c1 (Email = \"ada@example.com\", target a1)"} {
		if !strings.Contains(only.stdout, want) {
			t.Errorf("kopla show -only skip -show-skipped lacks %q:\n%s", want, only.stdout)
		}
	}
	if strings.Contains(only.stdout, "+ create") {
		t.Errorf("kopla show -only skip lists creates:\n%s", only.stdout)
	}

	r := e.expect(exitError, "show", "missing.plan")
	if !strings.Contains(r.stdout, "Cannot read the plan") {
		t.Errorf("kopla show of a missing file printed:\n%s", r.stdout)
	}
	e.expect(exitError, "show")
}

// withoutTimestamps is JSON lines with their @timestamp left out.
func withoutTimestamps(t *testing.T, out string) string {
	t.Helper()
	var b strings.Builder
	for _, m := range jsonLines(t, out) {
		delete(m, "@timestamp")
		b.WriteString(formatValue(m) + "\n")
	}
	return b.String()
}
