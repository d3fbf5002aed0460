package eaccounting

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// objectKind says how an object's records are reached when it is not a plain
// list endpoint with an item endpoint.
type objectKind uint8

const (
	plainObject    objectKind = iota
	accountsObject            // accounts/{fiscalyearId}: per fiscal year
	itemsObject               // cost center items: nested in costcenters
	singleObject              // companysettings: one record, no list
)

// objectDef describes one object: its endpoints and its schema.
type objectDef struct {
	name     string
	kind     objectKind
	endpoint string // list endpoint (and POST): "customers"
	item     string // item endpoint (GET, PUT): "customers/{id}"; "" when none
	// changed is the change timestamp that incremental reads filter on; ""
	// means the object is always read in full.
	changed string
	// sinceParam, when set, is the query parameter the API documents for
	// incremental reads (customer invoices: modifiedSinceUtc); it is used
	// instead of a $filter on changed.
	sinceParam string
	// filter means Find and Get use the API's $filter; reference data is
	// small and matched client-side instead, from one or two pages.
	filter   bool
	writable bool
	schema   connectors.Schema
	shape    shape // schema's fields by name
	// pseudo are the fields that are not API fields: actions and values
	// derived from them (see the package documentation).
	pseudo map[string]bool
	// twins are pairs of fields that are one value seen two ways (an
	// article's NetPrice and GrossPrice): an update that sets one drops the
	// other from the merged record, so that eAccounting computes it anew
	// instead of refusing a stale pair.
	twins map[string]string
}

// Pseudo-fields of orders and customer invoice drafts.
const (
	fieldShipped   = "Shipped"
	fieldInvoiced  = "Invoiced"
	fieldInvoiceID = "InvoiceId"
)

// Order statuses.
const (
	orderOngoing  = 2
	orderShipped  = 3
	orderInvoiced = 4
)

type overlay struct {
	keys      []string // Key fields
	unique    []string // Key fields the API keeps unique
	sensitive []string // personal data
	// defaults are the values sent on create when a flow writes none
	// (connectors.Field.Default), by field name; "Rows.IsTextRow" names a
	// field of the rows.
	defaults map[string]any
}

// isTextRow is the default of a row's IsTextRow: a row without an article
// is a text row. The API refuses a row that is neither (OrderRowApi:
// ArticleId "can be null if the row is a text row";
// CustomerInvoiceDraftRowApi: ArticleId "required if IsTextRow is false").
var isTextRow connectors.DefaultFunc = func(row map[string]any) any {
	id, _ := row["ArticleId"].(string)
	return row["ArticleId"] == nil || id == ""
}

// Defaults of the flags every sales document and row requires (the
// Swagger's required lists), as nearly every flow would set them: no EU
// triangulation, no reverse charge, no ROT/RUT, no work cost. A flow that
// sets one writes its own value.
var (
	orderDefaults = map[string]any{
		"EuThirdParty":                        false,
		"ReverseChargeOnConstructionServices": false,
		"RotReducedInvoicingType":             int64(0),
		"Rows.IsTextRow":                      isTextRow,
		"Rows.IsWorkCost":                     false,
		"Rows.EligibleForReverseChargeOnVat":  false,
	}
	// ReverseChargeOnConstructionServices is read-only on drafts, and a
	// draft row's IsWorkCost is not required.
	draftDefaults = map[string]any{
		"EuThirdParty":                             false,
		"RotReducedInvoicingType":                  int64(0),
		"Rows.IsTextRow":                           isTextRow,
		"Rows.ReversedConstructionServicesVatFree": false,
	}
)

// personal-data fields of the sales objects
var (
	customerSensitive = []string{
		"Name", "CorporateIdentityNumber", "EmailAddress", "EmailAddressOrder", "EmailAddressQuote",
		"EmailAddresses", "ContactPersonName", "ContactPersonEmail", "ContactPersonPhone",
		"ContactPersonMobile", "Telephone", "MobilePhone", "InvoiceAddress1", "InvoiceAddress2",
		"DeliveryAddress1", "DeliveryAddress2", "DeliveryCustomerName", "Iban", "Note",
		"DirectDebitCustomerSettings",
	}
	documentSensitive = []string{
		"CustomerName", "InvoiceCustomerName", "DeliveryCustomerName", "InvoiceAddress1",
		"InvoiceAddress2", "DeliveryAddress1", "DeliveryAddress2", "YourReference", "OurReference",
		"Persons", "HouseWorkCorporateIdentityNumber", "RotReducedInvoicingOrgNumber", "CustomerEmail",
	}
)

// objectDefs returns the catalogue of objects.
func objectDefs() []*objectDef {
	refKeys := overlay{keys: []string{"Code", "Name"}, unique: []string{"Id"}}
	defs := []*objectDef{
		{name: "customers", endpoint: "customers", item: "customers/{customerId}", changed: "ChangedUtc", filter: true, writable: true,
			schema: build(customersFields(), overlay{
				keys:      []string{"EmailAddress", "CorporateIdentityNumber", "VatNumber", "Name"},
				unique:    []string{"Id", "CustomerNumber"},
				sensitive: customerSensitive,
			})},
		{name: "articles", endpoint: "articles", item: "articles/{articleId}", changed: "ChangedUtc", filter: true, writable: true,
			twins:  map[string]string{"NetPrice": "GrossPrice", "GrossPrice": "NetPrice"},
			schema: build(articlesFields(), overlay{keys: []string{"Name"}, unique: []string{"Id", "Number"}})},
		{name: "orders", endpoint: "orders", item: "orders/{id}", changed: "ModifiedUtc", filter: true, writable: true,
			schema: build(append(ordersFields(),
				connectors.Field{Name: fieldShipped, Type: connectors.TypeBool,
					Description: "true once the order is shipped (Status 3 or 4); writing true marks an ongoing order shipped"},
				connectors.Field{Name: fieldInvoiced, Type: connectors.TypeBool,
					Description: "true once the order is invoiced (Status 4); writing true converts it into a booked customer invoice"},
				connectors.Field{Name: fieldInvoiceID, Type: connectors.TypeString, ReadOnly: true,
					Description: "the invoice a write that set Invoiced created; only in the write's result"},
				termsOfPaymentField, paymentField,
			), overlay{
				keys:      []string{"YourReference", "OurReference", "BuyersOrderReference", "CustomerId"},
				unique:    []string{"Id", "Number"},
				sensitive: documentSensitive,
				defaults:  orderDefaults,
			}),
			pseudo: map[string]bool{fieldShipped: true, fieldInvoiced: true, fieldInvoiceID: true, fieldPayment: true}},
		{name: "customerinvoicedrafts", endpoint: "customerinvoicedrafts", item: "customerinvoicedrafts/{id}", filter: true, writable: true,
			schema: build(append(customerinvoicedraftsFields(),
				connectors.Field{Name: fieldInvoiced, Type: connectors.TypeBool,
					Description: "writing true converts the draft into a booked customer invoice (the draft then no longer exists)"},
				connectors.Field{Name: fieldInvoiceID, Type: connectors.TypeString, ReadOnly: true,
					Description: "the invoice a write that set Invoiced created; only in the write's result"},
				termsOfPaymentField, paymentField,
			), overlay{
				keys:      []string{"YourReference", "OurReference", "BuyersOrderReference", "CustomerId"},
				unique:    []string{"Id"},
				sensitive: documentSensitive,
				defaults:  draftDefaults,
			}),
			pseudo: map[string]bool{fieldInvoiced: true, fieldInvoiceID: true, fieldPayment: true}},
		// Writable for one action only: Payment on an update registers an
		// open invoice as paid (a lost payment answered on a later apply).
		{name: "customerinvoices", endpoint: "customerinvoices", item: "customerinvoices/{invoiceId}", changed: "ModifiedUtc", sinceParam: "modifiedSinceUtc", filter: true, writable: true,
			schema: build(append(readOnlyFields(customerinvoicesFields()), pdfURLField, paymentField), overlay{
				keys:      []string{"YourReference", "OurReference", "BuyersOrderReference", "CustomerId", "CreatedFromOrderId", "CreatedFromDraftId"},
				unique:    []string{"Id", "InvoiceNumber"},
				sensitive: documentSensitive,
			}),
			pseudo: map[string]bool{fieldPdfURL: true, fieldPayment: true}},
		{name: "vatcodes", endpoint: "vatcodes", schema: build(vatcodesFields(), refKeys)},
		{name: "bankaccounts", endpoint: "bankaccounts", item: "bankaccounts/{bankAccountId}",
			schema: build(bankaccountsFields(), overlay{keys: []string{"Name", "LedgerAccountNumber"}, unique: []string{"Id"}})},
		{name: "termsofpayments", endpoint: "termsofpayments", item: "termsofpayments/{id}", schema: build(termsofpaymentsFields(), overlay{keys: []string{"Name", "NameEnglish"}, unique: []string{"Id"}})},
		{name: "deliverymethods", endpoint: "deliverymethods", item: "deliverymethods/{deliveryMethodId}", schema: build(deliverymethodsFields(), refKeys)},
		{name: "deliveryterms", endpoint: "deliveryterms", item: "deliveryterms/{deliveryTermId}", schema: build(deliverytermsFields(), refKeys)},
		{name: "units", endpoint: "units", item: "units/{id}", schema: build(unitsFields(), overlay{keys: []string{"Code", "Name", "Abbreviation"}, unique: []string{"Id"}})},
		{name: "articleaccountcodings", endpoint: "articleaccountcodings", item: "articleaccountcodings/{articleAccountCodingId}", changed: "ChangedUtc",
			schema: build(articleaccountcodingsFields(), overlay{keys: []string{"Name", "NameEnglish"}, unique: []string{"Id"}})},
		{name: "accounts", kind: accountsObject, endpoint: "accounts/{fiscalyearId}", item: "accounts/{fiscalyearId}/{accountNumber}", changed: "ModifiedUtc",
			schema: build(accountsFields(), overlay{keys: []string{"Name"}, unique: []string{"Number"}})},
		{name: "costcenters", endpoint: "costcenters", schema: build(costcentersFields(), overlay{keys: []string{"Name"}, unique: []string{"Id", "Number"}})},
		{name: "costcenteritems", kind: itemsObject, endpoint: "costcenters", item: "costcenteritems/{itemId}",
			schema: build(costcenteritemsFields(), overlay{keys: []string{"Name", "ShortName", "CostCenterId"}, unique: []string{"Id"}})},
		{name: "projects", endpoint: "projects", item: "projects/{id}", changed: "ModifiedUtc",
			schema: build(projectsFields(), overlay{keys: []string{"Name", "CustomerId"}, unique: []string{"Id", "Number"}})},
		{name: "customerlabels", endpoint: "customerlabels", item: "customerlabels/{customerLabelId}", schema: build(customerlabelsFields(), overlay{keys: []string{"Name"}, unique: []string{"Id"}})},
		{name: "articlelabels", endpoint: "articlelabels", item: "articlelabels/{articleLabelId}", schema: build(articlelabelsFields(), overlay{keys: []string{"Name"}, unique: []string{"Id"}})},
		{name: "countries", endpoint: "countries", item: "countries/{countrycode}", schema: build(countriesFields(), overlay{keys: []string{"Name"}, unique: []string{"Code"}})},
		{name: "currencies", endpoint: "currencies", schema: build(currenciesFields(), overlay{unique: []string{"Code"}})},
		{name: "fiscalyears", endpoint: "fiscalyears", item: "fiscalyears/{id}", schema: build(fiscalyearsFields(), overlay{keys: []string{"StartDate"}, unique: []string{"Id"}})},
		{name: "companysettings", kind: singleObject, endpoint: "companysettings", schema: build(companysettingsFields(), overlay{unique: []string{"CompanyIdentifier"}})},
	}
	for _, d := range defs {
		d.shape = newShape(d.schema.Fields)
	}
	for _, d := range defs {
		d.schema.ReadOnly = !d.writable
		d.schema.Label = objectLabels[d.name]
	}
	return defs
}

// build applies an overlay to a field table.
func build(fields []connectors.Field, o overlay) connectors.Schema {
	set := func(names []string, f func(*connectors.Field)) {
		for _, n := range names {
			for i := range fields {
				if fields[i].Name == n {
					f(&fields[i])
				}
			}
		}
	}
	// Ids and timestamps are the system's, even where the Swagger does not
	// mark them read-only (UnitApi, VatCodeApi).
	set([]string{"Id", "ChangedUtc", "ModifiedUtc", "CreatedUtc"}, func(f *connectors.Field) { f.ReadOnly = true })
	set(o.keys, func(f *connectors.Field) { f.Key = true })
	set(o.unique, func(f *connectors.Field) { f.Key, f.Unique = true, true })
	set(o.sensitive, func(f *connectors.Field) { f.Sensitive = true })
	for name, v := range o.defaults {
		list, row, nested := strings.Cut(name, ".")
		if !nested {
			set([]string{name}, func(f *connectors.Field) { f.Default = v })
			continue
		}
		set([]string{list}, func(f *connectors.Field) {
			elem := *f.Elem
			elem.Fields = slices.Clone(elem.Fields)
			for i := range elem.Fields {
				if elem.Fields[i].Name == row {
					elem.Fields[i].Default = v
				}
			}
			f.Elem = &elem
		})
	}
	return connectors.Schema{Fields: fields}
}

// recordID returns the ID of a record as this connector names it: the Id,
// except for objects whose API has none.
func (d *objectDef) recordID(m map[string]any) string {
	switch d.name {
	case "countries", "currencies":
		s, _ := m["Code"].(string)
		return s
	case "accounts":
		fy, _ := m["FiscalYearId"].(string)
		return fy + "/" + fmt.Sprint(m["Number"])
	case "companysettings":
		return "companysettings"
	}
	s, _ := m["Id"].(string)
	return s
}

// toRecord normalises a decoded API object into a Record.
func (d *objectDef) toRecord(m map[string]any) connectors.Record {
	fields := decodeFields(d.shape, m)
	switch d.name {
	case "orders":
		st, _ := fields["Status"].(int64)
		fields[fieldShipped] = st >= orderShipped
		fields[fieldInvoiced] = st == orderInvoiced
	case "customerinvoicedrafts":
		fields[fieldInvoiced] = false // a draft that exists is not invoiced yet
	}
	return connectors.Record{ID: d.recordID(fields), Fields: fields}
}

// shape indexes a field list by name, nested fields included, so that
// decoding and encoding a record looks fields up instead of searching lists.
type shape map[string]*shapeField

type shapeField struct {
	connectors.Field
	sub  shape       // the fields of an object value
	elem *shapeField // the elements of a list value
}

func newShape(fields []connectors.Field) shape {
	sh := make(shape, len(fields))
	for _, f := range fields {
		sh[f.Name] = newShapeField(f)
	}
	return sh
}

func newShapeField(f connectors.Field) *shapeField {
	sf := &shapeField{Field: f}
	if len(f.Fields) > 0 {
		sf.sub = newShape(f.Fields)
	}
	if f.Elem != nil {
		sf.elem = newShapeField(*f.Elem)
	}
	return sf
}

// decodeFields converts an API object into record values: JSON numbers
// into int64 or float64 as the schema says, dates into "2006-01-02" and
// date-times into RFC 3339 UTC. Fields the schema does not know are kept.
func decodeFields(sh shape, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = decodeValue(sh[k], v)
	}
	return out
}

func decodeValue(f *shapeField, v any) any {
	switch v := v.(type) {
	case json.Number:
		if f != nil && f.Type == connectors.TypeNumber {
			x, _ := v.Float64()
			return x
		}
		if n, err := v.Int64(); err == nil {
			return n
		}
		x, _ := v.Float64()
		return x
	case string:
		if f == nil {
			return v
		}
		switch f.Type {
		case connectors.TypeDate:
			if t, ok := parseTime(v); ok {
				return t.Format(time.DateOnly)
			}
		case connectors.TypeDateTime:
			if t, ok := parseTime(v); ok {
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
		return v
	case map[string]any:
		var sub shape
		if f != nil {
			sub = f.sub
		}
		return decodeFields(sub, v)
	case []any:
		var elem *shapeField
		if f != nil {
			elem = f.elem
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = decodeValue(elem, e)
		}
		return out
	}
	return v
}

// parseTime reads the date-time forms the API uses: RFC 3339, or without an
// offset (then UTC), or a bare date.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// encodeFields turns record values into an API request body: read-only
// fields, pseudo-fields and nulls are left out (the API refuses read-only
// values and treats a missing field as null anyway), dates become
// date-times at midnight UTC as the API's schema types them.
func encodeFields(sh shape, pseudo map[string]bool, m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v == nil || pseudo[k] {
			continue
		}
		f := sh[k]
		if f != nil && f.ReadOnly {
			continue
		}
		out[k] = encodeValue(f, v)
	}
	return out
}

func encodeValue(f *shapeField, v any) any {
	switch v := v.(type) {
	case string:
		if f != nil && f.Type == connectors.TypeDate {
			if t, ok := parseTime(v); ok {
				return t.Format(time.DateOnly) + "T00:00:00Z"
			}
		}
		if f != nil && f.Type == connectors.TypeDateTime {
			if t, ok := parseTime(v); ok {
				return t.UTC().Format(time.RFC3339Nano)
			}
		}
		return v
	case map[string]any:
		var sub shape
		if f != nil {
			sub = f.sub
		}
		return encodeFields(sub, nil, v)
	case []any:
		var elem *shapeField
		if f != nil {
			elem = f.elem
		}
		out := make([]any, 0, len(v))
		for _, e := range v {
			if e != nil {
				out = append(out, encodeValue(elem, e))
			}
		}
		return out
	}
	return v
}

// literal formats a value as an OData literal for a $filter on field f.
func literal(f connectors.Field, v any) (string, error) {
	switch f.Type {
	case connectors.TypeInteger, connectors.TypeNumber:
		switch x := v.(type) {
		case int64:
			return strconv.FormatInt(x, 10), nil
		case int:
			return strconv.Itoa(x), nil
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case string:
			if _, err := strconv.ParseFloat(x, 64); err == nil {
				return x, nil
			}
		}
		return "", fmt.Errorf("%s is a number; %v (%T) is not", f.Name, v, v)
	case connectors.TypeBool:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
		return "", fmt.Errorf("%s is a bool; %v (%T) is not", f.Name, v, v)
	case connectors.TypeString:
		// GUID properties take OData's unquoted Edm.Guid literal.
		if s, ok := v.(string); ok && (f.Name == "Id" || strings.HasSuffix(f.Name, "Id")) && isUUID(s) {
			return s, nil
		}
		return "'" + strings.ReplaceAll(stringOf(v), "'", "''") + "'", nil
	case connectors.TypeDate, connectors.TypeDateTime:
		// OData date-time literals are unquoted; dates are midnight UTC.
		t, ok := parseTime(stringOf(v))
		if !ok {
			return "", fmt.Errorf("%s is a date; %q is not one", f.Name, stringOf(v))
		}
		if f.Type == connectors.TypeDate {
			return t.Format("2006-01-02") + "T00:00:00Z", nil
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	}
	return "", fmt.Errorf("%s (%s) cannot be searched by value", f.Name, f.Type)
}

// stringOf renders a key value as text.
func stringOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// sameValue compares a record value with a searched value the way the API
// compares them: text case-insensitively (the API's database collation),
// numbers by value.
func sameValue(have, want any) bool {
	if have == nil || want == nil {
		return false
	}
	hs, ws := stringOf(have), stringOf(want)
	if _, ok := have.(string); ok {
		return strings.EqualFold(hs, ws)
	}
	return hs == ws
}

// isUUID reports whether s is a GUID in its 8-4-4-4-12 hex form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
