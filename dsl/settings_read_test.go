package dsl

import (
	"strings"
	"testing"
	"time"
)

// TestReadSettings: read_overlap and full_read_every of the kopla block,
// their defaults, and a bad duration named at its attribute.
func TestReadSettings(t *testing.T) {
	tests := []struct {
		name          string
		body          string
		overlap, full time.Duration
		err           string
	}{
		{"defaults", ``, DefaultReadOverlap, DefaultFullReadEvery, ""},
		{"set", `read_overlap = "10m"
  full_read_every = "6h"`, 10 * time.Minute, 6 * time.Hour, ""},
		{"never in full", `full_read_every = "0"`, DefaultReadOverlap, 0, ""},
		{"bad", `full_read_every = "daily"`, DefaultReadOverlap, DefaultFullReadEvery, `full_read_every must be a duration such as "24h"`},
		{"negative", `read_overlap = "-5m"`, DefaultReadOverlap, DefaultFullReadEvery, `read_overlap must be a duration such as "5m", not "-5m"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := project(t, map[string]string{"main.hcl": "kopla {\n  " + tt.body + "\n}\n"})
			cfg, diags := Load(dir, Options{LookupEnv: noEnv})
			if tt.err != "" {
				if !diags.HasErrors() || !strings.Contains(diags.Error(), tt.err) {
					t.Fatalf("diagnostics %v; want one saying %q", diags, tt.err)
				}
				if d := diags[0]; d.Subject == nil || d.Subject.Start.Line != 2 {
					t.Errorf("diagnostic at %v; want line 2", d.Subject)
				}
				return
			}
			if len(diags) > 0 {
				t.Fatal(diags)
			}
			if s := cfg.Settings; s.ReadOverlap != tt.overlap || s.FullReadEvery != tt.full {
				t.Errorf("read_overlap %s, full_read_every %s; want %s, %s", s.ReadOverlap, s.FullReadEvery, tt.overlap, tt.full)
			}
		})
	}
}
