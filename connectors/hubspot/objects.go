package hubspot

import (
	"slices"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

// Flags of a built-in property.
const (
	fRO   = 1 << iota // set by HubSpot: read-only
	fKey              // a flow may use it as its key
	fUniq             // HubSpot keeps it unique
	fSens             // personal data
	fReq              // required on create
)

// prop is one built-in (standard) property of an object.
type prop struct {
	name    string
	typ     connectors.Type
	flags   int
	options []string
	desc    string
	format  connectors.Format // the shape HubSpot validates (INVALID_EMAIL)
}

// objectDef is the built-in description of one HubSpot object type.
type objectDef struct {
	name     string // path name: contacts, line_items
	typeID   string // HubSpot object type id: 0-1
	modified string // the last-modified property used for incremental reads
	props    []prop
}

const (
	tStr  = connectors.TypeString
	tNum  = connectors.TypeNumber
	tBool = connectors.TypeBool
	tDate = connectors.TypeDate
	tDT   = connectors.TypeDateTime
)

// Standard properties every object has. createdate is named hs_createdate on
// the commerce objects.
func commonProps(created, modified string) []prop {
	return []prop{
		{name: "hs_object_id", typ: tStr, flags: fRO | fKey | fUniq, desc: "The record ID."},
		{name: created, typ: tDT, flags: fRO, desc: "When the record was created."},
		{name: modified, typ: tDT, flags: fRO, desc: "When the record was last modified."},
	}
}

// builtinObjects are the objects this connector knows without asking the
// account. Discover adds custom properties and enumeration options.
func builtinObjects() []objectDef {
	return []objectDef{
		{name: "contacts", typeID: "0-1", modified: "lastmodifieddate", props: append(commonProps("createdate", "lastmodifieddate"),
			prop{name: "email", typ: tStr, flags: fKey | fUniq | fSens, format: connectors.FormatEmail, desc: "Primary email address; unique, compared case-insensitively."},
			prop{name: "firstname", typ: tStr, flags: fSens},
			prop{name: "lastname", typ: tStr, flags: fSens},
			prop{name: "phone", typ: tStr, flags: fSens},
			prop{name: "mobilephone", typ: tStr, flags: fSens},
			prop{name: "fax", typ: tStr, flags: fSens},
			prop{name: "address", typ: tStr, flags: fSens},
			prop{name: "city", typ: tStr, flags: fSens},
			prop{name: "state", typ: tStr, flags: fSens},
			prop{name: "zip", typ: tStr, flags: fSens},
			prop{name: "country", typ: tStr, flags: fSens},
			prop{name: "hs_additional_emails", typ: tStr, flags: fRO | fSens},
			prop{name: "jobtitle", typ: tStr},
			prop{name: "company", typ: tStr, desc: "Company name as text (not an association)."},
			prop{name: "website", typ: tStr},
			prop{name: "lifecyclestage", typ: tStr, desc: "Internal value of the lifecycle stage; it only moves forward."},
			prop{name: "hs_lead_status", typ: tStr},
			prop{name: "hubspot_owner_id", typ: tStr},
		)},
		{name: "companies", typeID: "0-2", modified: "hs_lastmodifieddate", props: append(commonProps("createdate", "hs_lastmodifieddate"),
			prop{name: "name", typ: tStr, flags: fKey},
			prop{name: "domain", typ: tStr, flags: fKey, desc: "Primary domain; HubSpot deduplicates on it but cannot look records up by it."},
			prop{name: "phone", typ: tStr},
			prop{name: "address", typ: tStr},
			prop{name: "address2", typ: tStr},
			prop{name: "city", typ: tStr},
			prop{name: "state", typ: tStr},
			prop{name: "zip", typ: tStr},
			prop{name: "country", typ: tStr},
			prop{name: "website", typ: tStr},
			prop{name: "industry", typ: tStr},
			prop{name: "description", typ: tStr},
			prop{name: "numberofemployees", typ: tNum},
			prop{name: "annualrevenue", typ: tNum},
			prop{name: "lifecyclestage", typ: tStr},
			prop{name: "hubspot_owner_id", typ: tStr},
		)},
		{name: "deals", typeID: "0-3", modified: "hs_lastmodifieddate", props: append(commonProps("createdate", "hs_lastmodifieddate"),
			prop{name: "dealname", typ: tStr, flags: fKey | fReq},
			prop{name: "dealstage", typ: tStr, desc: "Internal ID of the stage."},
			prop{name: "pipeline", typ: tStr, desc: "Internal ID of the pipeline (default: default)."},
			prop{name: "amount", typ: tNum},
			prop{name: "closedate", typ: tDT},
			prop{name: "deal_currency_code", typ: tStr},
			prop{name: "dealtype", typ: tStr},
			prop{name: "description", typ: tStr},
			prop{name: "hubspot_owner_id", typ: tStr},
		)},
		{name: "line_items", typeID: "0-8", modified: "hs_lastmodifieddate", props: append(commonProps("createdate", "hs_lastmodifieddate"),
			prop{name: "name", typ: tStr},
			prop{name: "description", typ: tStr},
			prop{name: "hs_sku", typ: tStr, flags: fKey},
			prop{name: "hs_product_id", typ: tStr, desc: "The product the line item was made from."},
			prop{name: "quantity", typ: tNum},
			prop{name: "price", typ: tNum, desc: "Unit price; never negative."},
			prop{name: "amount", typ: tNum, flags: fRO, desc: "Net amount, calculated."},
			prop{name: "discount", typ: tNum, desc: "Unit discount amount."},
			prop{name: "hs_discount_percentage", typ: tNum, desc: "Unit discount in percent."},
			prop{name: "hs_total_discount", typ: tNum, flags: fRO},
			prop{name: "hs_pre_discount_amount", typ: tNum, flags: fRO},
			prop{name: "hs_tax_rate", typ: tNum},
			prop{name: "hs_tax_amount", typ: tNum, flags: fRO},
			prop{name: "hs_post_tax_amount", typ: tNum, flags: fRO},
			prop{name: "hs_tax_rate_group_id", typ: tStr},
			prop{name: "hs_line_item_currency_code", typ: tStr},
			prop{name: "hs_cost_of_goods_sold", typ: tNum},
			prop{name: "recurringbillingfrequency", typ: tStr},
			prop{name: "hs_recurring_billing_period", typ: tStr},
			prop{name: "hs_recurring_billing_start_date", typ: tDate},
		)},
		{name: "products", typeID: "0-7", modified: "hs_lastmodifieddate", props: append(commonProps("createdate", "hs_lastmodifieddate"),
			prop{name: "name", typ: tStr},
			prop{name: "description", typ: tStr},
			prop{name: "price", typ: tNum},
			prop{name: "hs_sku", typ: tStr, flags: fKey, desc: "Article number; unique only where the account enforces it."},
			prop{name: "hs_cost_of_goods_sold", typ: tNum},
			prop{name: "hs_product_type", typ: tStr},
			prop{name: "hs_recurring_billing_period", typ: tStr},
			prop{name: "hs_url", typ: tStr},
		)},
		{name: "orders", typeID: "0-123", modified: "hs_lastmodifieddate", props: append(commonProps("hs_createdate", "hs_lastmodifieddate"),
			prop{name: "hs_order_name", typ: tStr, flags: fKey | fReq},
			prop{name: "hs_external_order_id", typ: tStr, flags: fKey},
			prop{name: "hs_external_order_url", typ: tStr},
			prop{name: "hs_external_order_status", typ: tStr},
			prop{name: "hs_external_created_date", typ: tDT},
			prop{name: "hs_currency_code", typ: tStr},
			prop{name: "hs_source_store", typ: tStr},
			prop{name: "hs_pipeline", typ: tStr},
			prop{name: "hs_pipeline_stage", typ: tStr},
			prop{name: "hs_fulfillment_status", typ: tStr},
			prop{name: "hs_payment_status", typ: tStr},
			prop{name: "hs_payment_processing_method", typ: tStr},
			prop{name: "hs_processed_date", typ: tDT},
			prop{name: "hs_total_price", typ: tNum},
			prop{name: "hs_subtotal_price", typ: tNum},
			prop{name: "hs_tax", typ: tNum},
			prop{name: "hs_shipping_cost", typ: tNum},
			prop{name: "hs_order_discount", typ: tNum},
			prop{name: "hs_discount_codes", typ: tStr},
			prop{name: "hs_shipping_method", typ: tStr},
			prop{name: "hs_shipping_status_url", typ: tStr},
			prop{name: "hs_shipping_tracking_number", typ: tStr},
			prop{name: "hs_buyer_accepts_marketing", typ: tBool},
			prop{name: "hs_shipping_address_name", typ: tStr, flags: fSens},
			prop{name: "hs_shipping_address_phone", typ: tStr, flags: fSens},
			prop{name: "hs_shipping_address_street", typ: tStr, flags: fSens},
			prop{name: "hs_shipping_address_city", typ: tStr, flags: fSens},
			prop{name: "hs_shipping_address_state", typ: tStr, flags: fSens},
			prop{name: "hs_shipping_address_postal_code", typ: tStr, flags: fSens},
			prop{name: "hs_shipping_address_country", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_firstname", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_lastname", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_name", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_email", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_phone", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_street", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_city", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_state", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_postal_code", typ: tStr, flags: fSens},
			prop{name: "hs_billing_address_country", typ: tStr, flags: fSens},
		)},
		{name: "invoices", typeID: "0-53", modified: "hs_lastmodifieddate", props: append(commonProps("hs_createdate", "hs_lastmodifieddate"),
			prop{name: "hs_currency", typ: tStr, flags: fReq},
			prop{name: "hs_invoice_date", typ: tDT},
			prop{name: "hs_due_date", typ: tDT},
			prop{name: "hs_invoice_status", typ: tStr, options: []string{"draft", "open", "paid", "voided"}},
			prop{name: "hs_invoice_billable", typ: tBool, desc: "false makes a non-billable mirror of an invoice issued elsewhere."},
			prop{name: "hs_invoice_payment_collection_method", typ: tStr, options: []string{"manual", "none"}},
			prop{name: "hs_allow_partial_payments", typ: tBool},
			prop{name: "hs_purchase_order_number", typ: tStr},
			prop{name: "hs_tax_id", typ: tStr},
			prop{name: "hs_comments", typ: tStr},
			prop{name: "hs_language", typ: tStr},
			prop{name: "hs_locale", typ: tStr},
			prop{name: "hs_number", typ: tStr, flags: fRO},
			prop{name: "hs_amount_billed", typ: tNum, flags: fRO},
			prop{name: "hs_balance_due", typ: tNum, flags: fRO},
			prop{name: "hs_invoice_link", typ: tStr, flags: fRO},
			prop{name: "hs_pdf_download_link", typ: tStr, flags: fRO},
		)},
		{name: "taxes", typeID: "0-86", modified: "hs_lastmodifieddate", props: append(commonProps("hs_createdate", "hs_lastmodifieddate"), feeLikeProps()...)},
		{name: "discounts", typeID: "0-84", modified: "hs_lastmodifieddate", props: append(commonProps("hs_createdate", "hs_lastmodifieddate"),
			append(feeLikeProps(), prop{name: "hs_duration", typ: tStr})...)},
		{name: "fees", typeID: "0-85", modified: "hs_lastmodifieddate", props: append(commonProps("hs_createdate", "hs_lastmodifieddate"), feeLikeProps()...)},
	}
}

// feeLikeProps are shared by taxes, discounts and fees.
func feeLikeProps() []prop {
	return []prop{
		{name: "hs_label", typ: tStr},
		{name: "hs_type", typ: tStr, options: []string{"FIXED", "PERCENT"}},
		{name: "hs_value", typ: tNum},
		{name: "hs_sort_order", typ: tNum},
	}
}

// assocTypes holds the HUBSPOT_DEFINED association type ids used for inline
// associations on create and the includes of reads, by from object and to
// object. They are the unlabelled (default) types; see primaryCompany for the
// primary-company ones.
var assocTypes = map[string]map[string]int{
	"contacts":   {"companies": 279, "deals": 4, "orders": 508, "invoices": 178},
	"companies":  {"contacts": 280, "deals": 342, "orders": 935, "invoices": 180},
	"deals":      {"contacts": 3, "companies": 341, "line_items": 19, "orders": 511, "invoices": 176},
	"orders":     {"line_items": 513, "contacts": 507, "companies": 934, "deals": 512, "invoices": 518, "discounts": 519},
	"invoices":   {"line_items": 409, "contacts": 177, "companies": 179, "deals": 175, "orders": 517, "discounts": 411, "fees": 413, "taxes": 415},
	"line_items": {"deals": 20, "orders": 514, "invoices": 410, "discounts": 368},
	"discounts":  {"line_items": 367, "orders": 520, "invoices": 412},
	"fees":       {"invoices": 414},
	"taxes":      {"invoices": 416},
}

// primaryCompany holds the type ids of the primary-company association.
var primaryCompany = map[string]int{"contacts": 1, "deals": 5, "orders": 509}

const (
	assocPrefix      = "associate_"
	primaryCompanyFd = "associate_primary_company"
)

// builtinSchema turns an object definition into a schema: its properties,
// the association pseudo-fields and the includes.
func builtinSchema(def objectDef) connectors.Schema {
	s := connectors.Schema{Label: objectLabels[def.name]}
	for _, p := range def.props {
		s.Fields = append(s.Fields, propField(p))
	}
	targets := assocTargets(def.name)
	for _, to := range targets {
		s.Fields = append(s.Fields, connectors.Field{
			Name:       assocPrefix + to,
			Type:       connectors.TypeList,
			Elem:       &connectors.Field{Type: connectors.TypeString},
			CreateOnly: true,
			Description: "IDs of " + to + " to associate the new record with (HubSpot type " +
				itoa(assocTypes[def.name][to]) + "); written on create only.",
		})
		s.Includes = append(s.Includes, connectors.Include{Name: to, Object: to})
	}
	if id, ok := primaryCompany[def.name]; ok {
		s.Fields = append(s.Fields, connectors.Field{
			Name:        primaryCompanyFd,
			Type:        connectors.TypeString,
			CreateOnly:  true,
			Description: "ID of the primary company of the new record (HubSpot type " + itoa(id) + "); written on create only.",
		})
	}
	return s
}

func assocTargets(from string) []string {
	var out []string
	for to := range assocTypes[from] {
		out = append(out, to)
	}
	slices.Sort(out)
	return out
}

func propField(p prop) connectors.Field {
	return connectors.Field{
		Name:        p.name,
		Type:        p.typ,
		Description: p.desc,
		ReadOnly:    p.flags&fRO != 0,
		Key:         p.flags&fKey != 0,
		Unique:      p.flags&fUniq != 0,
		Sensitive:   p.flags&fSens != 0,
		Required:    p.flags&fReq != 0,
		Options:     p.options,
		Format:      p.format,
	}
}

func isPseudoField(name string) bool { return strings.HasPrefix(name, assocPrefix) }

func objectDefs() map[string]objectDef {
	m := map[string]objectDef{}
	for _, d := range builtinObjects() {
		m[d.name] = d
	}
	return m
}
