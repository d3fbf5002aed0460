package hubspottest

import (
	"fmt"
	"strings"
	"testing"
)

// TestListInlineAssociations: a list answers associations= inline, at most
// 100 per record and type, with paging past them that the associations API
// continues; an object type that does not exist is ignored (spec).
func TestListInlineAssociations(t *testing.T) {
	for _, st := range styles {
		t.Run(st.name, func(t *testing.T) {
			c := newClient(t, Options{})
			var items, links []string
			for i := range 130 {
				items = append(items, fmt.Sprintf(`{"id": "%d", "properties": {"name": "i%d", "quantity": "1", "price": "1"}}`, 1000+i, i))
				links = append(links, fmt.Sprintf(`{"from": "orders/1", "to": "line_items/%d", "typeId": 513}`, 1000+i))
			}
			seeded(t, c, `{"objects": {"orders": [{"id": "1", "properties": {"hs_order_name": "big"}}, {"id": "2", "properties": {"hs_order_name": "none"}}],
  "line_items": [`+strings.Join(items, ",")+`]}, "associations": [`+strings.Join(links, ",")+`]}`)
			r := c.must(200, "GET", st.objects+"/orders?limit=10&associations=line_items,no_such_objects", nil)
			res := results(r)
			if len(res) != 2 {
				t.Fatalf("list = %s", r.raw)
			}
			big := res[0].(map[string]any)["associations"].(map[string]any)["line_items"].(map[string]any)
			if n := len(big["results"].([]any)); n != 100 {
				t.Errorf("inline line items = %d; want 100", n)
			}
			next, _ := big["paging"].(map[string]any)["next"].(map[string]any)
			if next["after"] != "100" {
				t.Fatalf("inline paging = %v; want after 100", big["paging"])
			}
			if _, ok := res[1].(map[string]any)["associations"]; ok {
				t.Errorf("an order without associations lists some: %v", res[1])
			}
			rest := c.must(200, "GET", st.v4+"/orders/1/associations/line_items?after=100", nil)
			if n := len(results(rest)); n != 30 {
				t.Errorf("the associations API after the inline 100 = %d; want 30", n)
			}
		})
	}
}
