package eaccounting

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
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/rest"
)

const service = "eaccounting"

// maxPageSize is the largest $pagesize eAccounting accepts.
const maxPageSize = 1000

// client is a go-github style REST client for eAccounting API v2: it
// resolves endpoint templates against the base URL and sends requests
// through the shared REST core (connectors/rest), which authenticates them,
// keeps each endpoint within its rate budget, retries what is safe to retry
// and decodes error answers with classify.
type client struct {
	base string // API base URL without trailing slash: https://.../v2
	log  *slog.Logger
	core *rest.Client

	perMinute float64 // requests per minute per endpoint, until a 429 tells
	pageSize  int
}

func newClient(base string, hc *http.Client, tokens *tokenSource, log *slog.Logger, perMinute float64) *client {
	c := &client{
		base:      strings.TrimRight(base, "/"),
		log:       log,
		perMinute: perMinute,
		pageSize:  maxPageSize,
	}
	c.core = rest.New(hc, authAdapter{tokens}, rest.Service{
		Name:     service,
		Classify: c.classify,
		Budgets:  c.budgets,
		Observe:  c.observe,
		Decode: func(body []byte, v any) error {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			return dec.Decode(v)
		},
	}, log)
	c.core.Retry = rest.Retry{
		MaxAttempts:    5,
		Base:           500 * time.Millisecond,
		Max:            20 * time.Second,
		AttemptTimeout: 60 * time.Second, // a hung server counts as a timeout
		MaxRateWait:    2 * time.Minute,
	}
	return c
}

// authAdapter gives the token source the core's method names.
type authAdapter struct{ ts *tokenSource }

func (a authAdapter) Token(ctx context.Context) (string, error) {
	tok, err := a.ts.token(ctx)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

func (a authAdapter) Refresh(ctx context.Context, stale string) (bool, error) {
	if _, err := a.ts.refresh(ctx, &oauth2.Token{AccessToken: stale}); err != nil {
		return false, err
	}
	return true, nil
}

// budgets draws each request on its endpoint's budget: a method and a path
// template ("PUT customers/{customerId}"), the unit the API counts in.
func (c *client) budgets(core *rest.Client, req *http.Request) []*rest.Limiter {
	name := rest.Route(req)
	return []*rest.Limiter{core.Budget(name, func() *rest.Limiter {
		return rest.NewLimiter(name, max(int(c.perMinute), 1), time.Minute)
	})}
}

// Budgets reports the endpoints' budgets used so far.
func (c *client) Budgets() []connectors.Budget { return c.core.Budgets() }

var admitted = regexp.MustCompile(`(?i)maximum admitted (\d+) per (\w+)`)

// observe adopts the limit a 429 states ("maximum admitted 600 per
// Minute"): eAccounting sends no rate-limit headers.
func (c *client) observe(core *rest.Client, req *http.Request, resp *http.Response, body []byte, _ time.Time) {
	if resp.StatusCode != http.StatusTooManyRequests {
		return
	}
	m := admitted.FindSubmatch(body)
	if m == nil {
		return
	}
	n, _ := strconv.Atoi(string(m[1]))
	per, err := time.ParseDuration(string(m[2]))
	switch strings.ToLower(string(m[2])) {
	case "minute":
		per, err = time.Minute, nil
	case "second":
		per, err = time.Second, nil
	}
	if err == nil {
		c.budgets(core, req)[0].SetLimit(n, per)
	}
}

// classify tells the core what an eAccounting answer means.
func (c *client) classify(resp *http.Response, body []byte, attempt int) rest.Verdict {
	status := resp.StatusCode
	switch {
	case status >= 200 && status <= 299:
		return rest.Verdict{Class: rest.Success}
	case status == http.StatusUnauthorized:
		// The access token may have been revoked or expired early.
		return rest.Verdict{Class: rest.AuthExpired, Err: decodeError(status, body)}
	case status == http.StatusTooManyRequests:
		apiErr := decodeError(status, body)
		return rest.Verdict{Class: rest.RateLimited, Err: apiErr, Policy: "PER_ENDPOINT_MINUTE",
			Wait: rateLimitWait(resp.Header, apiErr.Message, c.core.Backoff(attempt)),
			// Every request to the endpoint waits it out: the others in
			// flight would only collect 429s of their own.
			Pause: true}
	case status >= 500:
		return rest.Verdict{Class: rest.Retryable, Err: decodeError(status, body)}
	}
	return rest.Verdict{Class: rest.Permanent, Err: decodeError(status, body)}
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
	// status is the HTTP status of the error answer, 0 when none came
	// (see rest.LostError.Status).
	status int
}

// mayStillCommit reports whether the server may still be processing the
// request: no answer came, or a gateway answered that it gave up waiting
// for eAccounting (504), which may go on and store it. Other 5xx answers
// come after eAccounting is done with the request.
func (e *transientError) mayStillCommit() bool {
	return e.status == 0 || e.status == http.StatusGatewayTimeout
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
	var rd io.Reader
	if r.body != nil {
		body, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("encode %s body: %w", r.endpoint, err)
		}
		rd = bytes.NewReader(body)
	}
	// Logs name the endpoint template, never query values (filters carry
	// personal data), bodies or tokens.
	ctx = rest.WithRoute(ctx, r.endpoint)
	if !r.idempotent {
		ctx = rest.NoReplay(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r), rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, r.endpoint, err)
	}
	req.Header.Set("Accept", "application/json")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	_, err = c.core.Do(req, out)
	var lost *rest.LostError
	if errors.As(err, &lost) {
		return &transientError{err: lost.Err, status: lost.Status}
	}
	return err
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

// retryWait is the jittered exponential backoff before attempt+1.
func (c *client) retryWait(attempt int) time.Duration { return c.core.Backoff(attempt) }

func (c *client) sleep(ctx context.Context, d time.Duration) error { return c.core.Sleep(ctx, d) }

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

// Budgets reports the connection's rate budgets, one per endpoint used
// (connectors.Budgeted).
func (c *conn) Budgets() []connectors.Budget { return c.client.Budgets() }

var _ connectors.Budgeted = (*conn)(nil)
