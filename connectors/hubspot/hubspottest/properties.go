package hubspottest

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Property is a property definition, in the shape of the properties API. It
// is also the shape Seed reads.
type Property struct {
	Name                 string                `json:"name"`
	Label                string                `json:"label"`
	Type                 string                `json:"type"`      // string, number, bool, date, datetime, enumeration, phone_number
	FieldType            string                `json:"fieldType"` // text, textarea, number, date, select, ...
	Description          string                `json:"description"`
	GroupName            string                `json:"groupName"`
	Options              []Option              `json:"options"`
	DisplayOrder         int                   `json:"displayOrder"`
	Calculated           bool                  `json:"calculated"`
	ExternalOptions      bool                  `json:"externalOptions"`
	HasUniqueValue       bool                  `json:"hasUniqueValue"`
	Hidden               bool                  `json:"hidden"`
	HubspotDefined       bool                  `json:"hubspotDefined,omitempty"`
	FormField            bool                  `json:"formField"`
	ReferencedObjectType string                `json:"referencedObjectType,omitempty"`
	ModificationMetadata *ModificationMetadata `json:"modificationMetadata,omitempty"`
	CreatedAt            string                `json:"createdAt,omitempty"`
	UpdatedAt            string                `json:"updatedAt,omitempty"`
	Archived             bool                  `json:"archived"`
}

// Option is one allowed value of an enumeration property.
type Option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	Description  string `json:"description,omitempty"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// ModificationMetadata tells which parts of a property can change.
type ModificationMetadata struct {
	Archivable         bool `json:"archivable"`
	ReadOnlyDefinition bool `json:"readOnlyDefinition"`
	ReadOnlyValue      bool `json:"readOnlyValue"`
}

func (p *Property) readOnly() bool {
	return p.ModificationMetadata != nil && p.ModificationMetadata.ReadOnlyValue
}

var (
	propertyName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// validTypes maps each property type to its allowed field types.
var validTypes = map[string][]string{
	"string":       {"text", "textarea", "html", "phonenumber", "file", "calculation_equation"},
	"number":       {"number", "calculation_equation"},
	"bool":         {"booleancheckbox", "calculation_equation"},
	"enumeration":  {"select", "radio", "checkbox", "booleancheckbox", "calculation_equation"},
	"date":         {"date", "calculation_equation"},
	"datetime":     {"date", "calculation_equation"},
	"phone_number": {"phonenumber", "text"},
}

// checkDefinition reports what is wrong with a new property definition.
func checkDefinition(p *Property) error {
	if p.Name == "" || p.Label == "" || p.Type == "" || p.FieldType == "" || p.GroupName == "" {
		return fmt.Errorf("name, label, type, fieldType and groupName are required")
	}
	if !propertyName.MatchString(p.Name) {
		return fmt.Errorf("property name %q must start with a lowercase letter and contain only lowercase letters, digits and underscores", p.Name)
	}
	fts, ok := validTypes[p.Type]
	if !ok {
		return fmt.Errorf("unknown property type %q", p.Type)
	}
	found := false
	for _, ft := range fts {
		found = found || ft == p.FieldType
	}
	if !found {
		return fmt.Errorf("fieldType %q is not valid for type %q (use one of %s)", p.FieldType, p.Type, strings.Join(fts, ", "))
	}
	if p.Type == "enumeration" && len(p.Options) == 0 && !p.ExternalOptions {
		return fmt.Errorf("enumeration property %q needs options", p.Name)
	}
	return nil
}

// propertyError is one invalid property value, as HubSpot reports it.
type propertyError struct {
	Name    string
	Code    string // PROPERTY_DOESNT_EXIST, INVALID_OPTION, ...
	Message string
	Value   string
}

// normalizeValue checks a value against its definition and returns the
// stored form, which is the form HubSpot answers with: dates YYYY-MM-DD,
// date-times RFC 3339 UTC with milliseconds, emails lowercase.
func normalizeValue(p *Property, v string) (string, *propertyError) {
	if p.Type != "string" || p.Name == "email" {
		// HubSpot accepts surrounding blanks on non-string values (it
		// cancelled the stricter validation); strings keep theirs.
		v = strings.TrimSpace(v)
	}
	if v == "" {
		return "", nil // clears the value
	}
	bad := func(code, msg string) (string, *propertyError) {
		return "", &propertyError{Name: p.Name, Code: code, Message: msg, Value: v}
	}
	switch p.Type {
	case "number":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || strings.ContainsAny(v, "eExX_,") || math.IsInf(f, 0) || math.IsNaN(f) {
			return bad("INVALID_INTEGER", v+" was not a valid number.")
		}
		return v, nil
	case "bool":
		switch strings.ToLower(v) {
		case "true":
			return "true", nil
		case "false":
			return "false", nil
		}
		return bad("INVALID_BOOLEAN", v+" was not a valid boolean.")
	case "enumeration":
		if p.ExternalOptions && len(p.Options) == 0 {
			return v, nil
		}
		allowed := make([]string, 0, len(p.Options))
		for _, o := range p.Options {
			allowed = append(allowed, o.Value)
		}
		parts := []string{v}
		if p.FieldType == "checkbox" {
			parts = strings.Split(strings.TrimPrefix(v, ";"), ";")
		}
		for _, part := range parts {
			ok := false
			for _, a := range allowed {
				ok = ok || a == part
			}
			if !ok {
				return bad("INVALID_OPTION", fmt.Sprintf("%s was not one of the allowed options: [%s]", part, strings.Join(allowed, ", ")))
			}
		}
		return v, nil
	case "date":
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t.Format(time.DateOnly), nil
		}
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return bad("INVALID_DATE", v+" is not a valid date; use YYYY-MM-DD or epoch milliseconds at midnight UTC")
		}
		t := time.UnixMilli(ms).UTC()
		if t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0 || t.Nanosecond() != 0 {
			return bad("INVALID_DATE", fmt.Sprintf("%s is at %s UTC, not midnight!", v, t.Format("15:04:05.000")))
		}
		return t.Format(time.DateOnly), nil
	case "datetime":
		t, ok := parseDateTime(v)
		if !ok {
			return bad("INVALID_DATETIME", v+" is not a valid datetime; use ISO 8601 (2026-01-31T12:00:00.000Z) or epoch milliseconds")
		}
		return formatTime(t), nil
	}
	if p.Name == "email" {
		if !emailPattern.MatchString(v) {
			return bad("INVALID_EMAIL", "Email address "+v+" is invalid")
		}
		return strings.ToLower(v), nil
	}
	if len(v) > 65536 {
		return bad("INVALID_STRING", fmt.Sprintf("value of %s is %d characters long; the limit is 65536", p.Name, len(v)))
	}
	return v, nil
}

// parseDateTime reads epoch milliseconds, RFC 3339 or a bare date.
func parseDateTime(v string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), true
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// formatTime is HubSpot's timestamp format: RFC 3339 UTC with milliseconds.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Property constructors for the built-in definitions.

func prop(name, label, typ, field, group string) *Property {
	return &Property{
		Name: name, Label: label, Type: typ, FieldType: field, GroupName: group,
		Options: []Option{}, FormField: typ != "datetime", HubspotDefined: true,
		ModificationMetadata: &ModificationMetadata{ReadOnlyDefinition: true},
	}
}

func text(name, label string) *Property { return prop(name, label, "string", "text", "information") }
func num(name, label string) *Property  { return prop(name, label, "number", "number", "information") }
func date(name, label string) *Property { return prop(name, label, "date", "date", "information") }
func datetime(name, label string) *Property {
	return prop(name, label, "datetime", "date", "information")
}
func boolean(name, label string) *Property {
	p := prop(name, label, "bool", "booleancheckbox", "information")
	p.Options = []Option{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false", DisplayOrder: 1}}
	return p
}
func enum(name, label string, values ...string) *Property {
	p := prop(name, label, "enumeration", "select", "information")
	for i, v := range values {
		p.Options = append(p.Options, Option{Label: v, Value: v, DisplayOrder: i})
	}
	return p
}
func readOnly(p *Property) *Property {
	p.ModificationMetadata.ReadOnlyValue = true
	p.FormField = false
	return p
}
func calculated(p *Property) *Property {
	p.Calculated = true
	return readOnly(p)
}
func owner(name, label string) *Property {
	p := prop(name, label, "enumeration", "select", "information")
	p.ExternalOptions = true
	p.ReferencedObjectType = "OWNER"
	return p
}

var currencies = []string{"SEK", "EUR", "USD", "NOK", "DKK", "GBP", "CHF"}

// choice is an enumeration with labelled options.
func choice(name, label string, options []Option) *Property {
	p := prop(name, label, "enumeration", "select", "information")
	p.Options = options
	return p
}

// standardProperties builds the built-in definitions of one object type:
// the properties of section 10 of the reference, plus the system ones.
func standardProperties(t *objectType) []*Property {
	sys := []*Property{
		readOnly(num("hs_object_id", "Record ID")),
		readOnly(datetime("hs_createdate", "Object create date/time")),
		readOnly(datetime(t.modified, "Last Modified Date")),
		datetime("createdate", "Create Date"),
	}
	var own []*Property
	pipelines, stages := pipelineOptions(t.name)
	switch t.name {
	case "contacts":
		own = []*Property{
			text("email", "Email"), text("firstname", "First Name"), text("lastname", "Last Name"),
			text("phone", "Phone Number"), text("mobilephone", "Mobile Phone Number"), text("fax", "Fax Number"),
			text("jobtitle", "Job Title"), text("company", "Company Name"), text("website", "Website URL"),
			text("address", "Street Address"), text("city", "City"), text("state", "State/Region"),
			text("zip", "Postal Code"), text("country", "Country/Region"), text("hs_timezone", "Time Zone"),
			enum("lifecyclestage", "Lifecycle Stage", "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"),
			prop("hs_additional_emails", "Additional email addresses", "string", "textarea", "information"),
			owner("hubspot_owner_id", "Contact owner"),
		}
	case "companies":
		own = []*Property{
			text("name", "Company name"), text("domain", "Company Domain Name"),
			prop("hs_additional_domains", "Additional Domains", "string", "textarea", "information"),
			text("phone", "Phone Number"), text("address", "Street Address"), text("address2", "Street Address 2"),
			text("city", "City"), text("state", "State/Region"), text("zip", "Postal Code"), text("country", "Country/Region"),
			text("website", "Website URL"), text("industry", "Industry"), prop("description", "Description", "string", "textarea", "information"),
			num("numberofemployees", "Number of Employees"), num("annualrevenue", "Annual Revenue"),
			enum("lifecyclestage", "Lifecycle Stage", "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"),
			owner("hubspot_owner_id", "Company owner"),
		}
	case "deals":
		own = []*Property{
			text("dealname", "Deal Name"), choice("dealstage", "Deal Stage", stages), choice("pipeline", "Pipeline", pipelines),
			num("amount", "Amount"), datetime("closedate", "Close Date"), enum("deal_currency_code", "Currency", currencies...),
			prop("description", "Deal Description", "string", "textarea", "information"),
			owner("hubspot_owner_id", "Deal owner"),
			prop("hs_all_collaborator_owner_ids", "Deal Collaborator", "enumeration", "checkbox", "information"),
		}
		own[len(own)-1].ExternalOptions = true
	case "products":
		own = []*Property{
			text("name", "Name"), prop("description", "Description", "string", "textarea", "information"),
			num("price", "Unit price"), text("hs_sku", "SKU"), num("hs_cost_of_goods_sold", "Unit cost"),
			text("hs_recurring_billing_period", "Term"), text("hs_folder_id", "Folder"),
			enum("recurringbillingfrequency", "Billing frequency", "weekly", "biweekly", "monthly", "quarterly", "per_six_months", "annually", "per_two_years", "per_three_years", "per_four_years", "per_five_years"),
			enum("hs_product_type", "Product type", "inventory", "non_inventory", "service"),
			num("tax", "Tax"),
		}
	case "line_items":
		own = []*Property{
			text("name", "Name"), prop("description", "Description", "string", "textarea", "information"),
			text("hs_sku", "SKU"), num("quantity", "Quantity"), num("price", "Unit price"),
			num("hs_cost_of_goods_sold", "Unit cost"), calculated(num("amount", "Net price")), enum("hs_line_item_currency_code", "Currency", currencies...),
			text("hs_product_id", "Product ID"), text("hs_tax_rate_group_id", "Tax rate group"),
			enum("recurringbillingfrequency", "Billing frequency", "weekly", "biweekly", "monthly", "quarterly", "per_six_months", "annually", "per_two_years", "per_three_years", "per_four_years", "per_five_years"),
			date("hs_recurring_billing_start_date", "Billing start date"), date("hs_recurring_billing_end_date", "Billing end date"),
			text("hs_recurring_billing_period", "Term"),
			enum("hs_pricing_model", "Pricing model", "flat", "volume", "graduated"),
			text("hs_tier_ranges", "Tier ranges"), text("hs_tier_prices", "Tier prices"),
			num("discount", "Unit discount"), num("hs_discount_percentage", "Unit discount percentage"),
			calculated(num("hs_total_discount", "Total discount")), calculated(num("hs_pre_discount_amount", "Pre-discount amount")),
			num("hs_tax_rate", "Tax rate"), num("hs_tax_amount", "Tax amount"), calculated(num("hs_post_tax_amount", "Post-tax amount")),
			num("hs_position_on_quote", "Position"),
		}
	case "orders":
		own = []*Property{
			text("hs_order_name", "Name"), enum("hs_currency_code", "Currency", currencies...), text("hs_source_store", "Source store"),
			text("hs_fulfillment_status", "Fulfillment status"), text("hs_shipping_status_url", "Shipping status URL"),
			text("hs_shipping_tracking_number", "Shipping tracking number"), choice("hs_pipeline", "Pipeline", pipelines), choice("hs_pipeline_stage", "Stage", stages),
			num("hs_exchange_rate", "Exchange rate"), num("hs_total_price", "Total price"), num("hs_subtotal_price", "Subtotal"),
			num("hs_tax", "Tax"), num("hs_shipping_cost", "Shipping cost"), num("hs_order_discount", "Order discount"),
			text("hs_discount_codes", "Discount codes"), text("hs_payment_status", "Payment status"),
			text("hs_payment_processing_method", "Payment processing method"), text("hs_external_order_id", "External order ID"),
			text("hs_external_order_url", "External order URL"), text("hs_external_order_status", "External order status"),
			datetime("hs_external_created_date", "External created date"), text("hs_external_cart_id", "External cart ID"),
			text("hs_external_checkout_id", "External checkout ID"), datetime("hs_processed_date", "Processed date"),
			boolean("hs_buyer_accepts_marketing", "Buyer accepts marketing"), text("hs_shipping_method", "Shipping method"),
		}
		for _, f := range []string{"street", "city", "state", "postal_code", "country", "name", "phone"} {
			own = append(own, text("hs_shipping_address_"+f, "Shipping address "+f))
		}
		for _, f := range []string{"firstname", "lastname", "name", "email", "phone", "street", "city", "state", "postal_code", "country"} {
			own = append(own, text("hs_billing_address_"+f, "Billing address "+f))
		}
	case "invoices":
		own = []*Property{
			enum("hs_currency", "Currency", currencies...), datetime("hs_invoice_date", "Invoice date"), datetime("hs_due_date", "Due date"),
			text("hs_tax_id", "Tax ID"), text("hs_purchase_order_number", "Purchase order number"),
			prop("hs_comments", "Comments", "string", "textarea", "information"), text("hs_allowed_payment_methods", "Allowed payment methods"),
			enum("hs_invoice_payment_collection_method", "Payment collection method", "manual", "none"),
			boolean("hs_allow_partial_payments", "Allow partial payments"), text("hs_invoice_link", "Invoice link"),
			text("hs_pdf_download_link", "PDF download link"), text("hs_language", "Language"), text("hs_locale", "Locale"),
			boolean("hs_invoice_billable", "Billable"), enum("hs_invoice_status", "Invoice status", "draft", "open", "paid", "voided"),
			text("hs_number", "Invoice number"), num("hs_amount_billed", "Amount billed"), num("hs_balance_due", "Balance due"),
		}
		for _, f := range []string{"address", "address2", "city", "state", "zip", "country"} {
			own = append(own, text("hs_recipient_shipping_"+f, "Recipient shipping "+f))
		}
		for _, f := range []string{"name", "address", "address2", "city", "state", "zip", "country"} {
			own = append(own, text("hs_recipient_company_"+f, "Recipient company "+f))
		}
	case "discounts", "fees", "taxes":
		own = []*Property{
			text("hs_label", "Label"), enum("hs_type", "Type", "FIXED", "PERCENT"), num("hs_value", "Value"),
			num("hs_sort_order", "Sort order"),
		}
		if t.name == "discounts" {
			own = append(own, enum("hs_duration", "Duration", "ONCE", "FOREVER", "REPEATING"))
		}
	}
	all := append(sys, own...)
	for i, p := range all {
		p.DisplayOrder = i
	}
	return all
}
