package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/dsl"
)

// FormatVersion is the version of the JSON a webhook receives.
const FormatVersion = 1

// Events of a message.
const (
	EventFailing   = "failing"
	EventRecovered = "recovered"
)

// maxRecords is how many failed records a message names; the rest are
// counted.
const maxRecords = 5

// Message is one notification: a rule of a notify block that began to
// fail, or recovered, for one flow. It is what a webhook receives as JSON;
// e-mail and Slack show it as text (Subject, Text).
type Message struct {
	FormatVersion int    `json:"format_version"`
	ID            string `json:"id"`
	Event         string `json:"event"`
	Notify        string `json:"notify"`
	Rule          string `json:"rule"`
	Project       string `json:"project"`
	Flow          string `json:"flow"`
	// Summary is one line saying what happened; Threshold the rule's.
	Summary   string    `json:"summary"`
	Threshold string    `json:"threshold"`
	RunID     int64     `json:"run_id,omitempty"`
	At        time.Time `json:"at"`
	// FailingSince is, in a recovery, when the rule began to fail.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Error is the run's own error, when it stopped.
	Error *Problem `json:"error,omitempty"`
	// Records are the first failed records of the run, RecordsFailed how
	// many failed in all.
	Records       []Record `json:"records,omitempty"`
	RecordsFailed int      `json:"records_failed,omitempty"`
	RecordsTotal  int      `json:"records_total,omitempty"`
	// More are the commands (and pages) that show more.
	More []string `json:"more,omitempty"`
	// DedupKey is the same for every message of one rule and flow, for
	// receivers that open and close incidents (PagerDuty's dedup_key).
	DedupKey string `json:"dedup_key"`
}

// Problem is an error as the API gave it.
type Problem struct {
	Service string `json:"service,omitempty"`
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Service != "" {
		b.WriteString(p.Service)
	}
	if p.Status != 0 {
		fmt.Fprintf(&b, " %d", p.Status)
	}
	if p.Code != "" {
		fmt.Fprintf(&b, " %s", p.Code)
	}
	s := strings.TrimSpace(b.String())
	if s == "" {
		return p.Message
	}
	return s + ": " + p.Message
}

// Record is one failed record in a message.
type Record struct {
	Label     string `json:"label,omitempty"`
	SourceKey string `json:"source_key,omitempty"`
	Key       string `json:"key,omitempty"`
	Field     string `json:"field,omitempty"`
	Problem
}

// Subject is the message's one-line title (e-mail subject, Slack's first
// line).
func (m *Message) Subject() string {
	state := "FAILING"
	if m.Event == EventRecovered {
		state = "recovered"
	}
	return fmt.Sprintf("[kopla] %s/%s %s: %s", m.Project, m.Flow, state, m.Summary)
}

// Text is the message as plain text.
func (m *Message) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Flow %s of project %s", m.Flow, m.Project)
	if m.Event == EventRecovered {
		fmt.Fprintf(&b, " recovered: %s.\n", m.Summary)
		if !m.FailingSince.IsZero() {
			fmt.Fprintf(&b, "It had been failing since %s (%s).\n", formatTime(m.FailingSince), roundDuration(m.At.Sub(m.FailingSince)))
		}
	} else {
		fmt.Fprintf(&b, ": %s.\n", m.Summary)
	}
	fmt.Fprintf(&b, "Rule %s of notify %q: %s; at %s.\n", m.Rule, m.Notify, m.Threshold, formatTime(m.At))
	if m.Error != nil {
		fmt.Fprintf(&b, "\nRun error: %s\n", m.Error)
	}
	if len(m.Records) > 0 {
		fmt.Fprintf(&b, "\nFailed records (%d of %d shown):\n", len(m.Records), max(m.RecordsFailed, len(m.Records)))
		for _, r := range m.Records {
			b.WriteString("  - " + r.name() + "\n    ")
			if r.Field != "" {
				fmt.Fprintf(&b, "field %s: ", r.Field)
			}
			b.WriteString(r.Problem.String() + "\n")
		}
		if more := m.RecordsFailed - len(m.Records); more > 0 {
			fmt.Fprintf(&b, "  and %d more.\n", more)
		}
	}
	if len(m.More) > 0 {
		b.WriteString("\nSee more:\n")
		for _, c := range m.More {
			b.WriteString("  " + c + "\n")
		}
	}
	return b.String()
}

// name is how a record is named in text: its label and keys.
func (r Record) name() string {
	var keys []string
	if r.SourceKey != "" {
		keys = append(keys, "source "+r.SourceKey)
	}
	if r.Key != "" && r.Key != r.SourceKey {
		keys = append(keys, "key "+r.Key)
	}
	k := strings.Join(keys, ", ")
	switch {
	case r.Label != "" && k != "":
		return r.Label + " (" + k + ")"
	case r.Label != "":
		return r.Label
	case k != "":
		return k
	}
	return "(a record without key)"
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// roundDuration shows a duration to the second, or the minute past an hour.
func roundDuration(d time.Duration) string {
	if d >= time.Hour {
		return d.Round(time.Minute).String()
	}
	return d.Round(time.Second).String()
}

func messageID(k key, at time.Time, event string) string {
	sum := sha256.Sum256([]byte(k.notify + "\x00" + k.rule + "\x00" + k.flow + "\x00" + event + "\x00" + strconv.FormatInt(at.UnixNano(), 10)))
	return hex.EncodeToString(sum[:12])
}

func dedupKey(project string, k key) string {
	return "kopla/" + project + "/" + k.flow + "/" + k.notify + "/" + k.rule
}

// threshold describes a rule's threshold for people.
func threshold(r dsl.NotifyRule) string {
	switch r.Kind {
	case dsl.RuleRunFailed:
		return "any run that stops with an error"
	case dsl.RuleRecordsFailed:
		if r.Share > 0 {
			return "at least " + strconv.FormatFloat(r.Share*100, 'f', -1, 64) + "% of a run's records failed"
		}
		if r.Count == 1 {
			return "at least 1 failed record in a run"
		}
		return fmt.Sprintf("at least %d failed records in a run", r.Count)
	case dsl.RuleConsecutiveFailures:
		return fmt.Sprintf("%d failed runs in a row", r.Count)
	case dsl.RuleNoSuccess:
		return "no successful run within " + r.Within.String()
	case dsl.RulePickupLag:
		return "changes picked up more than " + r.Within.String() + " after they were made"
	}
	return r.Kind
}

// scrubber removes from text what a message must never hold: the secrets
// kopla knows (the channels' own, and those of Options.Secrets), bearer
// tokens, and e-mail addresses (personal data that an API's message may
// quote).
type scrubber struct {
	secrets []string
}

var (
	emailPattern  = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	bearerPattern = regexp.MustCompile(`(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*`)
	assignPattern = regexp.MustCompile(`(?i)\b((?:access_|refresh_)?token|api_?key|password|(?:client_)?secret)(\s*[=:]\s*)[^\s&"',;]+`)
)

// maxText bounds a message or error quoted in a notification.
const maxText = 500

func (s *scrubber) clean(text string) string {
	text = s.secretsOnly(text)
	text = bearerPattern.ReplaceAllString(text, "${1}(sensitive value)")
	text = assignPattern.ReplaceAllString(text, "${1}${2}(sensitive value)")
	text = emailPattern.ReplaceAllString(text, "(e-mail address)")
	if len(text) > maxText {
		cut := maxText
		for cut > 0 && !isRuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return text
}

// secretsOnly removes the known secrets from text the user configured (a
// record's label), which may hold personal data by design.
func (s *scrubber) secretsOnly(text string) string {
	for _, sec := range s.secrets {
		text = strings.ReplaceAll(text, sec, "(sensitive value)")
	}
	return text
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func (s *scrubber) add(secret string) {
	// Very short values would scrub ordinary words.
	if len(secret) >= 4 {
		s.secrets = append(s.secrets, secret)
	}
}
