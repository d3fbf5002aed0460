package hubspot

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

func ptr(s string) *string { return &s }

func TestFromHubSpot(t *testing.T) {
	tests := []struct {
		name string
		typ  connectors.Type
		raw  *string
		want any
	}{
		{"null", connectors.TypeString, nil, nil},
		{"empty", connectors.TypeNumber, ptr(""), nil},
		{"text", connectors.TypeString, ptr("Storgatan 1"), "Storgatan 1"},
		{"number", connectors.TypeNumber, ptr("12500.50"), 12500.5},
		{"integer number", connectors.TypeNumber, ptr("3"), 3.0},
		{"bad number kept", connectors.TypeNumber, ptr("n/a"), "n/a"},
		{"bool", connectors.TypeBool, ptr("true"), true},
		{"date", connectors.TypeDate, ptr("2026-03-01"), "2026-03-01"},
		{"date as midnight datetime", connectors.TypeDate, ptr("2026-03-01T00:00:00.000Z"), "2026-03-01"},
		{"date as epoch ms", connectors.TypeDate, ptr("1772323200000"), "2026-03-01"},
		{"datetime", connectors.TypeDateTime, ptr("2026-09-09T07:01:12.350Z"), "2026-09-09T07:01:12.35Z"},
		{"datetime offset", connectors.TypeDateTime, ptr("2026-09-09T09:01:12+02:00"), "2026-09-09T07:01:12Z"},
		{"datetime epoch ms", connectors.TypeDateTime, ptr("1788912000000"), "2026-09-09T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromHubSpot(connectors.Field{Name: "f", Type: tt.typ}, tt.raw)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fromHubSpot(%v) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

func TestToHubSpot(t *testing.T) {
	enum := connectors.Field{Name: "hs_type", Type: connectors.TypeString, Options: []string{"FIXED", "PERCENT"}}
	tests := []struct {
		name    string
		field   connectors.Field
		in      any
		want    string
		wantErr string
	}{
		{"nil clears", connectors.Field{Type: connectors.TypeString}, nil, "", ""},
		{"text", connectors.Field{Type: connectors.TypeString}, "a", "a", ""},
		{"number", connectors.Field{Type: connectors.TypeNumber}, 1234567.25, "1234567.25", ""},
		{"large number no exponent", connectors.Field{Type: connectors.TypeNumber}, 1e21, "1000000000000000000000", ""},
		{"int64", connectors.Field{Type: connectors.TypeNumber}, int64(7), "7", ""},
		{"numeric string", connectors.Field{Type: connectors.TypeNumber}, " 10.5 ", "10.5", ""},
		{"thousands separator", connectors.Field{Name: "price", Type: connectors.TypeNumber}, "5,333,222", "", "price"},
		{"bool", connectors.Field{Type: connectors.TypeBool}, false, "false", ""},
		{"bool string", connectors.Field{Type: connectors.TypeBool}, "TRUE", "true", ""},
		{"date", connectors.Field{Type: connectors.TypeDate}, "2026-03-01", "2026-03-01", ""},
		{"date not midnight", connectors.Field{Name: "d", Type: connectors.TypeDate}, "2026-03-01T22:18:55Z", "", "not midnight"},
		{"datetime to epoch ms", connectors.Field{Type: connectors.TypeDateTime}, "2026-09-09T00:00:00Z", "1788912000000", ""},
		{"datetime bad", connectors.Field{Name: "closedate", Type: connectors.TypeDateTime}, "tomorrow", "", "closedate"},
		{"enum ok", enum, "FIXED", "FIXED", ""},
		{"enum unknown names options", enum, "fixed", "", "allowed options: FIXED, PERCENT"},
		{"multi checkbox", connectors.Field{Type: connectors.TypeString, Options: []string{"a", "b"}}, ";a;b", ";a;b", ""},
		{"number into text", connectors.Field{Type: connectors.TypeString}, 12.0, "12", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toHubSpot(tt.field, tt.in)
			if tt.wantErr != "" {
				var ve *ValueError
				if !errors.As(err, &ve) || !contains(err.Error(), tt.wantErr) {
					t.Fatalf("toHubSpot(%v) error = %v; want a *ValueError mentioning %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("toHubSpot(%v) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
