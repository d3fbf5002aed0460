package hubspottest

import "net/http"

// productValues are the product properties HubSpot copies into a line item
// created with hs_product_id, when the create does not give them itself.
// Custom properties that exist on both products and line items are copied
// too (see inheritProduct).
var productValues = []string{"name", "description", "price", "hs_sku", "hs_cost_of_goods_sold",
	"hs_recurring_billing_period", "recurringbillingfrequency"}

// inheritProduct fills a new line item's missing values from its product,
// as HubSpot does; amount and the other calculated values follow in change.
// A product that does not exist fails the create.
func (s *Server) inheritProduct(t *objectType, props map[string]string) *apiError {
	id := props["hs_product_id"]
	if t.name != "line_items" || id == "" {
		return nil
	}
	products := lookupType("products")
	product := s.live(products, id)
	if product == nil {
		return newError(http.StatusBadRequest, "VALIDATION_ERROR", "Product with id %s does not exist; hs_product_id must be the id of a product", id)
	}
	copyValue := func(name string) {
		if v := product.props[name]; v != "" && props[name] == "" && s.def(t, name) != nil {
			props[name] = v
		}
	}
	for _, name := range productValues {
		copyValue(name)
	}
	for name, def := range s.props[products.name] {
		if def.HubspotDefined || def.Archived {
			continue
		}
		if li := s.def(t, name); li != nil && !li.HubspotDefined && !li.readOnly() {
			copyValue(name)
		}
	}
	return nil
}
