package dashboard

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/engine/state"
)

// testStore is a state with one run of n records of flow orders, the
// last one failed.
func testStore(t testing.TB, n int) (*state.Store, int64) {
	t.Helper()
	ctx := context.Background()
	st, err := state.Open(ctx, t.TempDir()+"/state.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	run, err := st.StartRun(ctx, "apply", "digest")
	if err != nil {
		t.Fatal(err)
	}
	acts := make([]state.Activity, n)
	for i := range acts {
		acts[i] = state.Activity{RunID: run, Flow: "orders", SourceKey: fmt.Sprint(4000 + i), TargetID: fmt.Sprint(9000 + i), Action: "create",
			Read: []byte(fmt.Sprintf(`{"id":"%d","email":"buyer%d@example.com"}`, 4000+i, i)), Keys: []string{fmt.Sprintf("buyer%d@example.com", i)}}
	}
	acts[n-1].Action, acts[n-1].Error = "error", `field Number: "X" has 52 characters`
	acts[n-1].Answer = []byte(`{"stage":"plan","field":"Number"}`)
	if err := st.LogActivity(ctx, acts); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishRun(ctx, run, state.StatusFailed, map[string]int{"create": n - 1, "error": 1}); err != nil {
		t.Fatal(err)
	}
	return st, run
}

type client struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newClient(t *testing.T, opts Options) *client {
	t.Helper()
	h, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("the page has no CSRF field:\n%s", page)
	}
	return m[1]
}

func TestPagesAreSafe(t *testing.T) {
	st, run := testStore(t, 5)
	c := newClient(t, Options{Store: st, Project: Project{Flows: []Flow{{Name: "orders", Source: "hubspot.shop.orders", Target: "eaccounting.books.orders"}}}})
	inline := regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=`)
	for _, p := range []string{"/", "/runs", fmt.Sprintf("/runs/%d", run), "/record?flow=orders&key=4004", "/search", "/failures", "/settings"} {
		res, body := c.do(http.MethodGet, p, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s\n%s", p, res.Status, body)
			continue
		}
		csp := res.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy %q", p, csp)
		}
		if m := inline.FindString(body); m != "" {
			t.Errorf("GET %s has inline script or style %q", p, m)
		}
	}
	_, failures := c.do(http.MethodGet, "/failures", nil)
	if !strings.Contains(failures, "orders: 1 record(s)") || !strings.Contains(failures, "4004") {
		t.Errorf("the failures page lacks the failed record 4004:\n%s", failures)
	}
}

func TestPostNeedsCSRFToken(t *testing.T) {
	st, _ := testStore(t, 3)
	c := newClient(t, Options{Store: st})
	// Without a session at all.
	if res, _ := c.do(http.MethodPost, "/failures/ignore", url.Values{"flow": {"orders"}, "key": {"4002"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a POST without a session answered %s; want 403", res.Status)
	}
	_, page := c.do(http.MethodGet, "/failures", nil)
	tok := csrfOf(t, page)
	for _, bad := range []string{"", "0" + tok[1:]} {
		if res, _ := c.do(http.MethodPost, "/failures/ignore", url.Values{"flow": {"orders"}, "key": {"4002"}, "csrf": {bad}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("a POST with the CSRF token %q answered %s; want 403", bad, res.Status)
		}
	}
	if acts, _ := st.Activities(t.Context(), state.ActivityFilter{Action: "ignored"}); len(acts) != 0 {
		t.Fatalf("a refused POST ignored %+v", acts)
	}
	res, _ := c.do(http.MethodPost, "/failures/ignore", url.Values{"flow": {"orders"}, "key": {"4002"}, "csrf": {tok}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a POST with the token answered %s; want a redirect", res.Status)
	}
	if _, page := c.do(http.MethodGet, "/failures", nil); !strings.Contains(page, "No open failures") {
		t.Errorf("after ignore the failure is still open:\n%s", page)
	}
	audit, _ := st.Activities(t.Context(), state.ActivityFilter{Flow: auditFlow})
	if len(audit) != 1 || audit[0].SourceKey != "ignore" || !strings.Contains(string(audit[0].Read), `"who":"local user"`) {
		t.Errorf("audit entries = %+v; want the ignore, with who", audit)
	}
}

func TestLogin(t *testing.T) {
	st, _ := testStore(t, 2)
	const token = "0123456789abcdef-token"
	c := newClient(t, Options{Store: st, Auth: Auth{Token: token}})
	if res, _ := c.do(http.MethodGet, "/", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("GET / without signing in: %s to %q; want a redirect to /login", res.Status, res.Header.Get("Location"))
	}
	if res, _ := c.do(http.MethodPost, "/search", url.Values{"q": {"x"}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without signing in: %s; want 401", res.Status)
	}
	_, page := c.do(http.MethodGet, "/login", nil)
	tok := csrfOf(t, page)
	if res, _ := c.do(http.MethodPost, "/login", url.Values{"credential": {token}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a sign-in without its CSRF token answered %s; want 403", res.Status)
	}
	if res, _ := c.do(http.MethodPost, "/login", url.Values{"credential": {"wrong"}, "csrf": {tok}, "user": {"ada"}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token answered %s; want 401", res.Status)
	}
	res, _ := c.do(http.MethodPost, "/login", url.Values{"credential": {token}, "csrf": {tok}, "user": {"ada"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the right token answered %s; want a redirect", res.Status)
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie = %+v; want HttpOnly and SameSite=Strict", cookie)
	}
	if res.Request.URL.RawQuery != "" || strings.Contains(res.Header.Get("Location"), token) {
		t.Errorf("the token went into a URL: %s", res.Header.Get("Location"))
	}
	if res, body := c.do(http.MethodGet, "/", nil); res.StatusCode != http.StatusOK || !strings.Contains(body, "Sign out ada") {
		t.Errorf("after signing in, GET /: %s", res.Status)
	}
	audit, _ := st.Activities(t.Context(), state.ActivityFilter{Flow: auditFlow})
	if len(audit) != 2 || !strings.Contains(string(audit[0].Read), `"who":"ada"`) || strings.Contains(string(audit[0].Read)+string(audit[1].Read), token) {
		t.Errorf("audit = %+v; want the refused and the accepted sign-in by ada, without the token", audit)
	}
}

func TestRunPagePaginates(t *testing.T) {
	st, run := testStore(t, 5)
	c := newClient(t, Options{Store: st, PageSize: 2})
	_, page := c.do(http.MethodGet, fmt.Sprintf("/runs/%d", run), nil)
	for _, want := range []string{"Failed and blocked records", ">4004<", ">4003<", `rel="next"`} {
		if !strings.Contains(page, want) {
			t.Errorf("first page lacks %q", want)
		}
	}
	next := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no next page link")
	}
	_, page = c.do(http.MethodGet, strings.ReplaceAll(next[1], "&amp;", "&"), nil)
	if !strings.Contains(page, ">4002<") || !strings.Contains(page, ">4001<") || strings.Contains(page, ">4003<") {
		t.Errorf("the second page does not hold 4002 and 4001 alone:\n%s", page)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	st, _ := testStore(t, 2)
	c := newClient(t, Options{Store: st, ReadOnly: true})
	_, page := c.do(http.MethodGet, "/search", nil)
	tok := csrfOf(t, page)
	if res, _ := c.do(http.MethodPost, "/forget/confirm", url.Values{"key": {"buyer0@example.com"}, "confirm": {"yes"}, "csrf": {tok}}); res.StatusCode != http.StatusConflict {
		t.Errorf("forget on a read-only dashboard answered %s; want 409", res.Status)
	}
	if res, _ := c.do(http.MethodPost, "/failures/retry", url.Values{"flow": {"orders"}, "key": {"4001"}, "csrf": {tok}}); res.StatusCode != http.StatusConflict {
		t.Errorf("retry without a Retrier answered %s; want 409", res.Status)
	}
	if acts, _ := st.Activities(t.Context(), state.ActivityFilter{Key: "buyer0@example.com"}); len(acts) != 1 {
		t.Errorf("the read-only dashboard erased: %+v", acts)
	}
}

func TestCauseGroupsVaryingValues(t *testing.T) {
	a := causeOf(`field Number: "ABC" has 52 characters, at most 40`)
	b := causeOf(`field Number: "DEFGH" has 61 characters, at most 40`)
	if a != b {
		t.Errorf("causes differ: %q, %q", a, b)
	}
}
