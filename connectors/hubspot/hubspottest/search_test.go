package hubspottest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// searchSeed has deals with numbers, dates, enumerations and text.
const searchSeed = `{
  "objects": {"deals": [
    {"id": "1", "properties": {"dealname": "Alpha licence", "dealstage": "closedwon", "amount": "100", "closedate": "2026-01-10T00:00:00Z", "deal_currency_code": "SEK"}},
    {"id": "2", "properties": {"dealname": "Beta support", "dealstage": "closedlost", "amount": "250.5", "closedate": "2026-02-10T12:00:00Z"}},
    {"id": "3", "properties": {"dealname": "Gamma licence", "dealstage": "contractsent", "amount": "75", "deal_currency_code": "EUR"}},
    {"id": "4", "properties": {"dealname": "Delta", "dealstage": "closedwon", "amount": "1000", "closedate": "2026-03-01T00:00:00.000Z"}}
  ],
  "contacts": [
    {"id": "10", "properties": {"email": "anna@example.com", "firstname": "Anna"}},
    {"id": "11", "properties": {"email": "bo@example.org", "firstname": "Bo"}}
  ]}
}`

// noSearchLimit lifts the 5/s search limit for tests that search a lot.
var noSearchLimit = Limits{Search: -1}

func searchBody(groups [][]map[string]any, sorts []string, props []string, limit int, after string) map[string]any {
	fg := []any{}
	for _, g := range groups {
		fs := []any{}
		for _, f := range g {
			fs = append(fs, f)
		}
		fg = append(fg, map[string]any{"filters": fs})
	}
	if sorts == nil {
		sorts = []string{}
	}
	if props == nil {
		props = []string{}
	}
	return map[string]any{"filterGroups": fg, "sorts": sorts, "properties": props, "limit": limit, "after": after}
}

func f(prop, op string, value ...string) map[string]any {
	m := map[string]any{"propertyName": prop, "operator": op}
	switch op {
	case "IN", "NOT_IN":
		m["values"] = value
	case "BETWEEN":
		m["value"], m["highValue"] = value[0], value[1]
	case "HAS_PROPERTY", "NOT_HAS_PROPERTY":
	default:
		m["value"] = value[0]
	}
	return m
}

func ids(r reply) []string {
	var out []string
	for _, o := range results(r) {
		out = append(out, str(o.(map[string]any)["id"]))
	}
	return out
}

func TestSearchOperators(t *testing.T) {
	ms := func(s string) string {
		tm, _ := time.Parse(time.RFC3339, s)
		return fmt.Sprint(tm.UnixMilli())
	}
	cases := []struct {
		name   string
		typ    string
		groups [][]map[string]any
		want   []string
	}{
		{"no filters", "deals", nil, []string{"1", "2", "3", "4"}},
		{"EQ enumeration", "deals", [][]map[string]any{{f("dealstage", "EQ", "closedwon")}}, []string{"1", "4"}},
		{"EQ enumeration is case-sensitive", "deals", [][]map[string]any{{f("dealstage", "EQ", "CLOSEDWON")}}, nil},
		{"EQ string ignores case", "deals", [][]map[string]any{{f("dealname", "EQ", "delta")}}, []string{"4"}},
		{"NEQ includes unset", "deals", [][]map[string]any{{f("deal_currency_code", "NEQ", "SEK")}}, []string{"2", "3", "4"}},
		{"GT number", "deals", [][]map[string]any{{f("amount", "GT", "100")}}, []string{"2", "4"}},
		{"GTE number", "deals", [][]map[string]any{{f("amount", "GTE", "100")}}, []string{"1", "2", "4"}},
		{"LT number", "deals", [][]map[string]any{{f("amount", "LT", "100")}}, []string{"3"}},
		{"LTE number compares numerically", "deals", [][]map[string]any{{f("amount", "LTE", "250.5")}}, []string{"1", "2", "3"}},
		{"BETWEEN dates in ms", "deals", [][]map[string]any{{f("closedate", "BETWEEN", ms("2026-01-01T00:00:00Z"), ms("2026-02-28T00:00:00Z"))}}, []string{"1", "2"}},
		{"GTE date as ISO", "deals", [][]map[string]any{{f("closedate", "GTE", "2026-02-10T12:00:00Z")}}, []string{"2", "4"}},
		{"IN enumeration", "deals", [][]map[string]any{{f("dealstage", "IN", "closedlost", "contractsent")}}, []string{"2", "3"}},
		{"IN string needs lowercase", "deals", [][]map[string]any{{f("dealname", "IN", "Delta")}}, nil},
		{"IN string lowercase", "deals", [][]map[string]any{{f("dealname", "IN", "delta")}}, []string{"4"}},
		{"NOT_IN", "deals", [][]map[string]any{{f("dealstage", "NOT_IN", "closedwon")}}, []string{"2", "3"}},
		{"HAS_PROPERTY", "deals", [][]map[string]any{{f("closedate", "HAS_PROPERTY")}}, []string{"1", "2", "4"}},
		{"NOT_HAS_PROPERTY", "deals", [][]map[string]any{{f("closedate", "NOT_HAS_PROPERTY")}}, []string{"3"}},
		{"CONTAINS_TOKEN word", "deals", [][]map[string]any{{f("dealname", "CONTAINS_TOKEN", "licence")}}, []string{"1", "3"}},
		{"CONTAINS_TOKEN wildcard", "contacts", [][]map[string]any{{f("email", "CONTAINS_TOKEN", "*@example.org")}}, []string{"11"}},
		{"NOT_CONTAINS_TOKEN", "deals", [][]map[string]any{{f("dealname", "NOT_CONTAINS_TOKEN", "licence")}}, []string{"2", "4"}},
		{"AND in a group", "deals", [][]map[string]any{{f("dealstage", "EQ", "closedwon"), f("amount", "GT", "500")}}, []string{"4"}},
		{"OR of groups", "deals", [][]map[string]any{{f("dealname", "EQ", "alpha licence")}, {f("amount", "LT", "80")}}, []string{"1", "3"}},
		{"hs_object_id", "deals", [][]map[string]any{{f("hs_object_id", "GT", "2")}}, []string{"3", "4"}},
	}
	c := newClient(t, Options{Limits: noSearchLimit})
	seeded(t, c, searchSeed)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.must(200, "POST", "/crm/v3/objects/"+tc.typ+"/search", searchBody(tc.groups, nil, nil, 100, ""))
			if diff := cmp.Diff(tc.want, ids(r)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if r.body["total"] != float64(len(tc.want)) {
				t.Errorf("total = %v; want %d", r.body["total"], len(tc.want))
			}
		})
	}
}

func TestSearchShape(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{Limits: noSearchLimit})
			seeded(t, c, searchSeed)
			r := c.must(200, "POST", st.objects+"/deals/search", searchBody(nil, []string{"-amount"}, []string{"dealname", "closedate"}, 2, ""))
			if diff := cmp.Diff([]string{"4", "2"}, ids(r)); diff != "" {
				t.Errorf("sorted ids (-want +got):\n%s", diff)
			}
			if got := props(results(r)[0]); got["dealname"] != "Delta" || len(got) != 2 {
				t.Errorf("properties = %v; want dealname and closedate only", got)
			}
			next := r.body["paging"].(map[string]any)["next"].(map[string]any)["after"]
			r = c.must(200, "POST", st.objects+"/deals/search", searchBody(nil, []string{"-amount"}, []string{"dealname"}, 2, str(next)))
			if diff := cmp.Diff([]string{"1", "3"}, ids(r)); diff != "" || r.body["paging"] != nil {
				t.Errorf("second page %s (-want +got):\n%s", r.raw, diff)
			}
			r = c.must(200, "POST", st.objects+"/deals/search", searchBody(nil, []string{"amount"}, nil, 1, ""))
			if got := props(results(r)[0]); got["dealname"] != "Gamma licence" || got["hs_lastmodifieddate"] == nil {
				t.Errorf("default properties = %v", got)
			}
		})
	}
}

func TestSearchSortObjectsAndQuery(t *testing.T) {
	c := newDirectClient(t, Options{})
	seeded(t, c, searchSeed)
	r := c.must(200, "POST", "/crm/v3/objects/deals/search", map[string]any{
		"sorts": []any{map[string]any{"propertyName": "amount", "direction": "DESCENDING"}}, "limit": 1})
	if diff := cmp.Diff([]string{"4"}, ids(r)); diff != "" {
		t.Errorf("object sort (-want +got):\n%s", diff)
	}
	r = c.must(200, "POST", "/crm/v3/objects/contacts/search", map[string]any{"query": "ann"})
	if diff := cmp.Diff([]string{"10"}, ids(r)); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}

func TestSearchLimits(t *testing.T) {
	c := newClient(t, Options{Limits: noSearchLimit})
	seeded(t, c, searchSeed)
	group := func(n int) []map[string]any {
		var g []map[string]any
		for range n {
			g = append(g, f("amount", "GT", "1"))
		}
		return g
	}
	cases := []struct {
		name string
		body map[string]any
	}{
		{"6 groups", searchBody([][]map[string]any{group(1), group(1), group(1), group(1), group(1), group(1)}, nil, nil, 10, "")},
		{"7 filters in a group", searchBody([][]map[string]any{group(7)}, nil, nil, 10, "")},
		{"19 filters", searchBody([][]map[string]any{group(4), group(4), group(4), group(4), group(3)}, nil, nil, 10, "")},
		{"limit 201", searchBody(nil, nil, nil, 201, "")},
		{"after 10000", searchBody(nil, nil, nil, 10, "10000")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.must(400, "POST", "/crm/v3/objects/deals/search", tc.body)
			if str(r.body["category"]) != "VALIDATION_ERROR" {
				t.Errorf("body = %s", r.raw)
			}
		})
	}
	c.must(200, "POST", "/crm/v3/objects/deals/search", searchBody([][]map[string]any{group(6), group(6), group(6)}, nil, nil, 200, "9990"))
}

func TestSearchTenThousandCap(t *testing.T) {
	c := newDirectClient(t, Options{Limits: noSearchLimit})
	var b strings.Builder
	b.WriteString(`{"objects": {"products": [`)
	for i := range 10050 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"properties": {"name": "p%d"}}`, i)
	}
	b.WriteString(`]}}`)
	seeded(t, c, b.String())
	r := c.must(200, "POST", "/crm/v3/objects/products/search", searchBody(nil, nil, []string{"name"}, 200, "9800"))
	if r.body["total"] != 10050.0 || len(results(r)) != 200 || r.body["paging"] != nil {
		t.Errorf("last page before the cap: total %v, %d results, paging %v", r.body["total"], len(results(r)), r.body["paging"])
	}
	c.must(400, "POST", "/crm/v3/objects/products/search", searchBody(nil, nil, nil, 10, "10000"))
}

func TestSearchIndexDelay(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := newClient(t, Options{SearchIndexDelay: 2 * time.Second, Clock: clock, Limits: noSearchLimit})
	find := func(name string) []string {
		r := c.must(200, "POST", "/crm/v3/objects/companies/search", searchBody([][]map[string]any{{f("name", "EQ", name)}}, nil, nil, 10, ""))
		return ids(r)
	}
	r := c.must(201, "POST", "/crm/v3/objects/companies", create(map[string]any{"name": "Acme"}))
	id := str(r.body["id"])
	if got := find("Acme"); len(got) != 0 {
		t.Errorf("found %v before the index caught up", got)
	}
	advance(2 * time.Second)
	if got := find("Acme"); !slices.Equal(got, []string{id}) {
		t.Errorf("after the delay found %v; want [%s]", got, id)
	}
	c.must(200, "PATCH", "/crm/v3/objects/companies/"+id, map[string]any{"properties": map[string]any{"name": "Acme AB"}})
	advance(time.Second)
	if got, renamed := find("Acme"), find("Acme AB"); len(got) != 1 || len(renamed) != 0 {
		t.Errorf("during the delay old name finds %v, new name %v; want the old version", got, renamed)
	}
	r = c.must(200, "POST", "/crm/v3/objects/companies/search", searchBody(nil, nil, []string{"name"}, 10, ""))
	if o := results(r)[0].(map[string]any); o["updatedAt"] != o["createdAt"] || props(o)["name"] != "Acme" {
		t.Errorf("indexed version = %s; want the one written at creation", r.raw)
	}
	advance(time.Second)
	c.must(204, "DELETE", "/crm/v3/objects/companies/"+id, nil)
	if got := find("Acme AB"); len(got) != 1 {
		t.Errorf("just-archived record gone from search at once: %v", got)
	}
	advance(2 * time.Second)
	if got := find("Acme AB"); len(got) != 0 {
		t.Errorf("archived record still found: %v", got)
	}
}

func TestSearchAssociationFilter(t *testing.T) {
	c := newClient(t, Options{})
	seeded(t, c, `{"objects": {"orders": [{"id": "1", "properties": {"hs_order_name": "A"}}, {"id": "2", "properties": {"hs_order_name": "B"}}],
	  "contacts": [{"id": "5", "properties": {"email": "c@example.com"}}]},
	  "associations": [{"from": "orders/2", "to": "contacts/5", "typeId": 507}]}`)
	r := c.must(200, "POST", "/crm/v3/objects/orders/search", searchBody([][]map[string]any{{f("associations.contact", "EQ", "5")}}, nil, nil, 10, ""))
	if diff := cmp.Diff([]string{"2"}, ids(r)); diff != "" {
		t.Errorf("association filter (-want +got):\n%s", diff)
	}
}
