package eaccounting

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

func readAll(t *testing.T, r connectors.Reader, req connectors.ReadRequest) ([]connectors.Record, []int, string) {
	t.Helper()
	var recs []connectors.Record
	var pages []int
	cursor, err := r.Read(t.Context(), req, func(p []connectors.Record) error {
		recs = append(recs, p...)
		pages = append(pages, len(p))
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return recs, pages, cursor
}

func TestRateLimitedAnswerIsWaitedOut(t *testing.T) {
	t.Parallel() // waits a second
	// A 429 asks to wait "1 seconds" with this window.
	e := newEnv(t, eaccountingtest.Options{RateWindow: 100 * time.Millisecond}, nil)
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodGet, PathPrefix: "/v2/customers", Status: http.StatusTooManyRequests})
	start := time.Now()
	readAll(t, e.object(t, "customers"), connectors.ReadRequest{})
	if d := time.Since(start); d < time.Second {
		t.Errorf("read took %v; want the 1 s the 429 asked for", d)
	}
	if got := e.srv.Requests("GET /v2/customers"); got != 2 {
		t.Errorf("requests = %d; want 2", got)
	}
}

func TestRateLimitBeyondDeadlineIsARateLimitError(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil) // 429 asks for 60 s
	e.conn.client.core.Retry.MaxRateWait = time.Second
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodGet, PathPrefix: "/v2/customers", Status: http.StatusTooManyRequests})
	_, err := e.object(t, "customers").Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil })
	var rl *connectors.RateLimitError
	if !errors.As(err, &rl) {
		t.Fatalf("error = %v; want a *connectors.RateLimitError", err)
	}
	var ae *connectors.APIError
	if !errors.As(err, &ae) || ae.Code != "4010" {
		t.Errorf("error = %v; want it to wrap the 4010 answer", err)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodGet, PathPrefix: "/v2/units", Status: http.StatusServiceUnavailable, Times: 2})
	recs, _, _ := readAll(t, e.object(t, "units"), connectors.ReadRequest{})
	if len(recs) == 0 {
		t.Error("no units read")
	}
	if got := e.srv.Requests("GET /v2/units"); got != 3 {
		t.Errorf("requests = %d; want 3 (two 503, then the answer)", got)
	}
}

func TestServerErrorsGiveUp(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodGet, PathPrefix: "/v2/units", Status: http.StatusInternalServerError, Times: -1})
	_, err := e.object(t, "units").Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return nil })
	var ae *connectors.APIError
	if !errors.As(err, &ae) || ae.Status != 500 || ae.Code != "5000" || ae.CorrelationID == "" {
		t.Fatalf("error = %#v; want the decoded 500 answer", err)
	}
	if got, want := e.srv.Requests("GET /v2/units"), e.conn.client.core.Retry.MaxAttempts; got != want {
		t.Errorf("requests = %d; want %d", got, want)
	}
}

func TestTimeoutsAreRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.conn.client.core.Retry.AttemptTimeout = 100 * time.Millisecond
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodGet, PathPrefix: "/v2/currencies", Latency: time.Second})
	recs, _, _ := readAll(t, e.object(t, "currencies"), connectors.ReadRequest{})
	if len(recs) == 0 {
		t.Error("no currencies read")
	}
}

func TestDecodeError(t *testing.T) {
	body := `{"ErrorCode":2000,"DeveloperErrorMessage":"The Name field is required.","ErrorId":"0d6a3f0e-0000-4000-8000-000000000001",
		"Errors":[{"Field":"Name","ErrorCode":"2000","Message":"The Name field is required.","Key":null}]}`
	got := decodeError(400, []byte(body))
	want := &connectors.APIError{
		Service: "eaccounting", Status: 400, Code: "2000", Message: "The Name field is required.",
		CorrelationID: "0d6a3f0e-0000-4000-8000-000000000001",
		Fields:        []connectors.FieldError{{Field: "Name", Message: "The Name field is required."}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decodeError (-want +got):\n%s", diff)
	}
	for _, tt := range []struct {
		status int
		body   string
		kind   error
	}{
		{404, `{"ErrorCode":3000,"DeveloperErrorMessage":"gone","ErrorId":"x"}`, connectors.ErrNotFound},
		{409, `{"ErrorCode":4000,"DeveloperErrorMessage":"dup","ErrorId":"x"}`, connectors.ErrConflict},
		{400, `{"ErrorCode":4000,"DeveloperErrorMessage":"dup","ErrorId":"x"}`, connectors.ErrConflict},
		{401, `{"ErrorCode":4005,"DeveloperErrorMessage":"no","ErrorId":"x"}`, connectors.ErrAuth},
		{403, `{"ErrorCode":4006,"DeveloperErrorMessage":"scopes","ErrorId":"x"}`, connectors.ErrAuth},
		{502, `<html>bad gateway</html>`, nil},
	} {
		err := decodeError(tt.status, []byte(tt.body))
		if tt.kind != nil && !errors.Is(err, tt.kind) || tt.kind == nil && err.Kind != nil {
			t.Errorf("decodeError(%d, %s) kind = %v; want %v", tt.status, tt.body, err.Kind, tt.kind)
		}
		if err.Message == "" {
			t.Errorf("decodeError(%d, %s) has no message", tt.status, tt.body)
		}
	}
}

func TestRateLimitWait(t *testing.T) {
	for _, tt := range []struct {
		header http.Header
		msg    string
		want   time.Duration
	}{
		{http.Header{"Retry-After": {"7"}}, "Try again in 55 seconds.", 7 * time.Second},
		{http.Header{}, "API calls quota exceeded! maximum admitted 600 per Minute. Try again in 55 seconds.", 55 * time.Second},
		{http.Header{}, "slow down", 3 * time.Second},
	} {
		if got := rateLimitWait(tt.header, tt.msg, 3*time.Second); got != tt.want {
			t.Errorf("rateLimitWait(%v, %q) = %v; want %v", tt.header, tt.msg, got, tt.want)
		}
	}
}

func TestRequestPathAndQuery(t *testing.T) {
	c := &client{base: "https://api.example.com/v2"}
	r := get("accounts/{fiscalyearId}/{accountNumber}", map[string][]string{"$filter": {"Name eq 'a b'"}, "$page": {"2"}}, "fy 1", "3001")
	want := "https://api.example.com/v2/accounts/fy%201/3001?$filter=Name+eq+%27a+b%27&$page=2"
	if got := c.url(r); got != want {
		t.Errorf("url = %s; want %s", got, want)
	}
}

func TestLogsCarryNoSecretsOrPayloads(t *testing.T) {
	var logs strings.Builder
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.conn.client.core.Logger = newTextLogger(&logs)
	w := e.writer(t, "customers")
	create(t, w, "CustomerNumber", customer(1))
	if _, err := e.object(t, "customers").Find(t.Context(), "EmailAddress", []any{"billing1@example.com"}); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if !strings.Contains(out, "http.route=customers") {
		t.Errorf("no debug line per round trip:\n%s", out)
	}
	tok := readToken(t, e)
	for _, secret := range []string{"billing1@example.com", "C00001", tok.AccessToken, tok.RefreshToken, e.srv.ClientSecret()} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

func TestReadEmitErrorIsReturnedAsIs(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	stop := errors.New("stop here")
	_, err := e.object(t, "units").Read(t.Context(), connectors.ReadRequest{}, func([]connectors.Record) error { return stop })
	if err != stop {
		t.Errorf("Read error = %v; want the emit error itself", err)
	}
	n := 0
	cursor, err := e.object(t, "customers").Read(t.Context(), connectors.ReadRequest{Archived: true}, func(p []connectors.Record) error {
		n += len(p)
		return nil
	})
	if err != nil || n != 0 || cursor != "" {
		t.Errorf("archived read = %d records, cursor %q, %v; want nothing", n, cursor, err)
	}
	if _, err := e.object(t, "orders").Read(t.Context(), connectors.ReadRequest{Include: []string{"rows"}}, func([]connectors.Record) error { return nil }); err == nil {
		t.Error("read with an include: no error")
	}
}

func TestRateLimitedCreatesPauseTheEndpoint(t *testing.T) {
	t.Parallel() // waits a second
	// The fake admits 10 creates a second; the client is told 100 times more.
	e := newEnv(t, eaccountingtest.Options{RateLimit: 10, RateWindow: time.Second}, connectors.Config{"rate_limit": int64(60000)})
	const n = 20
	created := create(t, e.writer(t, "customers"), "CustomerNumber", customers(0, n)...)
	all, _, _ := readAll(t, e.object(t, "customers"), connectors.ReadRequest{})
	if len(all) != n || len(created) != n {
		t.Errorf("customers = %d; want %d, none twice", len(all), n)
	}
	posts := e.srv.Requests("POST /v2/customers")
	if refused := posts - n; refused < 1 || refused > 2*e.conn.writeConcurrency {
		t.Errorf("%d POSTs for %d creates: %d answered 429; want some, and at most %d (one round per pause)", posts, n, refused, 2*e.conn.writeConcurrency)
	}
}
