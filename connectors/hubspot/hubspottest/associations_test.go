package hubspottest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const assocSeed = `{"objects": {
  "contacts": [{"id": "1", "properties": {"email": "a@example.com"}}, {"id": "2", "properties": {"email": "b@example.com"}}],
  "companies": [{"id": "7", "properties": {"name": "Acme"}}],
  "deals": [{"id": "20", "properties": {"dealname": "D", "dealstage": "closedwon"}}]}}`

func assocTo(id string, typeID int) map[string]any {
	return map[string]any{"to": map[string]any{"id": id}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": typeID}}}
}

func TestInlineAssociations(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			seeded(t, c, assocSeed)
			r := c.must(201, "POST", st.objects+"/orders", map[string]any{
				"properties":   map[string]any{"hs_order_name": "Order 1"},
				"associations": []any{assocTo("1", 507), assocTo("7", 509)},
			})
			order := str(r.body["id"])
			if got := c.srv.Associations("orders", order, "contacts", "1"); !slices.Equal(got, []int{507}) {
				t.Errorf("order->contact types = %v; want [507]", got)
			}
			if got := c.srv.Associations("contacts", "1", "orders", order); !slices.Equal(got, []int{508}) {
				t.Errorf("contact->order types = %v; want [508]", got)
			}
			// A primary association brings the unlabelled one along.
			if got := c.srv.Associations("0-123", order, "0-2", "7"); !slices.Equal(got, []int{509, 934}) {
				t.Errorf("order->company types = %v; want [509 934]", got)
			}
			r = c.must(200, "GET", st.objects+"/orders/"+order+"?associations=contacts,companies", nil)
			want := map[string]any{
				"contacts":  map[string]any{"results": []any{map[string]any{"id": "1", "type": "order_to_contact"}}},
				"companies": map[string]any{"results": []any{map[string]any{"id": "7", "type": "order_to_company"}, map[string]any{"id": "7", "type": "order_to_company_unlabeled"}}},
			}
			if diff := cmp.Diff(want, r.body["associations"]); diff != "" {
				t.Errorf("associations on read (-want +got):\n%s", diff)
			}

			for _, bad := range []map[string]any{assocTo("1", 279), assocTo("999", 507)} {
				before := len(c.srv.Objects("orders"))
				r = c.must(400, "POST", st.objects+"/orders", map[string]any{"properties": map[string]any{"hs_order_name": "Bad"}, "associations": []any{bad}})
				if len(c.srv.Objects("orders")) != before || str(r.body["category"]) != "VALIDATION_ERROR" {
					t.Errorf("bad association %v: %s", bad, r.raw)
				}
			}
		})
	}
}

func TestAssociationsV4(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			seeded(t, c, assocSeed)
			r := c.must(200, "PUT", st.v4+"/deals/20/associations/default/contacts/1", nil)
			if len(results(r)) != 2 {
				t.Errorf("default association = %s", r.raw)
			}
			r = c.must(201, "POST", st.assoc+"/contacts/companies/batch/create", map[string]any{"inputs": []any{
				map[string]any{"from": map[string]any{"id": "1"}, "to": map[string]any{"id": "7"}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}}},
			}})
			if res := results(r); len(res) != 1 || fmt.Sprint(res[0].(map[string]any)["labels"]) != "[Primary]" {
				t.Errorf("batch create = %s", r.raw)
			}
			r = c.must(207, "POST", st.assoc+"/contacts/companies/batch/create", map[string]any{"inputs": []any{
				map[string]any{"from": map[string]any{"id": "2"}, "to": map[string]any{"id": "7"}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}}},
				map[string]any{"from": map[string]any{"id": "404"}, "to": map[string]any{"id": "7"}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}}},
			}})
			if len(results(r)) != 1 || r.body["numErrors"] != 1.0 {
				t.Errorf("batch create with a missing record = %s", r.raw)
			}
			c.must(400, "POST", st.assoc+"/contacts/companies/batch/create", map[string]any{"inputs": []any{
				map[string]any{"from": map[string]any{"id": "2"}, "to": map[string]any{"id": "7"}, "types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 507}}},
			}})

			r = c.must(207, "POST", st.assoc+"/contacts/companies/batch/read", map[string]any{"inputs": []any{
				map[string]any{"id": "1"}, map[string]any{"id": "2"}, map[string]any{"id": "3"},
			}})
			want := []any{
				map[string]any{"from": map[string]any{"id": "1"}, "to": []any{map[string]any{"toObjectId": "7", "associationTypes": []any{
					map[string]any{"category": "HUBSPOT_DEFINED", "typeId": 1.0, "label": "Primary"},
					map[string]any{"category": "HUBSPOT_DEFINED", "typeId": 279.0},
				}}}},
				map[string]any{"from": map[string]any{"id": "2"}, "to": []any{map[string]any{"toObjectId": "7", "associationTypes": []any{
					map[string]any{"category": "HUBSPOT_DEFINED", "typeId": 279.0},
				}}}},
			}
			if diff := cmp.Diff(want, r.body["results"]); diff != "" {
				t.Errorf("batch read (-want +got):\n%s", diff)
			}
			if r.body["numErrors"] != 1.0 {
				t.Errorf("batch read errors = %v; want one for id 3", r.body["errors"])
			}

			r = c.must(200, "GET", st.v4+"/companies/7/associations/contacts", nil)
			if len(results(r)) != 2 {
				t.Errorf("list = %s", r.raw)
			}
			r = c.must(201, "PUT", st.v4+"/deals/20/associations/companies/7", []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 5}})
			if fmt.Sprint(r.body["labels"]) != "[Primary]" {
				t.Errorf("labelled put = %s", r.raw)
			}
			c.must(400, "PUT", st.v4+"/deals/20/associations/companies/7", []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}})
			c.must(204, "DELETE", st.v4+"/deals/20/associations/companies/7", nil)
			if got := c.srv.Associations("companies", "7", "deals", "20"); len(got) != 0 {
				t.Errorf("after delete: %v", got)
			}
			archived := 204
			if st.name == "2026-03" {
				archived = 200
			}
			c.must(archived, "POST", st.assoc+"/contacts/companies/batch/archive", map[string]any{"inputs": []any{
				map[string]any{"from": map[string]any{"id": "1"}, "to": []any{map[string]any{"id": "7"}}},
			}})
			if got := c.srv.Associations("contacts", "1", "companies", "7"); len(got) != 0 {
				t.Errorf("after batch archive: %v", got)
			}
		})
	}
}

func TestAssociationBatchDefault(t *testing.T) {
	c := newClient(t, Options{})
	seeded(t, c, assocSeed)
	r := c.must(200, "POST", "/crm/v4/associations/deals/contacts/batch/associate/default", map[string]any{"inputs": []any{
		map[string]any{"from": map[string]any{"id": "20"}, "to": map[string]any{"id": "2"}},
	}})
	if len(results(r)) != 2 {
		t.Errorf("batch default = %s", r.raw)
	}
	if got := c.srv.Associations("contacts", "2", "deals", "20"); !slices.Equal(got, []int{4}) {
		t.Errorf("contact->deal = %v; want [4]", got)
	}
}

// TestAssociationLabels lists the HubSpot-defined types of a pair
// (SPEC crm-associations-schema-v4.json: CollectionResponseAssociationSpecWithLabelNoPaging).
func TestAssociationLabels(t *testing.T) {
	type spec struct {
		Category string `json:"category"`
		TypeID   int    `json:"typeId"`
		Label    string `json:"label,omitempty"`
	}
	cases := []struct {
		from, to string
		want     []spec
	}{
		{"contacts", "companies", []spec{{"HUBSPOT_DEFINED", 1, "Primary"}, {"HUBSPOT_DEFINED", 279, ""}}},
		{"companies", "contacts", []spec{{"HUBSPOT_DEFINED", 2, "Primary"}, {"HUBSPOT_DEFINED", 280, ""}}},
		{"orders", "line_items", []spec{{"HUBSPOT_DEFINED", 513, ""}}},
		{"line_items", "orders", []spec{{"HUBSPOT_DEFINED", 514, ""}}},
		{"deals", "companies", []spec{{"HUBSPOT_DEFINED", 5, "Primary"}, {"HUBSPOT_DEFINED", 341, ""}}},
		{"products", "contacts", []spec{}},
	}
	check := func(t *testing.T, c *client, pre string) {
		for _, tc := range cases {
			r := c.must(200, "GET", pre+"/"+tc.from+"/"+tc.to+"/labels", nil)
			var got struct{ Results []spec }
			if err := jsonUnmarshal(r.raw, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got.Results); diff != "" {
				t.Errorf("%s %s -> %s (-want +got):\n%s", pre, tc.from, tc.to, diff)
			}
		}
	}
	for _, pre := range []string{"/crm/associations/v4", "/crm/associations/2026-03"} {
		check(t, newClient(t, Options{}), pre)
	}
	// The guides' path, which no OpenAPI document describes.
	check(t, newDirectClient(t, Options{}), "/crm/v4/associations")
}
