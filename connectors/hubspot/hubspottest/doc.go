// Package hubspottest is an in-memory HubSpot account served over HTTP, for
// the HubSpot connector's tests and for `kopla sandbox`.
//
// It implements the CRM object, batch, search, properties and v4
// associations endpoints in both path styles (/crm/v3/objects/... and
// /crm/objects/2026-03/...), Bearer authentication, the OAuth token and
// authorize endpoints, and HubSpot's rate limits, with HubSpot's answer
// shapes and its documented quirks: the whole batch is rejected when one
// input has an invalid value, search lags writes (Options.SearchIndexDelay)
// and stops at 10,000 results, contacts are unique by email.
//
// A test starts one with NewTestServer, seeds it with Seed, points the
// client at the base URL with Server.Token, and inspects the outcome with
// Object, Objects, Associations and Requests. InjectFault makes requests
// fail, hang or lose their answer after the write committed.
//
// Seed reads JSON of this shape (every part optional):
//
//	{
//	  "properties": {"contacts": [{"name": "visma_id", "label": "Visma id", "type": "string",
//	                               "fieldType": "text", "groupName": "visma_sync", "hasUniqueValue": true}]},
//	  "objects": {"contacts": [{"id": "2", "properties": {"email": "a@example.com"},
//	                            "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-02-01T00:00:00Z"}],
//	              "orders": [{"id": "1", "properties": {"hs_order_name": "Order 1"}}]},
//	  "associations": [{"from": "orders/1", "to": "contacts/2", "typeId": 507}]
//	}
//
// Ids, createdAt, updatedAt and archived are optional on seeded objects.
//
// Where HubSpot and its OpenAPI documents disagree, answers follow the
// documents when a contract check would fail otherwise: v4 association
// results carry toObjectId as a string (HubSpot sends a number), and
// Options.OmitNullProperties drops the nulls HubSpot sends for requested
// properties without a value.
//
// It also serves the association labels of each pair (HubSpot's own types),
// the pipelines API (read only: the default deal pipeline and an order
// pipeline, whose stages dealstage and hs_pipeline_stage are checked
// against), each object's default property groups, propertiesWithHistory
// on reads, and line items created with hs_product_id that take the
// product's values. Lookups by unique values, EQ/IN search filters and
// association reads use indexes (see index.go), not scans.
//
// Known differences from HubSpot: there are no webhooks, owners,
// user-defined association labels or pipeline writes; the order pipeline's
// ids are the fake's own; required properties on create are not enforced; a
// search filter on a property that does not exist matches nothing; seeded
// records are stored as given (a seeded line item does not take its
// product's values); ids are small sequential numbers.
package hubspottest
