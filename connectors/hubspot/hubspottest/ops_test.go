package hubspottest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPropertiesAPI(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			r := c.must(200, "GET", st.props+"/deals", nil)
			byName := map[string]map[string]any{}
			for _, p := range results(r) {
				m := p.(map[string]any)
				byName[str(m["name"])] = m
			}
			if byName["dealstage"]["type"] != "enumeration" || byName["closedate"]["type"] != "datetime" || byName["amount"]["type"] != "number" {
				t.Errorf("standard deal properties: %v %v %v", byName["dealstage"], byName["closedate"], byName["amount"])
			}
			c.must(200, "GET", st.props+"/0-123/hs_order_name", nil)

			c.must(201, "POST", st.props+"/contacts/groups", map[string]any{"name": "visma_sync", "label": "Visma sync", "displayOrder": -1})
			def := map[string]any{"name": "visma_id", "label": "Visma id", "type": "string", "fieldType": "text", "groupName": "visma_sync", "hasUniqueValue": true}
			r = c.must(201, "POST", st.props+"/contacts", def)
			if r.body["hasUniqueValue"] != true || r.body["hubspotDefined"] != nil {
				t.Errorf("created property = %s", r.raw)
			}
			r = c.must(409, "POST", st.props+"/contacts", def)
			if str(r.body["category"]) != "OBJECT_ALREADY_EXISTS" {
				t.Errorf("duplicate property = %s", r.raw)
			}
			enum := map[string]any{"name": "tier", "label": "Tier", "type": "enumeration", "fieldType": "select", "groupName": "visma_sync",
				"options": []any{map[string]any{"label": "Gold", "value": "gold", "hidden": false, "displayOrder": 0}}}
			c.must(201, "POST", st.props+"/contacts", enum)
			c.must(201, "POST", st.objects+"/contacts", create(map[string]any{"tier": "gold", "visma_id": "X1"}))
			c.must(400, "POST", st.objects+"/contacts", create(map[string]any{"tier": "silver"}))
			c.must(200, "PATCH", st.props+"/contacts/tier", map[string]any{"options": []any{
				map[string]any{"label": "Gold", "value": "gold", "hidden": false, "displayOrder": 0}, map[string]any{"label": "Silver", "value": "silver", "hidden": false, "displayOrder": 1}}})
			c.must(201, "POST", st.objects+"/contacts", create(map[string]any{"tier": "silver"}))

			c.must(400, "POST", st.props+"/contacts", map[string]any{"name": "bad", "label": "Bad", "type": "number", "fieldType": "select", "groupName": "visma_sync"})
			c.must(400, "POST", st.props+"/contacts", map[string]any{"name": "orphan", "label": "Orphan", "type": "string", "fieldType": "text", "groupName": "nope"})

			c.must(204, "DELETE", st.props+"/contacts/tier", nil)
			c.must(404, "GET", st.props+"/contacts/tier", nil)
			c.must(400, "POST", st.objects+"/contacts", create(map[string]any{"tier": "gold"}))
			c.must(400, "DELETE", st.props+"/contacts/email", nil)
		})
	}
}

func TestSeedErrors(t *testing.T) {
	cases := map[string]string{
		"bad json":          `{`,
		"unknown field":     `{"records": {}}`,
		"unknown type":      `{"objects": {"widgets": [{"id": "1", "properties": {}}]}}`,
		"unknown property":  `{"objects": {"contacts": [{"id": "1", "properties": {"shoe": "1"}}]}}`,
		"duplicate id":      `{"objects": {"contacts": [{"id": "1", "properties": {}}, {"id": "1", "properties": {}}]}}`,
		"duplicate email":   `{"objects": {"contacts": [{"id": "1", "properties": {"email": "a@example.com"}}, {"id": "2", "properties": {"email": "A@example.com"}}]}}`,
		"bad association":   `{"objects": {"contacts": [{"id": "1", "properties": {}}], "companies": [{"id": "2", "properties": {}}]}, "associations": [{"from": "contacts/1", "to": "companies/2", "typeId": 507}]}`,
		"missing record":    `{"associations": [{"from": "contacts/1", "to": "companies/2", "typeId": 279}]}`,
		"bad property def":  `{"properties": {"contacts": [{"name": "x", "label": "X", "type": "number", "fieldType": "text", "groupName": "g"}]}}`,
		"malformed ref":     `{"associations": [{"from": "contacts", "to": "companies/2", "typeId": 279}]}`,
		"invalid seed date": `{"objects": {"line_items": [{"id": "1", "properties": {"hs_recurring_billing_start_date": "soon"}}]}}`,
	}
	for name, seed := range cases {
		t.Run(name, func(t *testing.T) {
			if err := New(Options{}).Seed(strings.NewReader(seed)); err == nil {
				t.Errorf("Seed(%s) = nil; want an error", seed)
			}
		})
	}
	s := New(Options{})
	if err := s.Seed(strings.NewReader(uniqueSeed)); err != nil {
		t.Fatal(err)
	}
	objs := s.Objects("0-1")
	if len(objs) != 2 || objs[0].ID != "1" || objs[1].Properties["visma_id"] != "V2" {
		t.Errorf("Objects = %+v", objs)
	}
}

func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := newClient(t, Options{Clock: clock, Limits: Limits{Burst: 3, Window: time.Second, Daily: 5, Search: 2}})

	for i, want := range []string{"2", "1", "0"} {
		r := c.must(200, "GET", "/crm/v3/objects/contacts", nil)
		h := r.header
		if h.Get("X-HubSpot-RateLimit-Max") != "3" || h.Get("X-HubSpot-RateLimit-Remaining") != want ||
			h.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "1000" || h.Get("X-HubSpot-RateLimit-Daily") != "5" {
			t.Errorf("request %d headers = %v", i, h)
		}
	}
	r := c.must(429, "GET", "/crm/v3/objects/contacts", nil)
	if str(r.body["policyName"]) != "TEN_SECONDLY_ROLLING" || str(r.body["errorType"]) != "RATE_LIMIT" ||
		str(r.body["message"]) != "You have reached your ten_secondly_rolling limit." || str(r.body["correlationId"]) == "" {
		t.Errorf("burst 429 = %s", r.raw)
	}
	if r.header.Get("X-HubSpot-RateLimit-Remaining") != "0" {
		t.Errorf("429 headers = %v", r.header)
	}

	// Search has its own limit and no headers.
	searchOnce := func() reply {
		return c.do("POST", "/crm/v3/objects/contacts/search", searchBody(nil, nil, nil, 10, ""))
	}
	for range 2 {
		if r := searchOnce(); r.status != 200 || r.header.Get("X-HubSpot-RateLimit-Max") != "" {
			t.Errorf("search = %d, headers %v", r.status, r.header)
		}
	}
	if r := searchOnce(); r.status != 429 || str(r.body["policyName"]) != "SECONDLY" || str(r.body["message"]) != "You have reached your secondly limit." {
		t.Errorf("third search = %d %s", r.status, r.raw)
	}

	advance(time.Second)
	r = c.must(429, "GET", "/crm/v3/objects/contacts", nil) // 3 + 2 searches used the daily 5
	if str(r.body["policyName"]) != "DAILY" || r.header.Get("X-HubSpot-RateLimit-Daily-Remaining") != "0" {
		t.Errorf("daily 429 = %s %v", r.raw, r.header)
	}
	advance(24 * time.Hour)
	c.must(200, "GET", "/crm/v3/objects/contacts", nil)
	if got := c.srv.Requests("GET /crm/v3/objects/{objectType}"); got != 6 {
		t.Errorf("counted %d list requests; want 6 (429s count)", got)
	}
}

func TestRateLimitDisabledAndDefaults(t *testing.T) {
	c := newClient(t, Options{})
	r := c.must(200, "GET", "/crm/v3/objects/deals", nil)
	if r.header.Get("X-HubSpot-RateLimit-Max") != "190" || r.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "10000" ||
		r.header.Get("X-HubSpot-RateLimit-Daily") != "625000" || r.header.Get("X-HubSpot-RateLimit-Daily-Remaining") != "624999" {
		t.Errorf("default headers = %v", r.header)
	}
	c = newClient(t, Options{Limits: Limits{Burst: -1, Daily: -1, Search: -1}})
	for range 300 {
		c.must(200, "GET", "/crm/v3/objects/deals", nil)
	}
}

func TestFaults(t *testing.T) {
	c := newDirectClient(t, Options{})
	c.srv.InjectFault(Fault{Method: "POST", PathPrefix: "/crm/v3/objects/contacts/batch", Status: 502, Times: 2})
	body := inputs(map[string]any{"properties": map[string]any{"email": "f@example.com"}, "associations": []any{}})
	for range 2 {
		if r := c.do("POST", "/crm/v3/objects/contacts/batch/create", body); r.status != 502 || str(r.body["correlationId"]) == "" {
			t.Errorf("faulted request = %d %s", r.status, r.raw)
		}
	}
	if len(c.srv.Objects("contacts")) != 0 {
		t.Errorf("a failed request stored records")
	}
	c.must(201, "POST", "/crm/v3/objects/contacts/batch/create", body)

	// The write commits, the answer is lost.
	c.srv.InjectFault(Fault{PathPrefix: "/crm/v3/objects/contacts", DropAfterCommit: true})
	req, _ := http.NewRequestWithContext(t.Context(), "POST", c.base+"/crm/v3/objects/contacts", strings.NewReader(`{"properties": {"email": "g@example.com"}, "associations": []}`))
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Errorf("dropped request got an answer: %d", resp.StatusCode)
	}
	if n := len(c.srv.Objects("contacts")); n != 2 {
		t.Errorf("%d contacts after a dropped create; want 2", n)
	}

	// Latency, cut short by the client's deadline.
	c.srv.InjectFault(Fault{Method: "GET", Latency: 5 * time.Second, Times: -1})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, _ = http.NewRequestWithContext(ctx, "GET", c.base+"/crm/v3/objects/contacts", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	if _, err := http.DefaultTransport.RoundTrip(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow request error = %v; want deadline exceeded", err)
	}
	c.srv.ClearFaults()
	c.must(200, "GET", "/crm/v3/objects/contacts", nil)
	c.srv.InjectFault(Fault{Method: "GET", Latency: 30 * time.Millisecond})
	start := time.Now()
	c.must(200, "GET", "/crm/v3/objects/contacts", nil)
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("latency fault took %v", d)
	}
}

func TestOAuth(t *testing.T) {
	for _, tokenPath := range []string{"/oauth/v1/token", "/oauth/2026-03/token", "/oauth/v3/token"} {
		t.Run(tokenPath, func(t *testing.T) {
			c := newClient(t, Options{OAuth: &OAuthClient{ClientID: "cid", ClientSecret: "secret"}})
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			// The authorize page is on app.hubspot.com, outside the API documents.
			auth := c.direct + "/oauth/authorize?" + url.Values{"client_id": {"cid"}, "redirect_uri": {"http://127.0.0.1:9/callback"},
				"scope": {"crm.objects.contacts.read oauth"}, "state": {"xyz"}}.Encode()
			resp, err := noRedirect.Get(auth)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			loc, _ := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || loc.Path != "/callback" || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
				t.Fatalf("authorize = %d %s", resp.StatusCode, loc)
			}
			form := func(v url.Values) reply {
				base := c.base
				if v.Get("grant_type") == "password" {
					base = c.direct // the documents forbid this grant type
				}
				req, _ := http.NewRequestWithContext(t.Context(), "POST", base+tokenPath, strings.NewReader(v.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var r reply
				r.status = resp.StatusCode
				r.raw, _ = io.ReadAll(resp.Body)
				r.body = decodeMap(t, r.raw)
				return r
			}
			exchange := url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {"http://127.0.0.1:9/callback"},
				"client_id": {"cid"}, "client_secret": {"secret"}}
			r := form(exchange)
			if r.status != 200 || r.body["expires_in"] != 1800.0 || str(r.body["refresh_token"]) == "" || str(r.body["token_type"]) != "bearer" {
				t.Fatalf("code exchange = %d %s", r.status, r.raw)
			}
			if r := form(exchange); r.status != 400 || str(r.body["status"]) != "BAD_AUTH_CODE" {
				t.Errorf("second use of the code = %d %s", r.status, r.raw)
			}
			c.token = str(r.body["access_token"])
			refresh := str(r.body["refresh_token"])
			lr := c.must(200, "GET", "/crm/v3/objects/contacts", nil)
			if lr.header.Get("X-HubSpot-RateLimit-Max") != "110" || lr.header.Get("X-HubSpot-RateLimit-Daily") != "" {
				t.Errorf("OAuth rate-limit headers = %v", lr.header)
			}
			c.srv.ExpireAccessTokens()
			if r := c.must(401, "GET", "/crm/v3/objects/contacts", nil); str(r.body["category"]) != "EXPIRED_AUTHENTICATION" {
				t.Errorf("expired token = %s", r.raw)
			}
			r = form(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cid"}, "client_secret": {"secret"}})
			if r.status != 200 {
				t.Fatalf("refresh = %d %s", r.status, r.raw)
			}
			c.token = str(r.body["access_token"])
			c.must(200, "GET", "/crm/v3/objects/contacts", nil)

			for name, v := range map[string]url.Values{
				"BAD_REFRESH_TOKEN": {"grant_type": {"refresh_token"}, "refresh_token": {"nope"}, "client_id": {"cid"}, "client_secret": {"secret"}},
				"BAD_CLIENT_SECRET": {"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"cid"}, "client_secret": {"wrong"}},
				"BAD_CLIENT_ID":     {"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {"x"}, "client_secret": {"secret"}},
				"BAD_GRANT_TYPE":    {"grant_type": {"password"}, "client_id": {"cid"}, "client_secret": {"secret"}},
			} {
				if r := form(v); r.status != 400 || str(r.body["status"]) != name || str(r.body["error"]) == "" {
					t.Errorf("%s: %d %s", name, r.status, r.raw)
				}
			}
		})
	}
}

func decodeMap(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := jsonUnmarshal(raw, &m); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	return m
}

func TestSeedTimestamps(t *testing.T) {
	c := newClient(t, Options{})
	seeded(t, c, `{"objects": {"deals": [{"id": "5", "properties": {"dealname": "Old", "dealstage": "closedwon"},
	  "createdAt": "2025-01-02T03:04:05Z", "updatedAt": "2025-06-01T00:00:00.250Z"}]}}`)
	r := c.must(200, "GET", "/crm/v3/objects/deals/5", nil)
	p := props(r.body)
	if r.body["createdAt"] != "2025-01-02T03:04:05.000Z" || r.body["updatedAt"] != "2025-06-01T00:00:00.250Z" ||
		p["createdate"] != "2025-01-02T03:04:05.000Z" || p["hs_lastmodifieddate"] != "2025-06-01T00:00:00.250Z" {
		t.Errorf("seeded timestamps = %s", r.raw)
	}
	if err := New(Options{}).Seed(strings.NewReader(`{"objects": {"deals": [{"properties": {}, "createdAt": "2025-02-01T00:00:00Z", "updatedAt": "2025-01-01T00:00:00Z"}]}}`)); err == nil {
		t.Error("Seed accepted updatedAt before createdAt")
	}
}

func TestIssueTokens(t *testing.T) {
	c := newClient(t, Options{})
	access, refresh := c.srv.IssueTokens()
	c.token = access
	c.must(200, "GET", "/crm/v3/objects/contacts", nil)
	if refresh == "" || access == c.srv.Token() {
		t.Errorf("IssueTokens() = %q, %q", access, refresh)
	}
}

// Concurrent writers get distinct ids; run with -race.
func TestConcurrentWrites(t *testing.T) {
	c := newDirectClient(t, Options{Limits: Limits{Burst: -1}})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 5 {
				var in []map[string]any
				for j := range 10 {
					in = append(in, map[string]any{"properties": map[string]any{"email": fmt.Sprintf("w%d-%d-%d@example.com", w, i, j)}, "associations": []any{}})
				}
				if r := c.do("POST", "/crm/v3/objects/contacts/batch/create", inputs(in...)); r.status != 201 {
					t.Errorf("batch create = %d %s", r.status, r.raw)
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, o := range c.srv.Objects("contacts") {
		seen[o.ID] = true
	}
	if len(seen) != 200 {
		t.Errorf("%d distinct contacts; want 200", len(seen))
	}
}
