package hubspot

// objectLabels are the label templates of the built-in objects
// (connectors.Schema.Label): how the plan, the log and trace name a
// record read from HubSpot.
var objectLabels = map[string]string{
	"contacts":   `{firstname} {lastname} <{email:email}>`,
	"companies":  `company {hs_object_id} "{name}"`,
	"deals":      `deal {hs_object_id} "{dealname}"`,
	"orders":     `order {hs_object_id} "{hs_order_name}"`,
	"products":   `product {hs_sku} "{name}"`,
	"line_items": `line item {hs_object_id} "{name}"`,
	"invoices":   `invoice {hs_object_id}`,
}
