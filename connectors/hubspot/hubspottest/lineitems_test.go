package hubspottest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// productSeed is a product with a custom property that line items have too.
const productSeed = `{
  "properties": {
    "products":   [{"name": "visma_article", "label": "Visma article", "type": "string", "fieldType": "text", "groupName": "visma_sync"}],
    "line_items": [{"name": "visma_article", "label": "Visma article", "type": "string", "fieldType": "text", "groupName": "visma_sync"}]
  },
  "objects": {"products": [{"id": "7", "properties": {"name": "Teapot", "price": "300", "hs_sku": "TP-1",
    "description": "Cast iron", "hs_cost_of_goods_sold": "120", "visma_article": "A-7"}}]}
}`

// TestLineItemFromProduct: a line item created with hs_product_id takes
// the product's values it is not given (DOC-lineitems: "values are
// inherited"), and its amount is computed from them.
func TestLineItemFromProduct(t *testing.T) {
	cases := []struct {
		name  string
		given map[string]any
		want  map[string]string
	}{
		{"nothing but the product", map[string]any{"quantity": "2"},
			map[string]string{"name": "Teapot", "price": "300", "hs_sku": "TP-1", "description": "Cast iron",
				"hs_cost_of_goods_sold": "120", "visma_article": "A-7", "amount": "600"}},
		{"own price and a unit discount", map[string]any{"quantity": "3", "price": "250", "discount": "10"},
			map[string]string{"name": "Teapot", "price": "250", "hs_sku": "TP-1", "amount": "720", "hs_total_discount": "30"}},
		{"own name, percentage discount", map[string]any{"name": "Teapot (gift)", "hs_discount_percentage": "10"},
			map[string]string{"name": "Teapot (gift)", "price": "300", "amount": "270"}},
	}
	for _, st := range styles {
		for _, tc := range cases {
			t.Run(st.name+"/"+tc.name, func(t *testing.T) {
				c := newClient(t, Options{})
				seeded(t, c, productSeed)
				in := map[string]any{"hs_product_id": "7"}
				for k, v := range tc.given {
					in[k] = v
				}
				for _, batch := range []bool{false, true} {
					var id string
					if batch {
						r := c.must(201, "POST", st.objects+"/line_items/batch/create", inputs(create(in)))
						id = str(results(r)[0].(map[string]any)["id"])
					} else {
						id = str(c.must(201, "POST", st.objects+"/line_items", create(in)).body["id"])
					}
					got, _ := c.srv.Object("line_items", id)
					for k, want := range tc.want {
						if got[k] != want {
							t.Errorf("batch=%v: %s = %q; want %q (stored %v)", batch, k, got[k], want, got)
						}
					}
				}
			})
		}
	}
}

func TestLineItemFromMissingProduct(t *testing.T) {
	c := newClient(t, Options{})
	r := c.must(400, "POST", "/crm/v3/objects/line_items", create(map[string]any{"hs_product_id": "404", "quantity": "1"}))
	if diff := cmp.Diff("VALIDATION_ERROR", r.body["category"]); diff != "" {
		t.Errorf("category (-want +got):\n%s", diff)
	}
	if n := len(c.srv.Objects("line_items")); n != 0 {
		t.Errorf("%d line items stored; want none", n)
	}
}
