package hubspottest

import (
	"slices"
	"testing"
)

// TestDefaultPropertyGroups: each object lists its own default groups
// (SPEC crm-properties-v3.json CollectionResponsePropertyGroupNoPaging;
// HubSpot names them per object, e.g. contactinformation), and every
// built-in property is in one of them.
func TestDefaultPropertyGroups(t *testing.T) {
	want := map[string][]string{
		"contacts":   {"contactinformation", "emailinformation", "conversioninformation", "socialmediainformation", "analyticsinformation", "contact_activity", "salesforceinformation"},
		"companies":  {"companyinformation", "socialmediainformation", "analyticsinformation", "company_activity", "salesforceinformation"},
		"deals":      {"dealinformation", "deal_activity", "deal_revenue", "analyticsinformation", "salesforceinformation"},
		"products":   {"productinformation"},
		"line_items": {"lineiteminformation"},
		"orders":     {"orderinformation"},
		"invoices":   {"invoiceinformation"},
	}
	for _, st := range styles {
		c := newClient(t, Options{})
		for typ, names := range want {
			var got []string
			for _, g := range results(c.must(200, "GET", st.props+"/"+typ+"/groups", nil)) {
				got = append(got, str(g.(map[string]any)["name"]))
			}
			if !slices.Equal(got, names) {
				t.Errorf("%s %s groups = %v; want %v", st.name, typ, got, names)
			}
			for _, p := range results(c.must(200, "GET", st.props+"/"+typ, nil)) {
				if group := str(p.(map[string]any)["groupName"]); !slices.Contains(got, group) {
					t.Errorf("%s property %v is in group %q, which %s does not list", typ, p.(map[string]any)["name"], group, typ)
				}
			}
		}
		if g := c.must(200, "GET", st.props+"/line_items/groups/lineiteminformation", nil); g.body["label"] != "Line item information" {
			t.Errorf("lineiteminformation = %s", g.raw)
		}
	}
}
