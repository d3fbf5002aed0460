// Package eaccountingtest is an in-memory Visma eAccounting API v2 with its
// identity server, for the eAccounting connector's tests and `kopla sandbox`.
//
// One http.Handler serves the API under /v2/... and the identity server
// under /connect/... with the paths, PascalCase JSON shapes, status codes and
// error bodies of the real service, as described by the Swagger "Visma
// eAccounting API V2" (shared/specs) and shared/reference/eaccounting-api.md:
//
//   - Identity: GET /connect/authorize (redirects at once with a single-use
//     code valid five minutes; prompt and acr_values are ignored; PKCE plain
//     and S256), POST /connect/token (authorization_code and refresh_token,
//     form-encoded, client_secret_basic or client_secret_post; refresh
//     tokens rotate unless Options.ReusableRefreshTokens, and a spent one is
//     400 invalid_grant), POST /connect/revocation. Access tokens expire
//     after Options.AccessTokenTTL; the API answers 401 (ErrorCode 4005)
//     without a valid bearer token and 403 (4006) without the scopes an
//     endpoint needs.
//   - Customers, articles, customer and article labels: list, create, get,
//     full-replace PUT (omitted properties become null, or false/0 for
//     non-nullable ones) and, where the API has it, DELETE. Unique
//     CustomerNumber and article Number (409, ErrorCode 4000), generated
//     customer numbers, VatNumber format (4025), references that must exist
//     (3000), net and gross prices that must agree with the VAT rate of the
//     article's account coding.
//   - Orders (numbered when not a draft; POST /v2/orders/{id}/convert books
//     an invoice; the current API's /completed, /voided and
//     /converteddrafttoorder, which the 2023 Swagger lacks, move the status), customer invoice drafts (POST .../{id}/convert books a
//     numbered invoice, checking optional expected totals), customer
//     invoices (POST books one directly; payments; RemainingAmount and
//     PaymentStatus, overdue after the due date). Amounts are computed per
//     row, VAT per rate, totals rounded to whole kronor.
//   - Reference data: VAT codes, terms of payment, units, article account
//     codings, accounts per fiscal year, fiscal years, delivery methods and
//     terms, cost centres and items, projects, countries, currencies, bank
//     accounts, company settings.
//   - Lists: the Meta/Data page envelope with $page (1-based) and $pagesize
//     (default 50, at most 1000), $orderby, $select and an OData $filter
//     subset (eq ne gt ge lt le, and or not, parentheses, startswith
//     endswith contains length tolower toupper trim year month day hour
//     minute second round floor ceiling, Rows/any and /all lambdas, string
//     literals with doubled-quote escapes, numbers, true false null, unquoted GUIDs and
//     date-times, guid'…' and datetime'…'); a bad query is 400 with
//     ErrorCode 6000. A request URI longer than Options.MaxURLLength (2048)
//     is 414.
//   - Per-endpoint rate limit (600 a minute by default) answered with 429
//     and ErrorCode 4010 "API calls quota exceeded! …".
//
// For tests: Requests counts requests per endpoint ("POST /v2/customers",
// "GET /v2/customers/{customerId}", "*" for all), InjectFault makes
// requests fail, wait or lose their answer after the write
// (DropAfterCommit), ExpireAccessTokens, IssueRefreshToken,
// IssueAccessToken, PayInvoice, Seed and SeedDemoCompany (a fictional
// Swedish company whose most used IDs are the Demo* constants).
//
// Deliberate differences from the real service:
//   - null properties are left out of responses rather than sent as null:
//     the Swagger declares no property nullable, and a JSON client sees the
//     same thing either way;
//   - GET /v2/vatcodes/{id} answers one VatCodeApi, as the current API does,
//     where the 2023 Swagger declares a page;
//   - DELETE answers 200 with an empty body, as the current API's OpenAPI
//     document declares, where the 2023 Swagger declares an object;
//   - only the endpoints a sales integration needs are served; strings
//     compare case-insensitively in filters and uniqueness checks, as the
//     API's database collation does.
package eaccountingtest
