package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// activityActions are the actions of activity entries, for -action.
var activityActions = []string{"create", "update", "no_op", "skip", "error", "blocked", "unreadable"}

// logFilterArgs are the filters of kopla log beyond -flow and -run.
type logFilterArgs struct {
	action string
	since  string
	key    string
}

func (a *logFilterArgs) flags(f *flagSet) {
	f.fs.StringVar(&a.action, "action", "", "Show only the entries of action `ACTION`: "+strings.Join(activityActions, ", ")+".")
	f.fs.StringVar(&a.since, "since", "", "Show only the entries since `WHEN`: a duration back from now (90m, 24h, 7d) or a date or time (2026-03-01, 2026-03-01T09:00:00Z).")
	f.fs.StringVar(&a.key, "key", "", "Show only the entries of the records known by `VALUE` in any flow: a source or target id, the target's number, an e-mail address, an order reference.")
}

func (a *logFilterArgs) check(f *flagSet) error {
	if a.action != "" && !slices.Contains(activityActions, a.action) {
		msg := fmt.Sprintf("-action %q is not an action; use one of %s", a.action, strings.Join(activityActions, ", "))
		if s := connectors.Suggest(a.action, activityActions); s != "" {
			msg = fmt.Sprintf("-action %q is not an action; did you mean %q?", a.action, s)
		}
		return usagef(f.cmd, "%s", msg)
	}
	if a.since != "" {
		if _, err := parseSince(time.Now(), a.since); err != nil {
			return usagef(f.cmd, "-since: %s", err)
		}
	}
	if f.fs.Changed("key") && strings.TrimSpace(a.key) == "" {
		return usagef(f.cmd, "-key needs a value")
	}
	return nil
}

// parseSince reads -since: a duration back from now (Go's units, and d for
// days) or a date or time in RFC 3339 (a date is midnight UTC).
func parseSince(now time.Time, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a duration (90m, 24h, 7d) nor a date or time (2026-03-01, 2026-03-01T09:00:00Z)", s)
}

type traceArgs struct {
	globalArgs
	key  string
	n    int
	json bool
}

func parseTrace(args []string) (*traceArgs, *flagSet, error) {
	a := &traceArgs{}
	f := newFlagSet("trace")
	f.fs.IntVar(&a.n, "n", 0, "Show the last `N` entries of the timeline (0 for all).")
	f.fs.BoolVar(&a.json, "json", false, "Print the records and the timeline as JSON lines, with what was read, sent and answered.")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	switch {
	case err != nil:
	case len(rest) != 1 || strings.TrimSpace(rest[0]) == "":
		err = usagef(f.cmd, "trace takes one argument, a VALUE the record is known by (an id, a number, an e-mail address, an order reference)")
	case a.n < 0:
		err = usagef(f.cmd, "-n must be 0 or more")
	default:
		a.key = rest[0]
	}
	return a, f, err
}

type forgetArgs struct {
	globalArgs
	key         string
	autoApprove bool
}

func parseForget(args []string) (*forgetArgs, *flagSet, error) {
	a := &forgetArgs{}
	f := newFlagSet("forget")
	f.fs.BoolVar(&a.autoApprove, "auto-approve", false, "Erase without asking for approval.")
	f.globals(&a.globalArgs)
	rest, err := f.parse(args)
	switch {
	case err != nil:
	case len(rest) != 1 || strings.TrimSpace(rest[0]) == "":
		err = usagef(f.cmd, "forget takes one argument, the VALUE the person is known by (an e-mail address, an id)")
	default:
		a.key = rest[0]
	}
	return a, f, err
}
