// Package rest is the REST core the API connectors share: one Do that
// authenticates a request, paces it to the rate budgets it draws on, sends
// it, classifies the answer with the service's hook, and retries what may be
// retried (exponential backoff with jitter, Retry-After, a refresh of the
// token after a 401). Connectors keep what is theirs: URLs, error bodies,
// which status means what, and which budgets a request draws on.
package rest

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
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// Class is what an answer means for the request that got it.
type Class int

const (
	// Success is a 2xx answer (or what the service counts as one).
	Success Class = iota
	// Retryable is a transient failure (5xx, a lock): retried after a
	// backoff when the request may be sent again.
	Retryable
	// AuthExpired is a refused token: refreshed once, then retried.
	AuthExpired
	// RateLimited is a 429: waited out (Retry-After, the service's hint,
	// else a backoff) and retried, unless Final.
	RateLimited
	// Permanent is an error answer a retry cannot change.
	Permanent
)

// Verdict is a service's reading of one answer.
type Verdict struct {
	Class Class
	// Err is returned when the request is not retried (nil for Success).
	Err error
	// Wait is the least wait before a retry (a 423's lock, eAccounting's
	// "try again in N seconds"); Retry-After, when sent, is used instead.
	Wait time.Duration
	// Policy names the rate limit (RateLimited) in a RateLimitError.
	Policy string
	// Pause holds back every request of the request's budgets for the wait
	// (RateLimited), not only this one: they would only collect 429s too.
	Pause bool
	// Final means a RateLimited answer cannot be waited out (a daily
	// quota): Err is returned at once.
	Final bool
}

// Auth supplies the bearer token of requests.
type Auth interface {
	// Token returns the access token to send. An error wrapping a
	// *TemporaryError (the token endpoint timed out) is retried.
	Token(ctx context.Context) (string, error)
	// Refresh replaces the token stale after a 401; false means it cannot
	// be refreshed (a static token).
	Refresh(ctx context.Context, stale string) (bool, error)
}

// TemporaryError is an error a retry may cure that happened before the
// request was sent (refreshing a token failed on the network).
type TemporaryError struct{ Err error }

func (e *TemporaryError) Error() string { return e.Err.Error() }
func (e *TemporaryError) Unwrap() error { return e.Err }

// LostError is a request that may have been carried out although its
// answer never came (a timeout, a dropped connection, a 5xx) and that was
// marked NoReplay: the caller reconciles before sending it again.
type LostError struct {
	Err error
	// Status is the HTTP status of the error answer, 0 when no answer came
	// at all (a timeout, a dropped connection): then the server may still
	// be processing the request, and commit it after the caller looked.
	Status int
}

func (e *LostError) Error() string { return "answer lost: " + e.Err.Error() }
func (e *LostError) Unwrap() error { return e.Err }

// Retry is the retry policy.
type Retry struct {
	MaxAttempts    int           // per request, counting the first
	Base           time.Duration // first backoff; doubles per attempt, with jitter
	Max            time.Duration // longest backoff
	AttemptTimeout time.Duration // one round trip, body included (0 = none)
	MaxRateWait    time.Duration // longest 429 wait accepted (0 = up to the deadline)
}

// Service is what the core needs to know of one API.
type Service struct {
	Name string // "hubspot": in errors
	// Classify reads an answer; attempt counts from 1.
	Classify func(resp *http.Response, body []byte, attempt int) Verdict
	// Budgets returns the budgets a request draws on, created on first
	// use (Client.Budget); nil draws on none.
	Budgets func(c *Client, req *http.Request) []*Limiter
	// Observe adjusts budgets from an answer's headers or body (nil =
	// nothing); sent is when the request was booked on its budgets.
	Observe func(c *Client, req *http.Request, resp *http.Response, body []byte, sent time.Time)
	// Decode decodes a 2xx body into v (nil = encoding/json).
	Decode func(body []byte, v any) error
}

// Client sends requests of one connection.
type Client struct {
	HTTP    *http.Client
	Auth    Auth
	Service Service
	Retry   Retry
	Logger  *slog.Logger
	// Now and Sleep are the clock of backoffs and pauses; tests replace
	// them. Pacing within a window always uses the real clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Shared, when set, is the store of the budgets other workers draw
	// on; a budget named n is shared as SharedKey+"/"+n.
	Shared    connectors.SharedBudgets
	SharedKey string

	mu       sync.Mutex
	budgets  map[string]*Limiter
	order    []string
	counts   Counts
	statuses map[int]int
}

// Counts are what a client sent and got.
type Counts struct {
	Requests    int // attempts sent, retries included
	Retries     int // attempts after the first
	RateLimited int // 429 answers
	Errors      int // round trips without an answer
}

// New returns a client with the default retry policy.
func New(hc *http.Client, auth Auth, svc Service, logger *slog.Logger) *Client {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{
		HTTP: hc, Auth: auth, Service: svc, Logger: logger,
		Retry: Retry{MaxAttempts: 5, Base: 500 * time.Millisecond, Max: 30 * time.Second},
		Now:   time.Now, Sleep: SleepContext,
		budgets: map[string]*Limiter{}, statuses: map[int]int{},
	}
}

// Budget returns the budget named name, created by mk on first use.
// mk runs without the client's lock: it may look up other budgets.
func (c *Client) Budget(name string, mk func() *Limiter) *Limiter {
	if l := c.Lookup(name); l != nil {
		return l
	}
	nl := mk()
	if c.Shared != nil {
		nl.Share(c.Shared, c.SharedKey+"/"+name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if l, ok := c.budgets[name]; ok { // made meanwhile by another request
		return l
	}
	c.budgets[name] = nl
	c.order = append(c.order, name)
	return nl
}

// Lookup returns the budget named name, nil when no request used it yet.
func (c *Client) Lookup(name string) *Limiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.budgets[name]
}

// Budgets reports every budget used so far, in order of first use.
func (c *Client) Budgets() []connectors.Budget {
	c.mu.Lock()
	ls := make([]*Limiter, len(c.order))
	for i, n := range c.order {
		ls[i] = c.budgets[n]
	}
	c.mu.Unlock()
	out := make([]connectors.Budget, len(ls))
	for i, l := range ls {
		out[i] = l.Budget()
	}
	return out
}

// Counts returns the request counts so far.
func (c *Client) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

// Statuses returns how many answers came back with each status.
func (c *Client) Statuses() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int]int, len(c.statuses))
	for k, v := range c.statuses {
		out[k] = v
	}
	return out
}

type ctxKey int

const (
	noReplayKey ctxKey = iota
	routeKey
)

// NoReplay marks requests that must not be sent twice after an answer was
// lost (creates): Do returns a *LostError instead.
func NoReplay(ctx context.Context) context.Context { return context.WithValue(ctx, noReplayKey, true) }

// WithRoute names the request's route template ("customers/{id}") for
// logs, errors and budgets: logs then carry it instead of the path, whose
// ids or numbers may be personal data.
func WithRoute(ctx context.Context, route string) context.Context {
	return context.WithValue(ctx, routeKey, route)
}

// Route returns the method and route of a request ("GET customers/{id}"):
// WithRoute's template, else the URL path.
func Route(req *http.Request) string {
	if r, ok := req.Context().Value(routeKey).(string); ok {
		return req.Method + " " + r
	}
	return req.Method + " " + req.URL.Path
}

// logWhere is the log attributes naming a request.
func logWhere(req *http.Request) []any {
	if r, ok := req.Context().Value(routeKey).(string); ok {
		return []any{"http.method", req.Method, "http.route", r}
	}
	return []any{"http.method", req.Method, "http.path", req.URL.Path}
}

// Do sends req, retrying what the service's Classify allows, and decodes a
// 2xx answer into v (when not nil). The answer's body stays readable. A
// request body must be replayable (GetBody, as http.NewRequest sets for
// bytes.Reader bodies).
func (c *Client) Do(req *http.Request, v any) (*http.Response, error) {
	ctx := req.Context()
	replay := ctx.Value(noReplayKey) == nil
	route := Route(req)
	refreshed := false
	for attempt := 1; ; attempt++ {
		sent, err := c.wait(ctx, req)
		if err != nil {
			return nil, err
		}
		resp, body, tok, err := c.roundTrip(req, route, attempt)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s: %s: %w", c.Service.Name, route, ctx.Err())
			}
			var te *TemporaryError
			if errors.As(err, &te) { // from Auth: nothing was sent
				if attempt >= c.Retry.MaxAttempts {
					return nil, te.Err
				}
				if err := c.Sleep(ctx, c.Backoff(attempt)); err != nil {
					return nil, err
				}
				continue
			}
			if tok == "" { // Auth refused: nothing was sent
				return nil, err
			}
			lastErr := fmt.Errorf("%s: %s: %w", c.Service.Name, route, err)
			if !replay {
				return nil, &LostError{Err: lastErr}
			}
			if attempt >= c.Retry.MaxAttempts {
				return nil, lastErr
			}
			if err := c.Sleep(ctx, c.Backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		if c.Service.Observe != nil {
			c.Service.Observe(c, req, resp, body, sent)
		}
		vd := c.Service.Classify(resp, body, attempt)
		switch vd.Class {
		case Success:
			if v != nil && len(bytes.TrimSpace(body)) > 0 {
				if err := c.decode(body, v); err != nil {
					return resp, fmt.Errorf("%s: decode %s answer: %w", c.Service.Name, route, err)
				}
			}
			return resp, nil
		case AuthExpired:
			if refreshed {
				return resp, vd.Err
			}
			ok, err := c.Auth.Refresh(ctx, tok)
			if err != nil {
				var te *TemporaryError
				if !errors.As(err, &te) {
					return resp, err
				}
				if attempt >= c.Retry.MaxAttempts {
					return resp, te.Err
				}
				if err := c.Sleep(ctx, c.Backoff(attempt)); err != nil {
					return resp, err
				}
				continue
			}
			if !ok {
				return resp, vd.Err
			}
			// The refresh is not a failed attempt of the request.
			refreshed = true
			attempt--
		case RateLimited:
			if vd.Final {
				return resp, vd.Err
			}
			wait := vd.Wait
			if ra, ok := RetryAfter(resp.Header, c.Now()); ok {
				wait = ra
			} else if wait <= 0 {
				wait = c.Backoff(attempt)
			}
			now := c.Now()
			if attempt >= c.Retry.MaxAttempts || !c.canWait(ctx, now, wait) {
				return resp, &connectors.RateLimitError{Service: c.Service.Name, Policy: vd.Policy,
					Reset: now.Add(wait), Err: vd.Err}
			}
			c.Logger.DebugContext(ctx, "rate limited", append(logWhere(req), "policy", vd.Policy, "wait", wait)...)
			if vd.Pause {
				// The next wait sleeps it, with every other request of the budgets.
				for _, l := range c.budgetsOf(req) {
					l.Pause(now.Add(wait))
				}
				continue
			}
			if err := c.Sleep(ctx, wait); err != nil {
				return resp, err
			}
		case Retryable:
			if !replay && resp.StatusCode >= 500 {
				return resp, &LostError{Err: vd.Err, Status: resp.StatusCode}
			}
			if attempt >= c.Retry.MaxAttempts {
				return resp, vd.Err
			}
			wait := max(c.Backoff(attempt), vd.Wait)
			if ra, ok := RetryAfter(resp.Header, c.Now()); ok {
				wait = ra
			}
			if err := c.Sleep(ctx, wait); err != nil {
				return resp, err
			}
		default:
			return resp, vd.Err
		}
	}
}

func (c *Client) decode(body []byte, v any) error {
	if c.Service.Decode != nil {
		return c.Service.Decode(body, v)
	}
	return json.Unmarshal(body, v)
}

func (c *Client) budgetsOf(req *http.Request) []*Limiter {
	if c.Service.Budgets == nil {
		return nil
	}
	return c.Service.Budgets(c, req)
}

// wait sleeps out pauses and paces the request on its budgets; it returns
// when the request was booked.
func (c *Client) wait(ctx context.Context, req *http.Request) (time.Time, error) {
	for _, l := range c.budgetsOf(req) {
		if d := l.pausedFor(c.Now()); d > 0 {
			if err := c.Sleep(ctx, d); err != nil {
				return time.Time{}, err
			}
		}
		if err := l.wait(ctx); err != nil {
			var rl *connectors.RateLimitError
			if errors.As(err, &rl) {
				rl.Service = c.Service.Name
				return time.Time{}, rl
			}
			return time.Time{}, err
		}
	}
	return time.Now(), nil
}

// roundTrip sends one attempt and reads the whole answer. It logs the
// route, status and duration, never bodies, queries or tokens. tok is ""
// when Auth failed.
func (c *Client) roundTrip(req *http.Request, route string, attempt int) (*http.Response, []byte, string, error) {
	ctx := req.Context()
	tok, err := c.Auth.Token(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	if c.Retry.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Retry.AttemptTimeout)
		defer cancel()
	}
	r := req.Clone(ctx)
	if req.GetBody != nil {
		if r.Body, err = req.GetBody(); err != nil {
			return nil, nil, tok, err
		}
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	c.count(func(n *Counts) {
		n.Requests++
		if attempt > 1 {
			n.Retries++
		}
	})
	start := time.Now()
	resp, err := c.HTTP.Do(r)
	if err != nil {
		c.count(func(n *Counts) { n.Errors++ })
		c.Logger.DebugContext(ctx, "http round trip", append(logWhere(req),
			"attempt", attempt, "duration", time.Since(start), "error", errors.Unwrap(err))...)
		return nil, nil, tok, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	c.Logger.DebugContext(ctx, "http round trip", append(logWhere(req),
		"http.status", resp.StatusCode, "attempt", attempt, "duration", time.Since(start))...)
	if err != nil {
		c.count(func(n *Counts) { n.Errors++ })
		return nil, nil, tok, fmt.Errorf("read answer: %w", err)
	}
	c.mu.Lock()
	c.statuses[resp.StatusCode]++
	if resp.StatusCode == http.StatusTooManyRequests {
		c.counts.RateLimited++
	}
	c.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, body, tok, nil
}

func (c *Client) count(f func(*Counts)) {
	c.mu.Lock()
	f(&c.counts)
	c.mu.Unlock()
}

// canWait reports whether waiting d fits the deadline and MaxRateWait.
func (c *Client) canWait(ctx context.Context, now time.Time, d time.Duration) bool {
	if c.Retry.MaxRateWait > 0 && d > c.Retry.MaxRateWait {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
		return false
	}
	return true
}

// Backoff is the jittered exponential wait before attempt+1.
func (c *Client) Backoff(attempt int) time.Duration {
	d := c.Retry.Base << (attempt - 1)
	if d <= 0 || d > c.Retry.Max {
		d = c.Retry.Max
	}
	return Jitter(d)
}

// Jitter returns a duration between d/2 and d, so that clients that failed
// together do not retry together.
func Jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// RetryAfter reads a Retry-After header: seconds or an HTTP date.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
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

// SleepContext sleeps d or until ctx is done.
func SleepContext(ctx context.Context, d time.Duration) error {
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
