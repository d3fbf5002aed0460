package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/kopla-dev/kopla/connectors"
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

	// Client-side limits before HubSpot's headers tell the real ones.
	burstMax      int
	burstInterval time.Duration
	searchRate    rate.Limit
	searchBurst   int

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
		now:           time.Now,
		sleep:         sleepCtx,
		maxAttempts:   5,
		retryBase:     500 * time.Millisecond,
		retryMax:      30 * time.Second,
		secondly:      time.Second,
		burstMax:      100, // the lowest published private-app burst
		burstInterval: 10 * time.Second,
		searchRate:    4, // below the documented 5/s, shared by the account
		searchBurst:   1,
		pageSize:      100,
		searchLimit:   200,
		batchSize:     100,
		inValues:      100,
		timeout:       60 * time.Second,
		indexLag:      3 * time.Second,
		maxQueryChars: 6000,
		writeParallel: 4,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
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

// Client talks to the HubSpot API: it builds requests relative to BaseURL,
// authenticates them, keeps to the rate limits, retries what can be retried
// and decodes errors. Its shape follows go-github.
type Client struct {
	BaseURL *url.URL

	http   *http.Client
	auth   authenticator
	logger *slog.Logger
	opts   options

	burst  *adaptiveLimiter
	search *rate.Limiter
}

func newClient(base *url.URL, hc *http.Client, auth authenticator, logger *slog.Logger, opts options) *Client {
	return &Client{
		BaseURL: base,
		http:    hc,
		auth:    auth,
		logger:  logger,
		opts:    opts,
		burst:   newAdaptiveLimiter(opts.burstMax, opts.burstInterval),
		search:  rate.NewLimiter(opts.searchRate, opts.searchBurst),
	}
}

type ctxKey int

const noReplayKey ctxKey = iota

// noReplay marks requests that must not be sent twice after an answer was
// lost (creates): Do returns the failure instead, and the caller reconciles.
func noReplay(ctx context.Context) context.Context { return context.WithValue(ctx, noReplayKey, true) }

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
	ctx := req.Context()
	replay := ctx.Value(noReplayKey) == nil
	isSearch := strings.HasSuffix(req.URL.Path, "/search")
	refreshed := false
	var lastErr error
	for attempt := 1; ; attempt++ {
		if err := c.wait(ctx, isSearch); err != nil {
			return nil, err
		}
		resp, body, usedTok, err := c.roundTrip(req, attempt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("hubspot: %s %s: %w", req.Method, req.URL.Path, ctx.Err())
			}
			var ae *connectors.APIError
			if errors.As(err, &ae) { // from the authenticator
				return nil, err
			}
			lastErr = fmt.Errorf("hubspot: %s %s: %w", req.Method, req.URL.Path, err)
			if !replay {
				return nil, &lostAnswerError{lastErr}
			}
			if attempt >= c.opts.maxAttempts {
				return nil, lastErr
			}
			if err := c.opts.sleep(ctx, c.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		c.burst.adopt(resp.Header, c.opts.now())
		var apiErr *connectors.APIError
		if err := checkResponse(resp); err == nil {
			if v != nil && len(body) > 0 {
				if err := json.Unmarshal(body, v); err != nil {
					return resp, fmt.Errorf("hubspot: decode %s %s answer: %w", req.Method, req.URL.Path, err)
				}
			}
			return resp, nil
		} else if !errors.As(err, &apiErr) {
			return resp, err
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && !refreshed:
			refreshed = true
			ok, err := c.auth.refresh(ctx, usedTok)
			if err != nil {
				return resp, err
			}
			if ok {
				continue
			}
			return resp, apiErr
		case resp.StatusCode == http.StatusTooManyRequests:
			wait, rlErr := c.rateLimitWait(ctx, resp, body, apiErr, attempt)
			if rlErr != nil {
				return resp, rlErr
			}
			if attempt >= c.opts.maxAttempts {
				return resp, &connectors.RateLimitError{Service: service, Policy: policyOf(body), Err: apiErr}
			}
			if !isSearch && policyOf(body) == "TEN_SECONDLY_ROLLING" {
				// The window is shared: hold back every request of the
				// connection, not only this one; c.wait sleeps it out.
				c.burst.pause(c.opts.now().Add(wait))
				continue
			}
			if err := c.opts.sleep(ctx, wait); err != nil {
				return resp, err
			}
		case retryableStatus(resp.StatusCode):
			if !replay && resp.StatusCode >= 500 {
				return resp, &lostAnswerError{apiErr}
			}
			if attempt >= c.opts.maxAttempts {
				return resp, apiErr
			}
			wait := c.backoff(attempt)
			if resp.StatusCode == http.StatusLocked {
				wait = max(wait, lockWait) // HubSpot's locks last 2 s
			}
			if ra, ok := retryAfter(resp.Header, c.opts.now()); ok {
				wait = ra
			}
			if err := c.opts.sleep(ctx, wait); err != nil {
				return resp, err
			}
		default:
			return resp, apiErr
		}
	}
}

// checkResponse returns nil for a 2xx answer and the decoded
// *connectors.APIError otherwise. It reads the body and puts it back, so the
// caller can still read it.
func checkResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return fmt.Errorf("hubspot: read %d answer: %w", r.StatusCode, err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return apiError(r.StatusCode, body, r.Header)
}

// roundTrip sends one attempt and reads the whole answer.
func (c *Client) roundTrip(req *http.Request, attempt int) (*http.Response, []byte, string, error) {
	ctx := req.Context()
	tok, err := c.auth.token(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	r := req.Clone(ctx)
	if req.GetBody != nil {
		if r.Body, err = req.GetBody(); err != nil {
			return nil, nil, "", err
		}
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	start := c.opts.now()
	resp, err := c.http.Do(r)
	if err != nil {
		c.logger.DebugContext(ctx, "http round trip", "http.method", req.Method, "http.path", req.URL.Path,
			"attempt", attempt, "error", err.Error())
		return nil, nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	c.logger.DebugContext(ctx, "http round trip", "http.method", req.Method, "http.path", req.URL.Path,
		"http.status", resp.StatusCode, "attempt", attempt, "duration", c.opts.now().Sub(start))
	if err != nil {
		return nil, nil, "", err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, body, tok, nil
}

func (c *Client) wait(ctx context.Context, isSearch bool) error {
	if now := c.opts.now(); c.burst.dailyExhausted(now) {
		// The last answer said the quota is used up: the next request
		// would only be refused.
		return dailyLimitError(now, nil)
	}
	var err error
	if isSearch {
		err = c.search.Wait(ctx)
	} else {
		if d := c.burst.pausedFor(c.opts.now()); d > 0 {
			if err := c.opts.sleep(ctx, d); err != nil {
				return err
			}
		}
		err = c.burst.wait(ctx)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Wait refuses when the deadline comes before the next token.
		return &connectors.RateLimitError{Service: service, Policy: "CLIENT", Err: err}
	}
	return nil
}

// rateLimitWait decides what to do about a 429: how long to wait, or the
// error that stops (daily quota, or a wait beyond the deadline).
func (c *Client) rateLimitWait(ctx context.Context, resp *http.Response, body []byte, apiErr *connectors.APIError, attempt int) (time.Duration, error) {
	now := c.opts.now()
	policy := policyOf(body)
	if policy == "DAILY" {
		return 0, dailyLimitError(now, apiErr)
	}
	var wait time.Duration
	if ra, ok := retryAfter(resp.Header, now); ok {
		wait = ra
	} else if policy == "TEN_SECONDLY_ROLLING" {
		wait = c.burst.window(resp.Header)
	} else { // SECONDLY (search) and unknown policies: back off
		wait = jitter(c.opts.secondly * time.Duration(attempt))
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
		return 0, &connectors.RateLimitError{Service: service, Policy: policy, Reset: now.Add(wait), Err: apiErr}
	}
	return wait, nil
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
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opts.retryBase << (attempt - 1)
	if d <= 0 || d > c.opts.retryMax {
		d = c.opts.retryMax
	}
	return jitter(d)
}

// jitter returns a duration between d/2 and d.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// adaptiveLimiter is the client-side bucket of the burst limit, sized from
// X-HubSpot-RateLimit-Max and -Interval-Milliseconds once HubSpot sends them.
type adaptiveLimiter struct {
	lim *rate.Limiter

	mu       sync.Mutex
	max      int
	interval time.Duration
	until    time.Time // no request before this (after a TEN_SECONDLY_ROLLING 429)
	dailyOut string    // the UTC day whose daily quota an answer said is used up
}

// dailyExhausted reports whether the daily quota is known to be used up on
// now's UTC day.
func (l *adaptiveLimiter) dailyExhausted(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dailyOut != "" && l.dailyOut == now.UTC().Format(time.DateOnly)
}

// pause holds back requests until t.
func (l *adaptiveLimiter) pause(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.until) {
		l.until = t
	}
}

// pausedFor is how long a request must still wait after a pause.
func (l *adaptiveLimiter) pausedFor(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until.Sub(now)
}

func newAdaptiveLimiter(maxReq int, interval time.Duration) *adaptiveLimiter {
	l := &adaptiveLimiter{}
	r, b := bucketFor(maxReq, interval)
	l.lim = rate.NewLimiter(r, b)
	l.max, l.interval = maxReq, interval
	return l
}

// bucketFor sizes a token bucket that never exceeds maxReq requests in any
// rolling window of interval: burst b plus rate r times interval stays at
// maxReq.
func bucketFor(maxReq int, interval time.Duration) (rate.Limit, int) {
	b := max(1, maxReq/10)
	r := rate.Limit(float64(max(maxReq-b, 1)) / interval.Seconds())
	return r, b
}

func (l *adaptiveLimiter) wait(ctx context.Context) error { return l.lim.Wait(ctx) }

// adopt resizes the bucket to the limits an answer announces.
func (l *adaptiveLimiter) adopt(h http.Header, now time.Time) {
	if v := h.Get("X-HubSpot-RateLimit-Daily-Remaining"); v != "" {
		l.mu.Lock()
		if v == "0" {
			l.dailyOut = now.UTC().Format(time.DateOnly)
		} else {
			l.dailyOut = ""
		}
		l.mu.Unlock()
	}
	maxReq, err1 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Max"))
	ms, err2 := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds"))
	if err1 != nil || err2 != nil || maxReq <= 0 || ms <= 0 {
		return
	}
	interval := time.Duration(ms) * time.Millisecond
	l.mu.Lock()
	defer l.mu.Unlock()
	if maxReq == l.max && interval == l.interval {
		return
	}
	l.max, l.interval = maxReq, interval
	r, b := bucketFor(maxReq, interval)
	l.lim.SetLimit(r)
	l.lim.SetBurst(b)
}

// window is how long to wait for a rolling window to free up.
func (l *adaptiveLimiter) window(h http.Header) time.Duration {
	if ms, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds")); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.interval
}

// limits returns the current size of the burst bucket.
func (l *adaptiveLimiter) limits() (int, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.max, l.interval
}
