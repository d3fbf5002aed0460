package serve

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestFailedRecordRetryable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rr     engine.RecordResult
		retry  bool
		status int
		code   string
	}{
		{"429", engine.RecordResult{Action: plan.Error, Err: fmt.Errorf("write: %w", &connectors.APIError{Status: 429})}, true, 429, ""},
		{"503", engine.RecordResult{Action: plan.Error, Err: &connectors.APIError{Status: 503, Code: "5000"}}, true, 503, "5000"},
		{"400 validation", engine.RecordResult{Action: plan.Error, Err: &connectors.APIError{Status: 400, Code: "VALIDATION_ERROR"}}, false, 400, "VALIDATION_ERROR"},
		{"rate limit", engine.RecordResult{Action: plan.Error, Err: &connectors.RateLimitError{Policy: "DAILY"}}, true, 429, ""},
		{"timeout", engine.RecordResult{Action: plan.Error, Err: fmt.Errorf("post: %w", timeoutErr{})}, true, 0, ""},
		{"deadline", engine.RecordResult{Action: plan.Error, Err: context.DeadlineExceeded}, true, 0, ""},
		{"blocked", engine.RecordResult{Action: plan.Blocked}, true, 0, ""},
		{"other", engine.RecordResult{Action: plan.Error, Err: errors.New("field Name: too long")}, false, 0, ""},
	} {
		f := failedRecord(&tc.rr, &plan.Change{Label: "order 1", LabelSensitive: tc.name == "other"})
		if f.Retryable != tc.retry || f.Status != tc.status || f.Code != tc.code {
			t.Errorf("%s: retryable %v status %d code %q; want %v %d %q", tc.name, f.Retryable, f.Status, f.Code, tc.retry, tc.status, tc.code)
		}
		if want := map[bool]string{true: "", false: "order 1"}[tc.name == "other"]; f.Label != want {
			t.Errorf("%s: label %q; want %q", tc.name, f.Label, want)
		}
	}
}

func TestRetryDelayAndPollBudget(t *testing.T) {
	p := RetryPolicy{Base: 30 * time.Second, Max: time.Hour}
	for attempt, want := range map[int]time.Duration{1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 9: time.Hour} {
		if got := p.delay(attempt); got != want {
			t.Errorf("delay(%d) = %v; want %v", attempt, got, want)
		}
	}
	// The defaults poll within 2 % of 600 requests a minute per endpoint:
	// one flow at most every 5 s, two every 10 s.
	po := PollOptions{}.withDefaults()
	if po.floor(1) != 5*time.Second || po.floor(2) != 10*time.Second {
		t.Errorf("poll floors %v, %v; want 5s, 10s", po.floor(1), po.floor(2))
	}
	for _, every := range []time.Duration{po.Interval, po.Active} {
		if perMinute := float64(time.Minute) / float64(max(every, po.floor(1))); perMinute > 600*0.02 {
			t.Errorf("polling every %v spends %.1f requests a minute; want at most 12", every, perMinute)
		}
	}
}

func TestEndpointLabel(t *testing.T) {
	for in, want := range map[string]string{
		"/v2/customers": "/v2/customers",
		"/v2/customers/8f2c4b7e-0000-4000-8000-000000000001": "/v2/customers",
		"/crm/v3/objects/orders/batch/read":                  "/crm/v3/objects/orders",
		"/crm/v3/objects/orders/4001":                        "/crm/v3/objects/orders",
		"/webhooks-journal/journal/2026-03/batch/read":       "/webhooks-journal/journal/2026-03/batch",
		"/": "/",
	} {
		if got := endpoint(in); got != want {
			t.Errorf("endpoint(%q) = %q; want %q", in, got, want)
		}
	}
}
