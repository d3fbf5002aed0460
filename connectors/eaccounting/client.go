package eaccounting

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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/kopla-dev/kopla/connectors"
)

const service = "eaccounting"

// maxPageSize is the largest $pagesize eAccounting accepts.
const maxPageSize = 1000

// client is a go-github style REST client for eAccounting API v2: it
// resolves endpoint templates against the base URL, authenticates, keeps
// each endpoint under its rate limit, retries what is safe to retry and
// decodes error answers into *connectors.APIError.
type client struct {
	base   string // API base URL without trailing slash: https://.../v2
	hc     *http.Client
	tokens *tokenSource
	log    *slog.Logger

	perMinute float64 // requests per minute per endpoint
	burst     int

	mu       sync.Mutex
	limiters map[string]*endpointLimit // by method and endpoint template

	pageSize       int
	maxAttempts    int           // attempts per request for 5xx, timeouts and 429
	backoff        time.Duration // first retry wait; doubles, with jitter
	maxBackoff     time.Duration
	attemptTimeout time.Duration // one round trip; a hung server counts as a timeout
	maxRateWait    time.Duration // the longest 429 wait accepted without a deadline
}

func newClient(base string, hc *http.Client, tokens *tokenSource, log *slog.Logger, perMinute float64) *client {
	// A small burst: the API counts per rolling minute, and starting a run
	// with a burst of hundreds would eat the minute of the run before it.
	burst := max(1, min(5, int(perMinute/60)))
	return &client{
		base:           strings.TrimRight(base, "/"),
		hc:             hc,
		tokens:         tokens,
		log:            log,
		perMinute:      perMinute,
		burst:          burst,
		limiters:       map[string]*endpointLimit{},
		pageSize:       maxPageSize,
		maxAttempts:    5,
		backoff:        500 * time.Millisecond,
		maxBackoff:     20 * time.Second,
		attemptTimeout: 60 * time.Second,
		maxRateWait:    2 * time.Minute,
	}
}

// endpointLimit paces the requests to one endpoint.
type endpointLimit struct {
	rate *rate.Limiter

	mu    sync.Mutex
	until time.Time // after a 429: no request to the endpoint before then
}

// limiter returns the limit of an endpoint: a method and a path template
// ("PUT customers/{customerId}"), the unit the API counts in.
func (c *client) limiter(endpoint string) *endpointLimit {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limiters[endpoint]
	if !ok {
		// The API counts a rolling minute; a token bucket lets through its
		// burst on top of its rate in any minute, so the rate leaves room
		// for it: rate*60s + burst <= perMinute.
		l = &endpointLimit{rate: rate.NewLimiter(rate.Limit(max(c.perMinute-float64(c.burst), 1)/60), c.burst)}
		c.limiters[endpoint] = l
	}
	return l
}

// wait blocks until a request to the endpoint may go.
func (l *endpointLimit) wait(ctx context.Context) error {
	l.mu.Lock()
	pause := time.Until(l.until)
	l.mu.Unlock()
	if pause > 0 {
		t := time.NewTimer(pause)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return l.rate.Wait(ctx)
}

// pause holds back every request to the endpoint for d: after a 429, the
// other requests in flight would only collect 429s of their own.
func (l *endpointLimit) pause(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until := time.Now().Add(d); until.After(l.until) {
		l.until = until
	}
}

// request is one API call.
type request struct {
	method   string
	endpoint string   // template relative to the base: "customers/{id}"
	args     []string // values for the template's {placeholders}, in order
	query    url.Values
	body     any
	// idempotent requests are retried after a timeout, a lost answer or a
	// 5xx; the others (POST) return a *transientError instead, for the
	// caller to reconcile before retrying.
	idempotent bool
}

func get(endpoint string, query url.Values, args ...string) request {
	return request{method: http.MethodGet, endpoint: endpoint, args: args, query: query, idempotent: true}
}

// path fills the endpoint template with the escaped args.
func (r request) path() string {
	var b strings.Builder
	rest, args := r.endpoint, r.args
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		j := strings.IndexByte(rest[i:], '}')
		b.WriteString(rest[:i])
		if len(args) > 0 {
			b.WriteString(url.PathEscape(args[0]))
			args = args[1:]
		}
		rest = rest[i+j+1:]
	}
}

// url returns the request's full URL.
func (c *client) url(r request) string {
	u := c.base + "/" + r.path()
	if len(r.query) > 0 {
		u += "?" + encodeQuery(r.query)
	}
	return u
}

// encodeQuery encodes like url.Values.Encode but keeps "$" in keys literal
// ($filter, $page): it is a legal query character, and the OData names read
// better in logs and proxies.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "%24", "$")
}

// transientError is a failure that may not have reached the server or whose
// answer was lost (timeout, connection reset, 5xx): retrying a read is safe,
// retrying a create may duplicate it.
type transientError struct {
	err error
}

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

// errorBody is eAccounting's error envelope.
type errorBody struct {
	ErrorCode             int    `json:"ErrorCode"`
	DeveloperErrorMessage string `json:"DeveloperErrorMessage"`
	ErrorID               string `json:"ErrorId"`
	Errors                []struct {
		Field   string `json:"Field"`
		Message string `json:"Message"`
	} `json:"Errors"`
	// ValidationErrors is accepted as well: some answers of the older
	// platform carry per-field messages under this name.
	ValidationErrors []struct {
		Field   string `json:"Field"`
		Message string `json:"Message"`
	} `json:"ValidationErrors"`
}

// do performs a request and decodes a 2xx answer into out (unless nil).
func (c *client) do(ctx context.Context, r request, out any) error {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("encode %s body: %w", r.endpoint, err)
		}
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		lim := c.limiter(r.method + " " + r.endpoint)
		if err := lim.wait(ctx); err != nil {
			return fmt.Errorf("%s %s: wait for the rate limit: %w", r.method, r.endpoint, err)
		}
		tok, err := c.tokens.token(ctx)
		if err != nil {
			var te *transientError
			if !errors.As(err, &te) {
				return err
			}
			if attempt >= c.maxAttempts {
				// Unwrapped: the request was never sent, so it is not a
				// lost answer for the caller to reconcile.
				return te.err
			}
			if err := c.sleep(ctx, c.retryWait(attempt)); err != nil {
				return err
			}
			continue
		}
		status, respBody, header, err := c.roundTrip(ctx, r, body, tok, attempt)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return fmt.Errorf("%s %s: %w", r.method, r.endpoint, ctx.Err())
			}
			terr := &transientError{err: fmt.Errorf("%s %s: %w", r.method, r.endpoint, err)}
			if !r.idempotent || attempt >= c.maxAttempts {
				return terr
			}
			if err := c.sleep(ctx, c.retryWait(attempt)); err != nil {
				return err
			}
			continue
		case status == http.StatusUnauthorized && !refreshed:
			// The access token may have been revoked or expired early:
			// refresh once, without counting an attempt.
			if _, err := c.tokens.refresh(ctx, tok); err != nil {
				var te *transientError
				if !errors.As(err, &te) {
					return err
				}
				if attempt >= c.maxAttempts {
					return te.err // the request was refused, not lost
				}
				if err := c.sleep(ctx, c.retryWait(attempt)); err != nil {
					return err
				}
				continue
			}
			refreshed = true
			attempt--
			continue
		case status == http.StatusTooManyRequests:
			apiErr := decodeError(status, respBody)
			wait := rateLimitWait(header, apiErr.Message, c.retryWait(attempt))
			if attempt >= c.maxAttempts || !c.canWait(ctx, wait) {
				return &connectors.RateLimitError{
					Service: service,
					Policy:  "PER_ENDPOINT_MINUTE",
					Reset:   time.Now().Add(wait),
					Err:     apiErr,
				}
			}
			c.log.DebugContext(ctx, "eaccounting rate limited", "endpoint", r.endpoint, "wait", wait)
			lim.pause(wait) // the next wait sleeps it, with every other request to the endpoint
			continue
		case status >= 500:
			apiErr := decodeError(status, respBody)
			if !r.idempotent || attempt >= c.maxAttempts {
				return &transientError{err: apiErr}
			}
			if err := c.sleep(ctx, c.retryWait(attempt)); err != nil {
				return err
			}
			continue
		case status < 200 || status > 299:
			return decodeError(status, respBody)
		}
		if out == nil || len(bytes.TrimSpace(respBody)) == 0 {
			return nil
		}
		dec := json.NewDecoder(bytes.NewReader(respBody))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", r.method, r.endpoint, err)
		}
		return nil
	}
}

// roundTrip sends one attempt and reads the whole answer. It logs the
// method, endpoint template, status and duration, never bodies, query
// values (filters carry personal data) or tokens.
func (c *client) roundTrip(ctx context.Context, r request, body []byte, tok *oauth2.Token, attempt int) (int, []byte, http.Header, error) {
	actx, cancel := context.WithTimeout(ctx, c.attemptTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, c.url(r), rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.log.DebugContext(ctx, "eaccounting request", "method", r.method, "endpoint", r.endpoint, "attempt", attempt, "duration", time.Since(start), "error", errors.Unwrap(err))
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	c.log.DebugContext(ctx, "eaccounting request", "method", r.method, "endpoint", r.endpoint, "attempt", attempt, "status", resp.StatusCode, "duration", time.Since(start))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, respBody, resp.Header, nil
}

// decodeError turns an error answer into an *APIError.
func decodeError(status int, body []byte) *connectors.APIError {
	e := &connectors.APIError{Service: service, Status: status}
	var eb errorBody
	if err := json.Unmarshal(body, &eb); err == nil {
		if eb.ErrorCode != 0 {
			e.Code = strconv.Itoa(eb.ErrorCode)
		}
		e.Message = eb.DeveloperErrorMessage
		e.CorrelationID = eb.ErrorID
		for _, f := range append(eb.Errors, eb.ValidationErrors...) {
			e.Fields = append(e.Fields, connectors.FieldError{Field: f.Field, Message: f.Message})
		}
	}
	if e.Message == "" && e.Code == "" {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "..."
		}
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	switch {
	case status == http.StatusNotFound || eb.ErrorCode == 3000:
		e.Kind = connectors.ErrNotFound
	case status == http.StatusConflict || eb.ErrorCode == 4000:
		e.Kind = connectors.ErrConflict
	case status == http.StatusUnauthorized || eb.ErrorCode == 4005 || eb.ErrorCode == 4006 || eb.ErrorCode == 4011:
		e.Kind = connectors.ErrAuth
	}
	return e
}

var tryAgainIn = regexp.MustCompile(`(?i)try again in (\d+) second`)

// rateLimitWait reads how long a 429 asks to wait: Retry-After, else the
// "Try again in N seconds" of eAccounting's message, else fallback.
func rateLimitWait(h http.Header, msg string, fallback time.Duration) time.Duration {
	if s := h.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(s); err == nil {
			return max(time.Until(t), 0)
		}
	}
	if m := tryAgainIn.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return time.Duration(n) * time.Second
	}
	return fallback
}

// canWait reports whether waiting d fits the context's deadline and the
// client's limit.
func (c *client) canWait(ctx context.Context, d time.Duration) bool {
	if d > c.maxRateWait {
		return false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return false
	}
	return true
}

// retryWait is the jittered exponential backoff before attempt+1.
func (c *client) retryWait(attempt int) time.Duration {
	d := c.backoff << (attempt - 1)
	if d > c.maxBackoff || d <= 0 {
		d = c.maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

func (c *client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// page is eAccounting's list envelope.
type page struct {
	Meta struct {
		CurrentPage          int    `json:"CurrentPage"`
		PageSize             int    `json:"PageSize"`
		TotalNumberOfPages   int    `json:"TotalNumberOfPages"`
		TotalNumberOfResults int    `json:"TotalNumberOfResults"`
		ServerTimeUtc        string `json:"ServerTimeUtc"`
	} `json:"Meta"`
	Data []map[string]any `json:"Data"`
}

// list reads a list endpoint page by page, calling fn for each page, until
// the last page or until fn returns stop.
func (c *client) list(ctx context.Context, endpoint string, args []string, query url.Values, fn func(p *page) (stop bool, err error)) error {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("$pagesize", strconv.Itoa(c.pageSize))
	for n := 1; ; n++ {
		q.Set("$page", strconv.Itoa(n))
		var p page
		if err := c.do(ctx, get(endpoint, q, args...), &p); err != nil {
			return err
		}
		stop, err := fn(&p)
		if err != nil || stop {
			return err
		}
		if len(p.Data) == 0 || n >= p.Meta.TotalNumberOfPages {
			return nil
		}
	}
}
