// Package schedule parses the schedules of flows and projects: an
// interval ("every 5m") or a cron expression ("*/15 * * * *", "@daily").
package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule tells when the next run is due after a time.
type Schedule interface {
	Next(time.Time) time.Time
}

// Every is an interval schedule, counted from the last run.
type Every time.Duration

// Next is t plus the interval.
func (e Every) Next(t time.Time) time.Time { return t.Add(time.Duration(e)) }

// MinInterval is the shortest interval accepted: shorter would only queue
// runs behind runs.
const MinInterval = 10 * time.Second

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse reads a schedule: "every DURATION" (a Go duration of at least 10
// s: "every 5m", "every 1h30m") or a five-field cron expression in UTC
// ("0 3 * * *"), a descriptor ("@hourly", "@daily") or "TZ=Europe/Stockholm"
// before the expression for another time zone. The error says what is
// wrong and shows the forms accepted.
func Parse(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("%q is not an interval: write a duration such as \"every 5m\" or \"every 1h\"", s)
		}
		if d < MinInterval {
			return nil, fmt.Errorf("%q is shorter than %s, the shortest interval", s, MinInterval)
		}
		return Every(d), nil
	}
	if strings.HasPrefix(s, "@every") {
		return nil, fmt.Errorf("%q: write the interval as \"every 5m\"", s)
	}
	spec := s
	if !strings.HasPrefix(spec, "TZ=") && !strings.HasPrefix(spec, "CRON_TZ=") {
		spec = "TZ=UTC " + spec
	}
	sc, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%q is neither an interval (\"every 5m\") nor a cron expression (\"*/15 * * * *\", \"0 3 * * *\", \"@daily\"): %s", s, err)
	}
	return sc, nil
}
