package schedule

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	at := time.Date(2026, 12, 8, 10, 7, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		next time.Time
		err  string
	}{
		{in: "every 5m", next: at.Add(5 * time.Minute)},
		{in: " every 1h30m ", next: at.Add(90 * time.Minute)},
		{in: "*/15 * * * *", next: time.Date(2026, 12, 8, 10, 15, 0, 0, time.UTC)},
		{in: "0 3 * * *", next: time.Date(2026, 12, 9, 3, 0, 0, 0, time.UTC)},
		{in: "@daily", next: time.Date(2026, 12, 9, 0, 0, 0, 0, time.UTC)},
		{in: "TZ=Europe/Stockholm 0 3 * * *", next: time.Date(2026, 12, 9, 2, 0, 0, 0, time.UTC)},
		{in: "every 1s", err: "shorter than 10s"},
		{in: "every five minutes", err: "is not an interval"},
		{in: "@every 5m", err: `write the interval as "every 5m"`},
		{in: "sometimes", err: "neither an interval"},
		{in: "61 * * * *", err: "neither an interval"},
	} {
		sc, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) error = %v; want one with %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if got := sc.Next(at).UTC(); !got.Equal(tc.next) {
			t.Errorf("Parse(%q).Next(%s) = %s; want %s", tc.in, at, got, tc.next)
		}
	}
}
