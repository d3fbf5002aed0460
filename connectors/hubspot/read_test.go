package hubspot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
)

// seedRecords builds a seed of n records per object from props(i).
func seedJSON(t *testing.T, objects map[string][]map[string]string, assocs ...[3]any) string {
	t.Helper()
	type rec struct {
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
	}
	seed := map[string]any{}
	objs := map[string][]rec{}
	for name, list := range objects {
		for i, p := range list {
			id := p["id"]
			if id == "" {
				id = fmt.Sprint(100 + i)
			}
			props := map[string]string{}
			for k, v := range p {
				if k != "id" {
					props[k] = v
				}
			}
			objs[name] = append(objs[name], rec{ID: id, Properties: props})
		}
	}
	seed["objects"] = objs
	var as []map[string]any
	for _, a := range assocs {
		as = append(as, map[string]any{"from": a[0], "to": a[1], "typeId": a[2]})
	}
	if as != nil {
		seed["associations"] = as
	}
	b, err := json.Marshal(seed)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readAll reads everything and returns the records and the cursor.
func readAll(t *testing.T, o *object, req connectors.ReadRequest) ([]connectors.Record, string, int) {
	t.Helper()
	var out []connectors.Record
	pages := 0
	cur, err := o.Read(t.Context(), req, func(p []connectors.Record) error {
		pages++
		out = append(out, p...)
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%+v): %v", req, err)
	}
	return out, cur, pages
}

func ids(recs []connectors.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	sort.Strings(out)
	return out
}

// objectSamples gives, per object, the properties of a seeded record and
// the values the connector must read from them.
var objectSamples = map[string]struct {
	props map[string]string
	want  map[string]any
}{
	"contacts": {map[string]string{"email": "anna%d@example.com", "firstname": "Anna"},
		map[string]any{"firstname": "Anna"}},
	"companies": {map[string]string{"name": "Acme %d", "domain": "acme%d.example.com", "numberofemployees": "12"},
		map[string]any{"numberofemployees": 12.0}},
	"deals": {map[string]string{"dealname": "Deal %d", "amount": "12500.50", "closedate": "2026-09-30T00:00:00.000Z"},
		map[string]any{"amount": 12500.5, "closedate": "2026-09-30T00:00:00Z"}},
	"line_items": {map[string]string{"name": "Line %d", "quantity": "2", "price": "10"},
		map[string]any{"quantity": 2.0, "price": 10.0, "amount": 20.0}},
	"products": {map[string]string{"name": "Widget %d", "price": "99.9", "hs_sku": "SKU-%d"},
		map[string]any{"price": 99.9}},
	"orders": {map[string]string{"hs_order_name": "Order %d", "hs_total_price": "120", "hs_buyer_accepts_marketing": "true"},
		map[string]any{"hs_total_price": 120.0, "hs_buyer_accepts_marketing": true}},
	"invoices": {map[string]string{"hs_currency": "SEK", "hs_invoice_date": "2026-03-01T00:00:00.000Z"},
		map[string]any{"hs_currency": "SEK", "hs_invoice_date": "2026-03-01T00:00:00Z"}},
	"taxes": {map[string]string{"hs_label": "VAT %d", "hs_type": "PERCENT", "hs_value": "25"},
		map[string]any{"hs_type": "PERCENT", "hs_value": 25.0}},
	"discounts": {map[string]string{"hs_label": "Discount %d", "hs_type": "FIXED", "hs_value": "5"},
		map[string]any{"hs_type": "FIXED", "hs_value": 5.0}},
	"fees": {map[string]string{"hs_label": "Fee %d", "hs_type": "FIXED", "hs_value": "49"},
		map[string]any{"hs_value": 49.0}},
}

func TestReadEveryObject(t *testing.T) {
	for _, version := range []string{"2026-03", "v3"} {
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for n := range objectSamples {
				if !yield(n) {
					return
				}
			}
		}) {
			t.Run(version+"/"+name, func(t *testing.T) {
				sample := objectSamples[name]
				var recs []map[string]string
				for i := range 5 {
					p := map[string]string{}
					for k, v := range sample.props {
						if strings.Contains(v, "%d") {
							v = fmt.Sprintf(v, i)
						}
						p[k] = v
					}
					recs = append(recs, p)
				}
				e := newEnv(t, envConfig{version: version, seed: seedJSON(t, map[string][]map[string]string{name: recs}),
					opts: func(o *options) { o.pageSize = 2 }})
				got, cursor, pages := readAll(t, e.object(t, name), connectors.ReadRequest{})
				if diff := cmp.Diff([]string{"100", "101", "102", "103", "104"}, ids(got)); diff != "" {
					t.Errorf("IDs mismatch (-want +got):\n%s", diff)
				}
				if pages != 3 {
					t.Errorf("pages = %d; want 3 (page size 2)", pages)
				}
				prefix := "/crm/objects/2026-03/"
				if version == "v3" {
					prefix = "/crm/v3/objects/"
				}
				if n := e.srv.Requests("GET " + prefix + name); n != 3 {
					t.Errorf("Requests(GET %s%s) = %d; want 3", prefix, name, n)
				}
				for _, r := range got {
					for k, want := range sample.want {
						if diff := cmp.Diff(want, r.Fields[k]); diff != "" {
							t.Errorf("record %s field %s mismatch (-want +got):\n%s", r.ID, k, diff)
						}
					}
					if r.Fields["hs_object_id"] != r.ID {
						t.Errorf("record %s hs_object_id = %v", r.ID, r.Fields["hs_object_id"])
					}
				}
				if _, err := time.Parse(time.RFC3339, cursor); err != nil {
					t.Errorf("cursor %q is not a time: %v", cursor, err)
				}
			})
		}
	}
}

func TestReadSelectsFields(t *testing.T) {
	e := newEnv(t, envConfig{seed: seedJSON(t, map[string][]map[string]string{
		"contacts": {{"email": "anna@example.com", "firstname": "Anna", "lastname": "Svensson"}}})})
	got, _, _ := readAll(t, e.object(t, "contacts"), connectors.ReadRequest{Fields: []string{"email", "companies"}})
	if len(got) != 1 {
		t.Fatalf("read %d records; want 1", len(got))
	}
	if got[0].Fields["email"] != "anna@example.com" {
		t.Errorf("email = %v", got[0].Fields["email"])
	}
	if _, ok := got[0].Fields["lastname"]; ok {
		t.Errorf("lastname read although not asked for: %v", got[0].Fields)
	}
}

func TestReadIncludes(t *testing.T) {
	for _, version := range []string{"2026-03", "v3"} {
		t.Run(version, func(t *testing.T) { testReadIncludes(t, version) })
	}
}

func testReadIncludes(t *testing.T, version string) {
	seed := seedJSON(t, map[string][]map[string]string{
		"orders":     {{"id": "1", "hs_order_name": "Order 1"}, {"id": "2", "hs_order_name": "Order 2"}, {"id": "3", "hs_order_name": "Order 3"}},
		"line_items": {{"id": "11", "name": "A", "quantity": "2", "price": "5"}, {"id": "12", "name": "B", "quantity": "1", "price": "7"}, {"id": "21", "name": "C", "quantity": "3", "price": "1"}},
		"contacts":   {{"id": "31", "email": "buyer@example.com", "firstname": "Bo"}},
	}, [3]any{"orders/1", "line_items/11", 513}, [3]any{"orders/1", "line_items/12", 513},
		[3]any{"orders/2", "line_items/21", 513}, [3]any{"orders/1", "contacts/31", 507}, [3]any{"orders/2", "contacts/31", 507})
	e := newEnv(t, envConfig{seed: seed, version: version})
	e.srv.ResetCounters()
	got, _, _ := readAll(t, e.object(t, "orders"), connectors.ReadRequest{Include: []string{"line_items", "contacts"}})
	objects, assocs := "/crm/objects/2026-03/", "/crm/associations/2026-03/"
	if version == "v3" {
		objects, assocs = "/crm/v3/objects/", "/crm/v4/associations/"
	}
	byID := map[string]connectors.Record{}
	for _, r := range got {
		byID[r.ID] = r
	}
	names := func(id, inc, field string) []any {
		var out []any
		list, ok := byID[id].Fields[inc].([]any)
		if !ok {
			t.Fatalf("order %s: %s = %#v; want a list", id, inc, byID[id].Fields[inc])
		}
		for _, m := range list {
			mm := m.(map[string]any)
			out = append(out, mm["id"].(string)+":"+fmt.Sprint(mm[field]))
		}
		slices.SortFunc(out, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		return out
	}
	if diff := cmp.Diff([]any{"11:A", "12:B"}, names("1", "line_items", "name")); diff != "" {
		t.Errorf("order 1 line items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"21:C"}, names("2", "line_items", "name")); diff != "" {
		t.Errorf("order 2 line items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any(nil), names("3", "line_items", "name")); diff != "" {
		t.Errorf("order 3 line items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"31:buyer@example.com"}, names("1", "contacts", "email")); diff != "" {
		t.Errorf("order 1 contacts (-want +got):\n%s", diff)
	}
	li := byID["1"].Fields["line_items"].([]any)[0].(map[string]any)
	if li["quantity"] != 2.0 && li["quantity"] != 1.0 {
		t.Errorf("included line item quantity = %#v; want a number", li["quantity"])
	}
	// One page of orders: the association IDs come inline with the list
	// (associations=); per include one object batch read, never one call
	// per record.
	for key, want := range map[string]int{
		"POST " + assocs + "orders/line_items/batch/read": 0,
		"POST " + assocs + "orders/contacts/batch/read":   0,
		"POST " + objects + "line_items/batch/read":       1,
		"POST " + objects + "contacts/batch/read":         1,
		"GET " + objects + "orders":                       1,
		"*":                                               3,
	} {
		if got := e.srv.Requests(key); got != want {
			t.Errorf("Requests(%q) = %d; want %d", key, got, want)
		}
	}
	if _, err := e.object(t, "orders").Read(t.Context(), connectors.ReadRequest{Include: []string{"products"}}, func([]connectors.Record) error { return nil }); err == nil ||
		!strings.Contains(err.Error(), "line_items") {
		t.Errorf("include products: error %v; want one naming the possible includes", err)
	}
}

// clock is a settable time source shared by a fake and a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestReadIncremental(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	e := newEnv(t, envConfig{fake: hubspottest.Options{Clock: clk.now, Limits: hubspottest.Limits{Burst: -1, Search: -1}}})
	o := e.object(t, "contacts")
	write := func(ws ...connectors.Write) []connectors.WriteResult {
		t.Helper()
		res := o.Write(t.Context(), ws)
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("write %d: %v", i, r.Err)
			}
		}
		return res
	}
	var created []string
	for i := range 4 {
		res := write(connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": fmt.Sprintf("c%d@example.com", i)}})
		created = append(created, res[0].Record.ID)
		clk.add(time.Second)
	}
	// The cursor is the server's time (Date) at the read, past the newest
	// record: the next read need not go back over what this one saw.
	all, cursor, _ := readAll(t, o, connectors.ReadRequest{})
	if len(all) != 4 || cursor != "2026-11-01T08:00:04.000Z" {
		t.Fatalf("full read: %d records, cursor %q; want 4, 2026-11-01T08:00:04.000Z", len(all), cursor)
	}
	clk.add(time.Minute)
	write(connectors.Write{Action: connectors.Update, ID: created[1], Fields: map[string]any{"firstname": "Changed"}})
	got, next, _ := readAll(t, o, connectors.ReadRequest{Cursor: cursor})
	if diff := cmp.Diff([]string{created[1]}, ids(got)); diff != "" {
		t.Errorf("incremental IDs (-want +got):\n%s", diff)
	}
	if next != "2026-11-01T08:01:04.000Z" {
		t.Errorf("next cursor = %q; want 2026-11-01T08:01:04.000Z", next)
	}
	// The record modified at the cursor instant comes again (GTE): an
	// instant may hold records the previous read did not see yet.
	got, again, _ := readAll(t, o, connectors.ReadRequest{Cursor: next})
	if diff := cmp.Diff([]string{created[1]}, ids(got)); diff != "" || again != next {
		t.Errorf("read from the newest cursor = %v, cursor %q; want only %s and the same cursor", ids(got), again, created[1])
	}
	// An overlap reads what was modified up to that long before the cursor
	// too; the cursor does not go back.
	got, again, _ = readAll(t, o, connectors.ReadRequest{Cursor: next, Overlap: 62 * time.Second})
	if diff := cmp.Diff([]string{created[1], created[2], created[3]}, slices.Sorted(slices.Values(ids(got)))); diff != "" || again != next {
		t.Errorf("read with a 62 s overlap = %v, cursor %q; want %v and the same cursor", ids(got), again, created[1:])
	}
	if _, err := o.Read(t.Context(), connectors.ReadRequest{Cursor: "yesterday"}, func([]connectors.Record) error { return nil }); err == nil {
		t.Error("Read with a cursor that is no time: no error")
	}
}

func TestReadIncrementalPagesPastTies(t *testing.T) {
	// 25 records share one instant, more than a page (10): the read pages
	// through them by ID, then goes on with the later ones, each once.
	clk := &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	var recs []map[string]string
	for i := range 25 {
		recs = append(recs, map[string]string{"id": fmt.Sprint(1000 + i), "email": fmt.Sprintf("t%d@example.com", i)})
	}
	e := newEnv(t, envConfig{fake: hubspottest.Options{Clock: clk.now, Limits: hubspottest.Limits{Burst: -1, Search: -1}},
		seed: seedJSON(t, map[string][]map[string]string{"contacts": recs}),
		opts: func(o *options) { o.searchLimit = 10 }})
	o := e.object(t, "contacts")
	for i := range 12 {
		clk.add(time.Millisecond * time.Duration(1+i%2)) // pairs of equal instants
		if r := o.Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{"email": fmt.Sprintf("later%d@example.com", i)}}}); r[0].Err != nil {
			t.Fatal(r[0].Err)
		}
	}
	got, cursor, _ := readAll(t, o, connectors.ReadRequest{Cursor: "2026-11-01T07:00:00Z"})
	seen := map[string]int{}
	for _, r := range got {
		seen[r.ID]++
	}
	if len(got) != 37 || len(seen) != 37 {
		t.Errorf("read %d records, %d distinct; want 37 once each", len(got), len(seen))
	}
	if want := formatCursor(clk.now().UnixMilli()); cursor != want {
		t.Errorf("cursor = %q; want %q", cursor, want)
	}
}

// searchCap makes the fake refuse search pages from offset cap on, as
// HubSpot does from 10,000: a scaled-down cap.
func searchCap(cap int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/search") {
				body, _ := io.ReadAll(r.Body)
				var req struct {
					After string `json:"after"`
				}
				_ = json.Unmarshal(body, &req)
				if n, _ := strconv.Atoi(req.After); n >= cap {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"status":"error","message":"Paging past %d results is not supported","correlationId":"3d3e35b7-0dae-4b9f-a6e3-9c230cbcf8dd","category":"VALIDATION_ERROR"}`, cap)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestReadIncrementalBeyondSearchCap(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	e := newEnv(t, envConfig{fake: hubspottest.Options{Clock: clk.now, Limits: hubspottest.Limits{Burst: -1, Search: -1}},
		middleware: searchCap(5), opts: func(o *options) { o.searchLimit = 4 }})
	o := e.object(t, "products")
	for i := range 23 {
		clk.add(time.Second)
		if r := o.Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{"name": fmt.Sprint("P", i), "hs_sku": fmt.Sprint("S", i)}}}); r[0].Err != nil {
			t.Fatal(r[0].Err)
		}
	}
	got, _, _ := readAll(t, o, connectors.ReadRequest{Cursor: "2026-11-01T08:00:00Z"})
	if len(got) != 23 {
		t.Errorf("read %d records past a search cap of 5; want all 23", len(got))
	}
}

func TestReadManyPropertiesThroughBatchReads(t *testing.T) {
	var recs []map[string]string
	for i := range 5 {
		recs = append(recs, map[string]string{"id": fmt.Sprint(1 + i), "name": fmt.Sprint("Acme ", i), "city": "Lund"})
	}
	e := newEnv(t, envConfig{seed: seedJSON(t, map[string][]map[string]string{"companies": recs}),
		opts: func(o *options) { o.maxQueryChars = 20; o.pageSize = 2 }})
	e.srv.ResetCounters()
	got, _, _ := readAll(t, e.object(t, "companies"), connectors.ReadRequest{})
	if len(got) != 5 {
		t.Fatalf("read %d records; want 5", len(got))
	}
	for _, r := range got {
		if r.Fields["city"] != "Lund" || !strings.HasPrefix(fmt.Sprint(r.Fields["name"]), "Acme") {
			t.Errorf("record %s = %v", r.ID, r.Fields)
		}
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/companies/batch/read"); n != 3 {
		t.Errorf("batch reads = %d; want one per page (3)", n)
	}
}

func TestReadRetriesTimeouts(t *testing.T) {
	e := newEnv(t, envConfig{seed: seedJSON(t, map[string][]map[string]string{"deals": {{"id": "1", "dealname": "D"}}})})
	deps := e.deps()
	deps.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond}
	conn, err := open(e.config(envConfig{}), deps, fastOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	e.srv.InjectFault(hubspottest.Fault{Method: "GET", PathPrefix: "/crm/objects/2026-03/deals", Latency: time.Second})
	o, _ := conn.Object("deals")
	got, _, _ := readAll(t, o.(*object), connectors.ReadRequest{})
	if len(got) != 1 {
		t.Errorf("read %d deals after a timeout; want 1", len(got))
	}
	if n := e.srv.Requests("GET /crm/objects/2026-03/deals"); n != 2 {
		t.Errorf("list requests = %d; want 2 (timeout, retry)", n)
	}
}

func TestSearchWithManyProperties(t *testing.T) {
	// 120 custom properties make a search body longer than the 3,000
	// characters HubSpot accepts: the search asks for IDs, a batch read
	// for the properties.
	var props []map[string]any
	for i := range 120 {
		props = append(props, map[string]any{"name": fmt.Sprintf("custom_property_number_%03d", i), "label": fmt.Sprint("Custom ", i),
			"type": "string", "fieldType": "text", "groupName": "custom"})
	}
	seed, _ := json.Marshal(map[string]any{"properties": map[string]any{"contacts": props}})
	e := newEnv(t, envConfig{seed: string(seed)})
	if err := e.srv.Seed(strings.NewReader(seedJSON(t, map[string][]map[string]string{"contacts": {
		{"id": "1", "email": "a@example.com", "custom_property_number_077": "x"}}}))); err != nil {
		t.Fatal(err)
	}
	if err := e.conn.Discover(t.Context()); err != nil {
		t.Fatal(err)
	}
	o := e.object(t, "contacts")
	e.srv.ResetCounters()
	got, _, _ := readAll(t, o, connectors.ReadRequest{Cursor: "2020-01-01T00:00:00Z"})
	if len(got) != 1 || got[0].Fields["custom_property_number_077"] != "x" {
		t.Fatalf("incremental read = %v", got)
	}
	found, err := o.Find(t.Context(), "custom_property_number_077", []any{"x"})
	if err != nil || len(found) != 1 || found[0].Fields["email"] != "a@example.com" {
		t.Fatalf("Find by a custom property = %v, %v", found, err)
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/contacts/batch/read"); n != 2 {
		t.Errorf("batch reads = %d; want 2 (one per search page)", n)
	}
}
