package main

import (
	"strings"
	"testing"
)

// TestSensitiveValues: the values of sensitive fields (the customers'
// Email and Phone) show in the human plan on a terminal and with
// -show-sensitive, never in piped output, -json or the log unless asked.
func TestSensitiveValues(t *testing.T) {
	const phone = "+1 555 0100" // only the customers flow writes it, as a sensitive field
	e := shopEnv(t)
	e.vars["KOPLA_LOG"] = "debug"

	for _, args := range [][]string{
		{"plan", "-no-color"},
		{"plan", "-json"},
		{"plan", "-no-color", "-out", "shop.plan"},
		{"show", "-no-color", "shop.plan"},
		{"show", "-json", "shop.plan"},
	} {
		r := e.run(args...)
		if strings.Contains(r.stdout, phone) {
			t.Errorf("kopla %s piped shows a sensitive value:\n%s", strings.Join(args, " "), r.stdout)
		}
		if strings.Contains(r.stderr, phone) || strings.Contains(r.stderr, "bob@example.com") {
			t.Errorf("kopla %s logs a record value:\n%s", strings.Join(args, " "), r.stderr)
		}
		if !strings.Contains(r.stdout, sensitiveValue) && !strings.Contains(r.stdout, `"sensitive":true`) {
			t.Errorf("kopla %s does not mark the sensitive values:\n%s", strings.Join(args, " "), r.stdout)
		}
	}

	for _, args := range [][]string{
		{"plan", "-no-color", "-show-sensitive"},
		{"plan", "-json", "-show-sensitive"},
		{"show", "-json", "-show-sensitive", "shop.plan"},
	} {
		r := e.run(args...)
		if !strings.Contains(r.stdout, phone) {
			t.Errorf("kopla %s does not show the sensitive value:\n%s", strings.Join(args, " "), r.stdout)
		}
		if strings.Contains(r.stderr, phone) {
			t.Errorf("kopla %s logs a sensitive value:\n%s", strings.Join(args, " "), r.stderr)
		}
	}

	e.terminal = true
	for _, args := range [][]string{{"plan", "-no-color"}, {"show", "-no-color", "shop.plan"}} {
		r := e.run(args...)
		for _, want := range []string{"+ Phone = \"" + phone + "\"", "create c2 (Email = \"bob@example.com\")"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("kopla %s on a terminal lacks %q:\n%s", strings.Join(args, " "), want, r.stdout)
			}
		}
		if strings.Contains(r.stderr, phone) {
			t.Errorf("kopla %s on a terminal logs a sensitive value:\n%s", strings.Join(args, " "), r.stderr)
		}
	}
	r := e.run("plan", "-json")
	if strings.Contains(r.stdout, phone) {
		t.Errorf("kopla plan -json on a terminal shows a sensitive value without -show-sensitive:\n%s", r.stdout)
	}
}
