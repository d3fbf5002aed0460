// Package sandbox runs the HubSpot and eAccounting fakes (hubspottest,
// eaccountingtest) on local ports with a coherent, fictional demo company,
// so that the whole HubSpot <-> eAccounting integration runs in one command
// (`kopla sandbox`, or `-sandbox` on plan and apply) and end-to-end tests
// can run it too (NewTest).
//
// Start seeds both fakes and serves them over HTTP. ConnectionConfig and
// LookupEnv plug into engine.Options: every hubspot and eaccounting
// connection of a project is pointed at the fakes, whatever credentials its
// flow files name, and env() variables of those connections need not be set.
//
// # Demo data
//
// The demo is generated from Options.Seed (DefaultSeed unless set) and the
// clock, so it is the same in every run; testdata/hubspot.json and
// testdata/eaccounting.json show it for the default seed (regenerate them
// with `go test ./sandbox -run TestDemoGolden -update`). All names are
// invented; e-mail addresses are on example.com and example.org.
//
// HubSpot (ids are numbers by range):
//   - 20 companies (2001-2020) in SE, FI, DE, DK, NO and US, each with two
//     contacts; 10 private persons without company; 50 contacts in all
//     (1001-1050), associated with their company by the primary
//     contact-company association (type 1). Contacts and companies carry
//     the country as a name ("Sweden"), as HubSpot's forms store it.
//   - 30 products (3001-3030) with hs_sku ART-1001..ART-1030, price (SEK,
//     excluding VAT), description, hs_cost_of_goods_sold, hs_product_type
//     (inventory, non_inventory, service) and, for stock goods, gtin and
//     stock_quantity.
//   - 20 orders (4001-4020) from the web shop "Kopla Demo Store", with line
//     items (5001-; order-line item type 513), the buyer contact (507) and
//     company (509, primary): hs_payment_status paid (12), pending (3),
//     failed (2), refunded (2) and partially_refunded (1);
//     hs_fulfillment_status, hs_currency_code (SEK, EUR, DKK, NOK, USD),
//     hs_exchange_rate (SEK per unit), hs_subtotal_price, hs_shipping_cost
//     with hs_shipping_method (standard, express, pickup), hs_tax,
//     hs_order_discount with hs_discount_codes, hs_total_price, and billing
//     and shipping addresses (hs_billing_address_*, hs_shipping_address_*;
//     country as an ISO code). Line items carry price, quantity, hs_sku,
//     hs_product_id, a discount (hs_discount_percentage or discount, a unit
//     amount) on some, and hs_tax_rate and hs_tax_amount where VAT applies
//     (Swedish buyers and EU private persons).
//   - Three orders show special cases: 4001 is bought by a contact whose
//     company already is eAccounting customer 1001 (same e-mail address:
//     update instead of duplicate); 4002 by a private person who already is
//     customer 1002, with a gift wrap line that has no HubSpot product
//     (SKU PRESENTINSLAGNING); with Options.BadRecord that line's SKU is
//     longer than the 40 characters an eAccounting article number may
//     have, the demo's one bad record (a per-record error at plan); 4003 is
//     a guest order with no contact and no e-mail (the default debtor,
//     customer 1000).
//   - 4 deals (6001-6004) of Swedish companies, closedwon, contractsent and
//     presentationscheduled, with service and goods line items (type 19).
//
// Custom HubSpot properties (group "kopla") the flows read and write back:
//   - contacts, companies: eaccounting_customer_number (text, unique)
//   - companies: vat_number (text)
//   - contacts, companies: eaccounting_cost_center, eaccounting_cost_unit
//     (text; some companies have them, the ShortNames of cost centre items)
//   - products: gtin (text, unique), stock_quantity (number)
//   - orders: eaccounting_order_number (text, unique),
//     eaccounting_invoice_number (text), eaccounting_payment_status
//     (enumeration: unpaid, overdue, paid)
//   - invoices: eaccounting_invoice_id (text, unique)
//
// A project's schemas know custom properties after `kopla init` has
// discovered them (here: from the sandbox).
//
// eAccounting: the fake's demo company (SeedDemoCompany: VAT codes, terms
// of payment, units, article account codings with revenue accounts,
// accounts, delivery methods and terms, cost centres, projects, labels),
// plus:
//   - customers 1000 (Diverse webbkunder, the default debtor), 1001 and
//     1002 (matching HubSpot contacts by e-mail), 1003-1005 (not in HubSpot);
//   - articles ART-1001..ART-1006 (HubSpot SKUs; ART-1003 at an older
//     price), ART-2001..ART-2003 (not in HubSpot) and FRAKT (freight);
//   - five customer invoices: two paid, one partly paid and overdue, one
//     overdue and one open, for the invoice-status flow.
//
// They are created through the fake's own API at start (see
// seedEAccounting), so totals, VAT and OCR numbers are the fake's, with
// stable ids.
//
// # Rate limits and tokens
//
// The fakes enforce the real rate limits unless Options.Limits says
// otherwise. The eAccounting refresh token of Credentials stays valid for
// the sandbox's life (non-rotating), so it can be given to any number of
// connections and runs.
package sandbox
