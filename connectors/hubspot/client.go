package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/rest"
)

// options are the knobs of a connection that tests scale down. New uses
// defaultOptions.
type options struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	maxAttempts int           // per request, counting the first
	retryBase   time.Duration // first backoff after a 5xx or timeout
	retryMax    time.Duration // longest backoff
	secondly    time.Duration // backoff step after a SECONDLY 429

	// Client-side budgets before HubSpot's headers tell the real ones.
	burstMax       int // 0: by app type (private 100, OAuth 110)
	burstInterval  time.Duration
	searchMax      int // searches per searchInterval, per account
	searchInterval time.Duration
	assocMax       int // association batches per assocInterval; 0: by the account's tier
	assocInterval  time.Duration

	pageSize      int // list page size (HubSpot max 100)
	searchLimit   int // search page size (HubSpot max 200)
	batchSize     int // batch read/create/update inputs (HubSpot max 100)
	inValues      int // values per IN filter
	timeout       time.Duration
	indexLag      time.Duration // how long search may lag behind a write
	authURL       string        // OAuth authorize page; "" derives it from base_url
	maxQueryChars int           // longest properties= list of a GET
	writeParallel int           // batches of one Write in flight at once
}

func defaultOptions() options {
	return options{
		now:            time.Now,
		sleep:          rest.SleepContext,
		maxAttempts:    5,
		retryBase:      500 * time.Millisecond,
		retryMax:       30 * time.Second,
		secondly:       time.Second,
		burstInterval:  10 * time.Second,
		searchMax:      5, // the documented 5 per second per account
		searchInterval: time.Second,
		assocInterval:  10 * time.Second,
		pageSize:       100,
		searchLimit:    200,
		batchSize:      100,
		inValues:       100,
		timeout:        60 * time.Second,
		indexLag:       3 * time.Second,
		maxQueryChars:  6000,
		writeParallel:  4,
	}
}

// authenticator supplies the bearer token of requests.
type authenticator interface {
	// token returns the access token to send.
	token(ctx context.Context) (string, error)
	// refresh replaces the token stale after a 401; false means the
	// credential cannot be refreshed (a static token).
	refresh(ctx context.Context, stale string) (bool, error)
}

type staticToken string

func (t staticToken) token(context.Context) (string, error) {
	if t == "" {
		return "", &connectors.APIError{Service: service, Status: http.StatusUnauthorized, Code: "NO_TOKEN",
			Message: "the connection has neither a token nor an oauth block", Kind: connectors.ErrAuth}
	}
	return string(t), nil
}
func (staticToken) refresh(context.Context, string) (bool, error) { return false, nil }

// Client talks to the HubSpot API: it builds requests relative to BaseURL
// and sends them through the shared REST core (connectors/rest), which
// authenticates them, paces them to HubSpot's budgets (burst, search,
// associations, daily), retries what can be retried and decodes errors with
// classify. Its shape follows go-github.
type Client struct {
	BaseURL *url.URL

	http   *http.Client
	logger *slog.Logger
	opts   options
	core   *rest.Client
	oauth  bool // OAuth tokens: a public app's burst, no daily headers
}

// Budget names of HubSpot's limits.
const (
	budgetBurst  = "burst"        // X-HubSpot-RateLimit-Max per -Interval-Milliseconds
	budgetSearch = "search"       // CRM search, per account
	budgetAssoc  = "associations" // association batch endpoints, exempt from the burst
	budgetDaily  = "daily"        // X-HubSpot-RateLimit-Daily, private apps only
)

func newClient(base *url.URL, hc *http.Client, auth authenticator, logger *slog.Logger, opts options) *Client {
	c := &Client{BaseURL: base, http: hc, logger: logger, opts: opts}
	if _, ok := auth.(*tokenSource); ok {
		c.oauth = true
	}
	c.core = rest.New(hc, authAdapter{auth}, rest.Service{
		Name:     service,
		Classify: c.classify,
		Budgets:  c.budgets,
		Observe:  c.observe,
	}, logger)
	c.core.Retry = rest.Retry{MaxAttempts: opts.maxAttempts, Base: opts.retryBase, Max: opts.retryMax}
	c.core.Now, c.core.Sleep = opts.now, opts.sleep
	return c
}

// authAdapter gives an authenticator the core's method names.
type authAdapter struct{ a authenticator }

func (a authAdapter) Token(ctx context.Context) (string, error) { return a.a.token(ctx) }
func (a authAdapter) Refresh(ctx context.Context, stale string) (bool, error) {
	return a.a.refresh(ctx, stale)
}

// Budgets reports HubSpot's budgets as the client paces to them.
func (c *Client) Budgets() []connectors.Budget { return c.core.Budgets() }

func (c *Client) burst() *rest.Limiter {
	return c.core.Budget(budgetBurst, func() *rest.Limiter {
		n := c.opts.burstMax
		if n <= 0 {
			n = 100 // the lowest published private-app burst
			if c.oauth {
				n = 110 // a public app, per installing account
			}
		}
		return rest.NewLimiter(budgetBurst, n, c.opts.burstInterval)
	})
}

func (c *Client) daily() *rest.Limiter {
	return c.core.Budget(budgetDaily, func() *rest.Limiter {
		return rest.NewQuota(budgetDaily, "DAILY", 625000, 24*time.Hour)
	})
}

// isAssocBatch reports whether a path is an association batch endpoint:
// exempt from the burst window (the specs' x-hubspot-rate-limit-exemptions)
// and limited apart.
func isAssocBatch(path string) bool {
	return strings.Contains(path, "/associations/") && strings.Contains(path, "/batch/")
}

func isSearch(path string) bool { return strings.HasSuffix(path, "/search") }

// budgets picks the budgets a request draws on.
func (c *Client) budgets(_ *rest.Client, req *http.Request) []*rest.Limiter {
	var l *rest.Limiter
	switch p := req.URL.Path; {
	case isSearch(p):
		l = c.core.Budget(budgetSearch, func() *rest.Limiter {
			return rest.NewLimiter(budgetSearch, c.opts.searchMax, c.opts.searchInterval)
		})
	case isAssocBatch(p):
		l = c.core.Budget(budgetAssoc, func() *rest.Limiter {
			n := c.opts.assocMax
			if n <= 0 {
				// The association API's lowest published burst
				// (Free/Starter) until the burst headers tell the tier.
				n = 100
				if b, _ := c.burst().Limit(); assocBurst(b) > 0 {
					n = assocBurst(b)
				}
			}
			return rest.NewLimiter(budgetAssoc, n, c.opts.assocInterval)
		})
	default:
		l = c.burst()
	}
	if c.oauth {
		return []*rest.Limiter{l} // OAuth requests have no daily quota
	}
	return []*rest.Limiter{l, c.daily()}
}

// observe adopts the limits an answer announces: the burst window's size
// and what is left of it, and the daily quota.
func (c *Client) observe(_ *rest.Client, req *http.Request, resp *http.Response, _ []byte, sent time.Time) {
	h := resp.Header
	if v := h.Get("X-HubSpot-RateLimit-Daily-Remaining"); v != "" && !c.oauth {
		if rem, err := strconv.Atoi(v); err == nil {
			limit, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Daily"))
			if err != nil {
				limit, _ = c.daily().Limit()
			}
			// The quota resets at midnight in the account's time zone,
			// which the API does not tell: assume UTC.
			y, m, d := c.opts.now().UTC().Date()
			c.daily().SetQuota(limit, limit-rem, time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC))
		}
	}
	if p := req.URL.Path; isSearch(p) || isAssocBatch(p) {
		return // their answers carry the burst window's headers, not theirs
	}
	maxReq, err1 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Max"))
	ms, err2 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds"))
	if err1 != nil || err2 != nil || maxReq <= 0 || ms <= 0 {
		return
	}
	b := c.burst()
	b.SetLimit(maxReq, time.Duration(ms)*time.Millisecond)
	if n := assocBurst(maxReq); n > 0 && c.opts.assocMax <= 0 {
		// The association API's burst follows the account's tier, which
		// the general burst tells (budgets sizes a new one the same way).
		if l := c.core.Lookup(budgetAssoc); l != nil {
			l.SetLimit(n, c.opts.assocInterval)
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return // the 429 pauses the window instead
	}
	if rem, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Remaining")); err == nil {
		b.Sync(rem, sent)
	}
}

// assocBurst is the association API's burst per 10 s of a tier, known by
// its general burst (hubspot-api.md §8.1, §11.1): 100 Free/Starter and
// public apps, 150 Professional/Enterprise (190), 200 with the limit
// increase (250). 0: unknown.
func assocBurst(burst int) int {
	switch {
	case burst >= 250:
		return 200
	case burst >= 190:
		return 150
	case burst >= 100:
		return 100
	}
	return 0
}

// classify tells the core what a HubSpot answer means.
func (c *Client) classify(resp *http.Response, body []byte, attempt int) rest.Verdict {
	code := resp.StatusCode
	if code >= 200 && code < 300 { // a 207 too: the caller reads its errors
		return rest.Verdict{Class: rest.Success}
	}
	apiErr := apiError(code, body, resp.Header)
	switch {
	case code == http.StatusUnauthorized:
		return rest.Verdict{Class: rest.AuthExpired, Err: apiErr}
	case code == http.StatusTooManyRequests:
		policy := policyOf(body)
		v := rest.Verdict{Class: rest.RateLimited, Err: apiErr, Policy: policy}
		switch policy {
		case "DAILY":
			v.Final, v.Err = true, dailyLimitError(c.opts.now(), apiErr)
		case "TEN_SECONDLY_ROLLING":
			v.Wait = c.window(resp.Header)
			// The window is shared: hold back every request of the
			// connection, not only this one.
			v.Pause = !isSearch(resp.Request.URL.Path)
		default: // SECONDLY (search) and unknown policies: back off
			v.Wait = rest.Jitter(c.opts.secondly * time.Duration(attempt))
		}
		return v
	case retryableStatus(code):
		v := rest.Verdict{Class: rest.Retryable, Err: apiErr}
		if code == http.StatusLocked {
			v.Wait = lockWait // HubSpot's locks last 2 s
		}
		return v
	}
	return rest.Verdict{Class: rest.Permanent, Err: apiErr}
}

// window is how long to wait for the burst window to free up.
func (c *Client) window(h http.Header) time.Duration {
	if ms, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds")); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	_, per := c.burst().Limit()
	return per
}

// noReplay marks requests that must not be sent twice after an answer was
// lost (creates): Do returns the failure instead, and the caller reconciles.
func noReplay(ctx context.Context) context.Context { return rest.NoReplay(ctx) }

// NewRequest builds a request for path (relative to BaseURL) with query
// parameters and a JSON body (nil for none).
func (c *Client) NewRequest(ctx context.Context, method, path string, query url.Values, body any) (*http.Request, error) {
	u := c.BaseURL.JoinPath(path)
	if len(query) > 0 {
		u.RawQuery = query.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("hubspot: encode %s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("hubspot: %s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// lostAnswerError is a request that may have been carried out although its
// answer never came (timeout, dropped connection, 5xx on a create).
type lostAnswerError struct{ err error }

func (e *lostAnswerError) Error() string { return "answer lost: " + e.err.Error() }
func (e *lostAnswerError) Unwrap() error { return e.err }

// Do sends req, retrying what HubSpot asks to retry, and decodes a 2xx JSON
// answer into v (when not nil). Error answers come back as
// *connectors.APIError, limits that cannot be waited out as
// *connectors.RateLimitError. A 207 is a success: the caller reads its errors.
func (c *Client) Do(req *http.Request, v any) (*http.Response, error) {
	resp, err := c.core.Do(req, v)
	var lost *rest.LostError
	if errors.As(err, &lost) {
		return resp, &lostAnswerError{lost.Err}
	}
	return resp, err
}

// dailyLimitError stops on the daily quota. The quota resets at midnight in
// the account's time zone, which the API does not tell: assume UTC.
func dailyLimitError(now time.Time, apiErr *connectors.APIError) error {
	y, m, d := now.UTC().Date()
	e := &connectors.RateLimitError{Service: service, Policy: "DAILY", Reset: time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)}
	if apiErr != nil {
		e.Err = apiErr
	}
	return e
}

func policyOf(body []byte) string {
	var eb errorBody
	_ = json.Unmarshal(body, &eb)
	if eb.PolicyName != "" {
		return eb.PolicyName
	}
	msg := strings.ToLower(eb.Message)
	switch {
	case strings.Contains(msg, "daily"):
		return "DAILY"
	case strings.Contains(msg, "ten_secondly"):
		return "TEN_SECONDLY_ROLLING"
	case strings.Contains(msg, "secondly"):
		return "SECONDLY"
	}
	return "UNKNOWN"
}

// lockWait is how long a 423 Locked answer asks to wait at least.
const lockWait = 2 * time.Second

func retryableStatus(code int) bool {
	switch code {
	case 423, 477, 500, 502, 503, 504, 521, 523, 524:
		return true
	}
	return false
}

// backoff is the jittered exponential wait before attempt+1.
func (c *Client) backoff(attempt int) time.Duration { return c.core.Backoff(attempt) }

// Budgets reports the connection's rate budgets (connectors.Budgeted).
func (c *Connector) Budgets() []connectors.Budget { return c.client.Budgets() }

var _ connectors.Budgeted = (*Connector)(nil)
