// Package hubspot is the kopla connector for the HubSpot CRM API.
//
// # Connection
//
//	connection "hubspot" "shop" {
//	  token = env("HUBSPOT_TOKEN")   # private app or service key
//	  # or, for an OAuth app (then run `kopla login hubspot.shop`):
//	  # oauth {
//	  #   client_id     = env("HUBSPOT_CLIENT_ID")
//	  #   client_secret = env("HUBSPOT_CLIENT_SECRET")
//	  #   scopes        = ["crm.objects.contacts.read", "crm.objects.contacts.write"]
//	  #   redirect_port = 8976   # register http://127.0.0.1:8976/callback in the app
//	  # }
//	  api_version = "2026-03"         # or "v3": only the request paths differ
//	}
//
// OAuth tokens live in .kopla/hubspot/<connection>/token.json (mode 0600);
// access tokens are refreshed before they expire and once after a 401, and
// every refreshed token is written back. `kopla init` (Discover) caches the
// account's properties, custom ones included, in
// .kopla/hubspot/<connection>/properties.json; the schemas then carry their
// types, enumeration options and uniqueness (hasUniqueValue makes a field a
// unique key). The custom properties a project's flows rely on can also be
// declared in the connection block, so that the project validates offline
// (in CI, before kopla init) and says in version control what the account
// must have:
//
//	property {
//	  object = "orders"
//	  name   = "eaccounting_order_number"
//	  type   = "string"   # string, number, bool, date, datetime, enumeration (with options)
//	  unique = true
//	}
//
// What kopla init discovers takes precedence over a declaration.
//
// # Objects
//
// contacts, companies, deals, line_items, products, orders, invoices, taxes,
// discounts and fees. Values are converted from HubSpot's strings: numbers to
// float64, booleans to bool, dates to "2006-01-02", date-times to RFC 3339 in
// UTC; an empty property is nil. Written values go back as HubSpot expects
// them (dates YYYY-MM-DD, date-times epoch milliseconds, enumeration values
// checked against the known options).
//
// Keys: hs_object_id (every object), email (contacts, unique,
// case-insensitive) and every property with hasUniqueValue are found by batch
// reads; hs_sku (products, line items), domain and name (companies), dealname
// (deals), hs_order_name and hs_external_order_id (orders) are not unique and
// are found by search, so a value can match several records.
//
// # Associations
//
// A read can include associated records: `include = ["line_items",
// "contacts"]` puts under each name a list of maps holding the associated
// record's "id" and properties. A list read asks for the associated IDs
// inline (associations=; at most 100 per record and type, past which that
// record's are read with the v4 batch association API), so an include costs
// one object batch read per page; a search (incremental) or batch read
// answers no associations, and there an include costs two batch calls per
// page. Never one call per record. Includes by object:
//
//	contacts    companies, deals, invoices, orders
//	companies   contacts, deals, invoices, orders
//	deals       companies, contacts, invoices, line_items, orders
//	orders      companies, contacts, deals, discounts, invoices, line_items
//	invoices    companies, contacts, deals, discounts, fees, line_items, orders, taxes
//	line_items  deals, discounts, invoices, orders
//	discounts   invoices, line_items, orders
//	fees, taxes invoices
//
// Creates take associations inline through pseudo-fields (HCL attribute
// names cannot contain dots, hence the prefix), written on create only: put
// them in create_only.
//
//	associate_<object>         list of record IDs of that object (or one ID)
//	associate_primary_company  one company ID (contacts, deals, orders)
//
// with the same object names as the includes (associate_contacts,
// associate_orders, ...). They use HubSpot's unlabelled HUBSPOT_DEFINED
// association types, for example line item -> deal 20, line item -> order
// 514, line item -> invoice 410, deal -> contact 3, deal -> company 341,
// order -> contact 507, order -> company 934; the primary company is type 1
// (contact), 5 (deal) or 509 (order). A custom property with one of these
// names is shadowed. So a line item is created on its order with
//
//	create_only {
//	  associate_orders = "[ensured.order.hs_object_id]"
//	}
//
// # Reads
//
// A read without cursor lists everything (100 per page) and returns the
// newest modification time as cursor. A read with a cursor searches for
// records modified since (hs_lastmodifieddate; lastmodifieddate on
// contacts), oldest first, restarting each page from the last time seen so
// that the 10,000-result cap of search never applies, within the account's
// search limit of 5 requests per second. Deleted records never show up in
// search: read them with Archived.
//
// # Writes
//
// Writes go in batches of 100, up to 4 batches at once; creates carry an
// objectWriteTraceId per input, so that HubSpot reports failed inputs one by
// one (207) and the others are made. A create whose key is a property
// HubSpot keeps unique (email, a hasUniqueValue property) and that sets no
// associations goes out as a batch upsert by that key: it cannot make a
// duplicate, whether someone created the record meanwhile or an earlier
// attempt's answer was lost, and it can simply be sent again. A batch HubSpot
// refuses as a whole for one bad input is split in halves until that input is
// alone. Updates are by record ID and merge: properties not written keep
// their values.
//
// # Limits and errors
//
// Requests go through the shared REST core (connectors/rest) and are paced
// to rolling budgets at HubSpot's limits: burst (sized from
// X-HubSpot-RateLimit-Max and -Interval-Milliseconds, kept in step with
// -Remaining), search (5 per second), association batches (by the
// account's tier) and the daily quota. The budgets are per connection:
// several processes sharing one account share HubSpot's limits, and the 429
// handling covers what the headers do not tell. A 429 is waited out by its policy
// (TEN_SECONDLY_ROLLING: the window, for every request of the connection;
// SECONDLY: a back-off; Retry-After when given); the DAILY limit stops with a
// *connectors.RateLimitError that names the reset (midnight UTC, as the
// account's time zone is unknown), and so does the next request once
// X-HubSpot-RateLimit-Daily-Remaining said 0. 5xx answers and timeouts are
// retried with jittered exponential back-off, except creates (that are not
// upserts): their answer may be lost after HubSpot made the records, so they
// are looked up by the write's key first and only those not found are sent
// again. Error answers
// become *connectors.APIError with HubSpot's category, correlation ID and
// per-property messages.
//
// Webhook requests are checked with [VerifySignatureV3].
package hubspot
