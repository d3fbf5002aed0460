// Package connectors is the contract between the kopla engine and the systems it
// reads from and writes to.
//
// A connector kind (hubspot, eaccounting, file, ...) is described by a [Factory]:
// the settings of its `connection "<kind>" "<name>" { ... }` block and a
// constructor. A [Connector] is one configured connection; it offers named
// [Object]s (contacts, customers, orders, ...), each with a [Schema].
//
// Every capability beyond the schema is a small optional interface found by
// type assertion: [Reader], [Finder], [Getter], [Writer], plus the
// connection-level [Discoverer], [LoginFlow] and [Closer]. The engine never
// sees HTTP: connectors own paths, paging, auth, rate limits, retries and the
// decoding of errors into the typed errors of this package.
//
// Values in a [Record] are plain Go values of the JSON family, so that
// connectors, the engine and the expression language agree without
// conversion: string, float64, int64, bool, nil, []any and map[string]any.
// Dates are "2006-01-02" strings and date-times RFC 3339 strings in UTC.
package connectors
