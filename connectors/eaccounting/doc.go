// Package eaccounting is the kopla connector for Visma eAccounting (eEkonomi,
// eRegnskap; "Bokföring & Fakturering") API v2.
//
// [New] returns the factory of the "eaccounting" connection kind:
//
//	connection "eaccounting" "books" {
//	  client_id     = env("EACCOUNTING_CLIENT_ID")
//	  client_secret = env("EACCOUNTING_CLIENT_SECRET")
//	  # scopes, base_url, identity_url, refresh_token, rate_limit: optional
//	}
//
// # Authentication
//
// `kopla login <connection>` runs the OAuth2 authorization-code flow against
// identity_url/connect/authorize (with prompt=select_account, so that the
// user picks the company, and PKCE) and a redirect listener on the local
// machine, and stores the token in <state dir>/eaccounting/<connection>/token.json
// with mode 0600. Every refresh is serialised and its (rotated) refresh
// token saved before use: a rotating refresh token works once. A refused
// refresh token (invalid_grant) is a [connectors.ErrAuth] telling the user
// to run kopla login again. For headless use (CI, the sandbox) the
// refresh_token setting seeds the store when it holds no token.
//
// Visma only redirects to registered redirect URIs: register
// http://localhost:<port>/callback for the application and give kopla
// login the same address to listen on (localhost:<port>); the callback URL
// keeps the host as given.
//
// # Objects
//
// Sales objects: customers, articles, orders, customerinvoicedrafts (all
// readable and writable) and customerinvoices (read, with PaymentStatus,
// RemainingAmount, PaymentDate). Reference data, readable by flows and by
// find(): vatcodes, termsofpayments, deliverymethods, deliveryterms, units,
// articleaccountcodings, accounts (read and found in the current fiscal
// year; an account's ID is "<fiscal year id>/<number>", by which Get reaches
// any year), costcenters,
// costcenteritems (the items of all cost centers), projects, customerlabels,
// articlelabels, countries, currencies, fiscalyears and companysettings (one
// record). Field names are the API's (PascalCase); order and draft Rows are
// lists of row objects.
//
// Reads page with $pagesize=1000. Objects with a change timestamp
// (ChangedUtc or ModifiedUtc) read incrementally: the cursor holds the
// server's Meta.ServerTimeUtc at the start of the read, the next read
// filters from one minute before it (customer invoices with their
// documented modifiedSinceUtc parameter) and drops the records of that
// overlap it already returned. Finds batch many values into one $filter or, when that
// would take more calls, read the whole list and match locally.
//
// # Actions
//
// eAccounting has actions beside create and update. They are pseudo-fields
// that a flow writes like any other field, so that plans show them and
// re-running a flow is idempotent, because reading gives back their state:
//
//   - orders.Shipped (bool): reads true once Status is 3 (shipped) or 4
//     (invoiced). Writing true on an ongoing order sets Status 3 and
//     ShippedDateTime (today unless given).
//   - orders.Invoiced (bool): reads true once Status is 4. Writing true
//     converts the order into a booked customer invoice
//     (POST /v2/orders/{id}/convert).
//   - customerinvoicedrafts.Invoiced (bool): reads false (a draft that
//     exists is not invoiced). Writing true converts the draft into a booked
//     customer invoice (POST /v2/customerinvoicedrafts/{id}/convert); the
//     draft is gone afterwards.
//
// The actions run after the create or update of the same write. The write's
// result then carries InvoiceId, the created invoice. Writing false where the
// state is already true is refused: eAccounting cannot undo these actions.
// When an action fails after its record was stored, the write's result
// holds both the stored record and the error, so the record is not created
// again.
//
// # Limits and failures
//
// Requests go through the shared REST core (connectors/rest). Every
// endpoint (method and path template) gets its own rolling budget of
// rate_limit requests per minute (600, the documented limit; a 429's
// "maximum admitted N per Minute" replaces it), paced at the limit, so
// normal runs never see 429. A 429 (ErrorCode 4010) still
// waits as told (Retry-After, or "Try again in N seconds") and retries;
// 5xx answers and timeouts of reads and updates are retried with jittered
// backoff; a 401 refreshes the token once. eAccounting has no idempotency
// keys, so a create whose answer was lost is looked up by the write's key
// field before it is retried. A body lacking a field the API requires is
// refused before it is sent, naming every missing field (rows included:
// "Rows[1].IsTextRow"). Errors are *connectors.APIError values with
// the API's ErrorCode, DeveloperErrorMessage, ErrorId and per-field
// messages.
package eaccounting
