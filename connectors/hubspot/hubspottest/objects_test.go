package hubspottest

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func create(properties map[string]any) map[string]any {
	return map[string]any{"properties": properties, "associations": []any{}}
}

func TestObjectLifecycle(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			r := c.must(201, "POST", st.objects+"/contacts", create(map[string]any{"email": "Anna@Example.com", "firstname": "Anna"}))
			id := str(r.body["id"])
			p := props(r.body)
			if id == "" || str(p["hs_object_id"]) != id || str(p["email"]) != "anna@example.com" || str(p["createdate"]) == "" || str(p["lastmodifieddate"]) == "" {
				t.Fatalf("create answer = %s", r.raw)
			}
			if _, err := time.Parse(time.RFC3339, str(r.body["createdAt"])); err != nil || r.body["archived"] != false {
				t.Errorf("create answer timestamps/archived = %s", r.raw)
			}

			r = c.must(200, "GET", st.objects+"/contacts/"+id, nil)
			if got := props(r.body); str(got["firstname"]) != "Anna" || str(got["email"]) != "anna@example.com" || got["lastname"] != nil {
				t.Errorf("default read = %v", got)
			}
			r = c.must(200, "GET", st.objects+"/0-1/"+id+"?properties=email,phone", nil)
			if got := props(r.body); str(got["email"]) != "anna@example.com" || got["phone"] != nil || got["firstname"] != nil {
				t.Errorf("read with properties = %v", got)
			}
			r = c.must(200, "GET", st.objects+"/contacts/ANNA@example.com?idProperty=email&properties=firstname", nil)
			if str(r.body["id"]) != id {
				t.Errorf("read by email = %s", r.raw)
			}

			c.must(200, "PATCH", st.objects+"/contacts/"+id, map[string]any{"properties": map[string]any{"lastname": "Svensson", "firstname": ""}})
			c.must(200, "PATCH", st.objects+"/contacts/anna@example.com?idProperty=email", map[string]any{"properties": map[string]any{"phone": "+46 70 000 00 00"}})
			got, _ := c.srv.Object("contacts", id)
			if got["lastname"] != "Svensson" || got["phone"] != "+46 70 000 00 00" {
				t.Errorf("stored after updates = %v", got)
			}
			if _, ok := got["firstname"]; ok {
				t.Errorf("empty string did not clear firstname: %v", got)
			}

			c.must(204, "DELETE", st.objects+"/contacts/"+id, nil)
			r = c.must(404, "GET", st.objects+"/contacts/"+id, nil)
			if str(r.body["category"]) != "OBJECT_NOT_FOUND" || str(r.body["correlationId"]) == "" {
				t.Errorf("404 body = %s", r.raw)
			}
			r = c.must(200, "GET", st.objects+"/contacts/"+id+"?archived=true", nil)
			if r.body["archived"] != true || str(r.body["archivedAt"]) == "" {
				t.Errorf("archived read = %s", r.raw)
			}
			c.must(404, "PATCH", st.objects+"/contacts/"+id, map[string]any{"properties": map[string]any{"lastname": "X"}})
		})
	}
}

func TestNullProperties(t *testing.T) {
	for _, omit := range []bool{false, true} {
		t.Run(fmt.Sprint("omit=", omit), func(t *testing.T) {
			c := newDirectClient(t, Options{OmitNullProperties: omit})
			id := str(c.must(201, "POST", "/crm/v3/objects/contacts", create(map[string]any{"email": "n@example.com"})).body["id"])
			want := map[string]any{"email": "n@example.com", "phone": nil}
			if omit {
				delete(want, "phone")
			}
			paths := []string{"/crm/v3/objects/contacts/" + id + "?properties=email,phone,not_a_property", "/crm/v3/objects/contacts?properties=email,phone"}
			for _, path := range paths {
				r := c.must(200, "GET", path, nil)
				got := props(r.body)
				if got == nil {
					got = props(results(r)[0])
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("GET %s properties (-want +got):\n%s", path, diff)
				}
			}
		})
	}
}

func TestListPaging(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			for i := range 25 {
				c.must(201, "POST", st.objects+"/companies", create(map[string]any{"name": fmt.Sprintf("Company %02d", i)}))
			}
			c.must(204, "DELETE", st.objects+"/companies/"+c.srv.Objects("companies")[3].ID, nil)
			var names []string
			path := st.objects + "/companies?limit=10&properties=name"
			pages := 0
			for {
				r := c.must(200, "GET", path, nil)
				pages++
				for _, o := range results(r) {
					names = append(names, str(props(o)["name"]))
				}
				paging, _ := r.body["paging"].(map[string]any)
				if paging == nil {
					break
				}
				next := paging["next"].(map[string]any)
				link, err := url.Parse(str(next["link"]))
				if err != nil || link.Query().Get("after") != str(next["after"]) || link.Query().Get("limit") != "10" {
					t.Errorf("paging link %q does not carry after %q", next["link"], next["after"])
				}
				if pages == 1 {
					// The link leads back to the fake.
					if got := c.must(200, "GET", strings.TrimPrefix(str(next["link"]), "http://"+link.Host), nil); len(results(got)) != 10 {
						t.Errorf("following the link gave %s", got.raw)
					}
				}
				path = st.objects + "/companies?limit=10&properties=name&after=" + url.QueryEscape(str(next["after"]))
			}
			if pages != 3 || len(names) != 24 || names[3] != "Company 04" {
				t.Errorf("paged %d pages, %d names: %v", pages, len(names), names)
			}
			r := c.must(200, "GET", st.objects+"/companies?archived=true", nil)
			if len(results(r)) != 1 {
				t.Errorf("archived list = %s", r.raw)
			}
		})
	}
	c := newDirectClient(t, Options{})
	c.must(400, "GET", "/crm/v3/objects/contacts?limit=101", nil)
	r := c.must(400, "GET", "/crm/v3/objects/widgets", nil)
	if !strings.Contains(str(r.body["message"]), "widgets") {
		t.Errorf("unknown type message = %s", r.raw)
	}
}

func TestContactEmailUnique(t *testing.T) {
	c := newClient(t, Options{})
	r := c.must(201, "POST", "/crm/v3/objects/contacts", create(map[string]any{"email": "erik@example.com"}))
	id := str(r.body["id"])
	r = c.must(409, "POST", "/crm/v3/objects/contacts", create(map[string]any{"email": "ERIK@example.com"}))
	if str(r.body["category"]) != "CONFLICT" || str(r.body["message"]) != "Contact already exists. Existing ID: "+id {
		t.Errorf("conflict body = %s", r.raw)
	}
	if n := len(c.srv.Objects("contacts")); n != 1 {
		t.Errorf("%d contacts stored; want 1", n)
	}
}

func TestPropertyValidation(t *testing.T) {
	cases := []struct {
		name  string
		typ   string
		props map[string]any
		code  string // "" = valid
		field string
	}{
		{"unknown property", "contacts", map[string]any{"shoe_size": "42"}, "PROPERTY_DOESNT_EXIST", "shoe_size"},
		{"enumeration option", "contacts", map[string]any{"lifecyclestage": "Customer"}, "INVALID_OPTION", "lifecyclestage"},
		{"enumeration ok", "contacts", map[string]any{"lifecyclestage": "customer"}, "", ""},
		{"thousands separator", "deals", map[string]any{"dealname": "D", "dealstage": "closedwon", "amount": "5,333,222"}, "INVALID_INTEGER", "amount"},
		{"date not midnight", "line_items", map[string]any{"hs_recurring_billing_start_date": "1635535865000"}, "INVALID_DATE", "hs_recurring_billing_start_date"},
		{"date midnight ms", "line_items", map[string]any{"hs_recurring_billing_start_date": "1767225600000"}, "", ""},
		{"date ISO", "line_items", map[string]any{"hs_recurring_billing_start_date": "2026-01-31"}, "", ""},
		{"datetime garbage", "deals", map[string]any{"dealname": "D", "dealstage": "closedwon", "closedate": "next week"}, "INVALID_DATETIME", "closedate"},
		{"datetime ms", "deals", map[string]any{"dealname": "D", "dealstage": "closedwon", "closedate": "1767225600123"}, "", ""},
		{"bool", "orders", map[string]any{"hs_order_name": "O", "hs_buyer_accepts_marketing": "yes"}, "INVALID_BOOLEAN", "hs_buyer_accepts_marketing"},
		{"read only", "contacts", map[string]any{"hs_object_id": "5"}, "READ_ONLY_VALUE", "hs_object_id"},
		{"email", "contacts", map[string]any{"email": "not-an-email"}, "INVALID_EMAIL", "email"},
	}
	c := newClient(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/crm/v3/objects/"+tc.typ, create(tc.props))
			if tc.code == "" {
				if r.status != 201 {
					t.Fatalf("status = %d %s; want 201", r.status, r.raw)
				}
				return
			}
			if r.status != 400 || str(r.body["category"]) != "VALIDATION_ERROR" || !strings.HasPrefix(str(r.body["message"]), "Property values were not valid: [") {
				t.Fatalf("answer = %d %s; want 400 VALIDATION_ERROR", r.status, r.raw)
			}
			errs, _ := r.body["errors"].([]any)
			if len(errs) != 1 {
				t.Fatalf("errors = %v", r.body["errors"])
			}
			e := errs[0].(map[string]any)
			field := e["context"].(map[string]any)["propertyName"].([]any)[0]
			if e["code"] != tc.code || field != tc.field {
				t.Errorf("error = %v; want code %s for %s", e, tc.code, tc.field)
			}
		})
	}
}

// HubSpot also takes numbers, booleans and null as property values,
// although its documents declare strings.
func TestNonStringValues(t *testing.T) {
	c := newDirectClient(t, Options{})
	r := c.must(201, "POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": "D", "dealstage": "closedwon", "amount": 12.5, "description": nil}})
	id := str(r.body["id"])
	c.must(200, "PATCH", "/crm/v3/objects/orders/"+str(c.must(201, "POST", "/crm/v3/objects/orders", create(map[string]any{"hs_order_name": "O"})).body["id"]),
		map[string]any{"properties": map[string]any{"hs_buyer_accepts_marketing": true}})
	if p, _ := c.srv.Object("deals", id); p["amount"] != "12.5" || p["pipeline"] != "default" {
		t.Errorf("stored deal = %v", p)
	}
	c.must(400, "POST", "/crm/v3/objects/deals", map[string]any{"properties": map[string]any{"dealname": []any{"x"}}})

	r = c.must(201, "POST", "/crm/v3/objects/deals", create(map[string]any{"dealname": " Spaced ", "dealstage": "closedwon", "amount": " 7 ", "closedate": " 2026-01-31 "}))
	if p := props(r.body); p["dealname"] != " Spaced " || p["amount"] != "7" || p["closedate"] != "2026-01-31T00:00:00.000Z" {
		t.Errorf("blanks: %v", p)
	}
}

func TestLineItemAmounts(t *testing.T) {
	c := newClient(t, Options{})
	r := c.must(201, "POST", "/crm/v3/objects/line_items", create(map[string]any{"name": "Widget", "quantity": "3", "price": "10.50", "hs_discount_percentage": "10"}))
	p := props(r.body)
	if p["amount"] != "28.35" || p["hs_pre_discount_amount"] != "31.5" || p["hs_total_discount"] != "3.15" {
		t.Errorf("amounts = %v", p)
	}
	r = c.must(400, "POST", "/crm/v3/objects/line_items", create(map[string]any{"amount": "5"}))
	if !strings.Contains(string(r.raw), "READ_ONLY_VALUE") {
		t.Errorf("writing amount = %s", r.raw)
	}
}

func TestAuth(t *testing.T) {
	c := newClient(t, Options{Token: "pat-test"})
	if c.srv.Token() != "pat-test" {
		t.Fatalf("Token() = %q", c.srv.Token())
	}
	for _, tok := range []string{"", "wrong"} {
		c.token = tok
		r := c.must(401, "GET", "/crm/v3/objects/contacts", nil)
		if str(r.body["category"]) != "INVALID_AUTHENTICATION" || str(r.body["status"]) != "error" {
			t.Errorf("401 body = %s", r.raw)
		}
	}
	generated := New(Options{}).Token()
	if len(generated) < 20 || generated == New(Options{}).Token() {
		t.Errorf("generated tokens %q are not random", generated)
	}
	if c.srv.Requests("GET /crm/v3/objects/{objectType}") != 2 || c.srv.Requests("*") != 2 {
		t.Errorf("counters = %d, %d", c.srv.Requests("GET /crm/v3/objects/{objectType}"), c.srv.Requests("*"))
	}
}

func TestRequestCounters(t *testing.T) {
	c := newClient(t, Options{})
	c.must(201, "POST", "/crm/v3/objects/0-1", create(map[string]any{"email": "a@example.com"}))
	c.must(200, "POST", "/crm/objects/2026-03/contacts/batch/read", map[string]any{"inputs": []any{}, "properties": []any{}, "propertiesWithHistory": []any{}})
	c.must(404, "GET", "/crm/v3/objects/contacts/999", nil)
	for key, want := range map[string]int{
		"POST /crm/v3/objects/{objectType}":                 1,
		"POST /crm/v3/objects/contacts":                     1,
		"POST /crm/objects/2026-03/{objectType}/batch/read": 1,
		"POST /crm/objects/2026-03/contacts/batch/read":     1,
		"GET /crm/v3/objects/{objectType}/{objectId}":       1,
		"GET /crm/v3/objects/contacts/{objectId}":           1,
		"*": 3,
	} {
		if got := c.srv.Requests(key); got != want {
			t.Errorf("Requests(%q) = %d; want %d", key, got, want)
		}
	}
	c.srv.ResetCounters()
	if got := c.srv.Requests("*"); got != 0 {
		t.Errorf("after reset Requests(*) = %d", got)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	c := newDirectClient(t, Options{})
	c.must(http.StatusMethodNotAllowed, "PUT", "/crm/v3/objects/contacts", nil)
	c.must(404, "GET", "/crm/v3/nothing", nil)
}
