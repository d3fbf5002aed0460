package hubspottest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestPropertiesWithHistory: reads that ask for propertiesWithHistory get
// each value with its timestamp and sourceType, newest first (SPEC
// ValueWithTimestamp), on GET, list and batch read.
func TestPropertiesWithHistory(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func() { mu.Lock(); now = now.Add(time.Minute); mu.Unlock() }
	c := newClient(t, Options{Clock: clock})
	seeded(t, c, `{"objects": {"products": [{"id": "7", "properties": {"name": "Teapot", "price": "300"}}]}}`)

	id := str(c.must(201, "POST", "/crm/v3/objects/contacts", create(map[string]any{"email": "a@example.com", "firstname": "Anna"})).body["id"])
	advance()
	c.must(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"firstname": "Anne"}})
	advance()
	c.must(200, "PATCH", "/crm/v3/objects/contacts/"+id, map[string]any{"properties": map[string]any{"firstname": "Anne", "email": "anne@example.com"}})

	type entry struct{ Value, Timestamp, SourceType string }
	want := map[string][]entry{
		"firstname": {{"Anne", "2026-03-01T12:01:00.000Z", "API"}, {"Anna", "2026-03-01T12:00:00.000Z", "API"}},
		"email":     {{"anne@example.com", "2026-03-01T12:02:00.000Z", "API"}, {"a@example.com", "2026-03-01T12:00:00.000Z", "API"}},
	}
	decode := func(t *testing.T, o any) map[string][]entry {
		t.Helper()
		m, _ := o.(map[string]any)["propertiesWithHistory"].(map[string]any)
		out := map[string][]entry{}
		for name, list := range m {
			for _, e := range list.([]any) {
				e := e.(map[string]any)
				out[name] = append(out[name], entry{str(e["value"]), str(e["timestamp"]), str(e["sourceType"])})
			}
		}
		return out
	}
	r := c.must(200, "GET", "/crm/v3/objects/contacts/"+id+"?propertiesWithHistory=firstname,email,jobtitle", nil)
	if diff := cmp.Diff(want, decode(t, r.body)); diff != "" {
		t.Errorf("GET (-want +got):\n%s", diff)
	}
	r = c.must(200, "POST", "/crm/v3/objects/contacts/batch/read", map[string]any{"inputs": []any{map[string]string{"id": id}},
		"properties": []string{"email"}, "propertiesWithHistory": []string{"firstname", "email"}})
	if diff := cmp.Diff(want, decode(t, results(r)[0])); diff != "" {
		t.Errorf("batch read (-want +got):\n%s", diff)
	}
	r = c.must(200, "GET", "/crm/v3/objects/contacts?propertiesWithHistory=firstname", nil)
	if diff := cmp.Diff(want["firstname"], decode(t, results(r)[0])["firstname"]); diff != "" {
		t.Errorf("list (-want +got):\n%s", diff)
	}
	if r := c.must(200, "GET", "/crm/v3/objects/contacts/"+id, nil); r.body["propertiesWithHistory"] != nil {
		t.Errorf("a read without propertiesWithHistory got one: %s", r.raw)
	}

	r = c.must(200, "GET", "/crm/v3/objects/products/7?propertiesWithHistory=name", nil)
	if got := decode(t, r.body)["name"]; len(got) != 1 || got[0].SourceType != "IMPORT" {
		t.Errorf("seeded history = %v; want one IMPORT value", got)
	}
	li := str(c.must(201, "POST", "/crm/v3/objects/line_items", create(map[string]any{"hs_product_id": "7", "quantity": "2"})).body["id"])
	r = c.must(200, "GET", "/crm/v3/objects/line_items/"+li+"?propertiesWithHistory=amount,quantity", nil)
	got := decode(t, r.body)
	if len(got["amount"]) != 1 || got["amount"][0] != (entry{"600", "2026-03-01T12:02:00.000Z", "CALCULATED"}) || got["quantity"][0].SourceType != "API" {
		t.Errorf("line item history = %v; want amount 600 CALCULATED, quantity API", got)
	}
}

// TestHistoryListPage: a list asking for histories returns at most 50
// records a page.
func TestHistoryListPage(t *testing.T) {
	c := newClient(t, Options{})
	var companies []map[string]any
	for i := range 60 {
		companies = append(companies, map[string]any{"id": fmt.Sprint(i + 1), "properties": map[string]string{"name": fmt.Sprint("Co ", i)}})
	}
	seed := map[string]any{"objects": map[string]any{"companies": companies}}
	raw, _ := jsonMarshal(seed)
	seeded(t, c, string(raw))
	r := c.must(200, "GET", "/crm/v3/objects/companies?limit=100&propertiesWithHistory=name", nil)
	if n := len(results(r)); n != maxHistoryPage || r.body["paging"] == nil {
		t.Errorf("page of %d with paging %v; want %d and a next page", n, r.body["paging"], maxHistoryPage)
	}
}
