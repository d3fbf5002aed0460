package hubspottest

import "strings"

// objectType describes one CRM object type the fake serves.
type objectType struct {
	name     string // path name: "contacts"
	id       string // type id: "0-1"
	singular string // "contact"
	upper    string // name in error messages: "CONTACT"
	// defaults are the properties returned when a read names none.
	defaults []string
	// created is the creation-date property kept next to hs_createdate.
	created string
	// modified is the property bumped on every write.
	modified string
}

// objectTypes lists the object types in a fixed order; it is logically
// constant, so a package-level value is fine.
var objectTypes = []*objectType{
	{name: "contacts", id: "0-1", singular: "contact", upper: "CONTACT",
		defaults: []string{"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"},
		created:  "createdate", modified: "lastmodifieddate"},
	{name: "companies", id: "0-2", singular: "company", upper: "COMPANY",
		defaults: []string{"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "deals", id: "0-3", singular: "deal", upper: "DEAL",
		defaults: []string{"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "products", id: "0-7", singular: "product", upper: "PRODUCT",
		defaults: []string{"createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "line_items", id: "0-8", singular: "line_item", upper: "LINE_ITEM",
		defaults: []string{"amount", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_product_id", "hs_recurring_billing_period", "name", "price", "quantity", "recurringbillingfrequency"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "invoices", id: "0-53", singular: "invoice", upper: "INVOICE",
		defaults: []string{"createdate", "hs_lastmodifieddate", "hs_object_id"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "discounts", id: "0-84", singular: "discount", upper: "DISCOUNT",
		defaults: []string{"createdate", "hs_lastmodifieddate", "hs_object_id"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "fees", id: "0-85", singular: "fee", upper: "FEE",
		defaults: []string{"createdate", "hs_lastmodifieddate", "hs_object_id"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "taxes", id: "0-86", singular: "tax", upper: "TAX",
		defaults: []string{"createdate", "hs_lastmodifieddate", "hs_object_id"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
	{name: "orders", id: "0-123", singular: "order", upper: "ORDER",
		defaults: []string{"createdate", "hs_lastmodifieddate", "hs_object_id"},
		created:  "createdate", modified: "hs_lastmodifieddate"},
}

// lookupType resolves a path segment: a name ("contacts"), a type id
// ("0-1") or a singular name ("contact"), case-insensitively.
func lookupType(s string) *objectType {
	s = strings.ToLower(s)
	for _, t := range objectTypes {
		if s == t.name || s == t.id || s == t.singular {
			return t
		}
	}
	return nil
}

// assocType is one HubSpot-defined association type, in one direction.
type assocType struct {
	from, to string // object type names
	id       int
	reverse  int
	label    string // "Primary" or ""
	// unlabelled is, for a primary type, the unlabelled type created with it.
	unlabelled int
}

// assocTypes are the HubSpot-defined types of section 8.2 of the reference:
// each entry gives both directions.
var assocTypes = func() []assocType {
	pairs := []struct {
		a, b    string
		ab, ba  int
		primary bool
		plainAB int
		plainBA int
	}{
		{a: "contacts", b: "companies", ab: 279, ba: 280},
		{a: "contacts", b: "companies", ab: 1, ba: 2, primary: true, plainAB: 279, plainBA: 280},
		{a: "deals", b: "contacts", ab: 3, ba: 4},
		{a: "deals", b: "companies", ab: 341, ba: 342},
		{a: "deals", b: "companies", ab: 5, ba: 6, primary: true, plainAB: 341, plainBA: 342},
		{a: "deals", b: "line_items", ab: 19, ba: 20},
		{a: "deals", b: "orders", ab: 511, ba: 512},
		{a: "deals", b: "invoices", ab: 176, ba: 175},
		{a: "orders", b: "line_items", ab: 513, ba: 514},
		{a: "orders", b: "contacts", ab: 507, ba: 508},
		{a: "orders", b: "companies", ab: 934, ba: 935},
		{a: "orders", b: "companies", ab: 509, ba: 510, primary: true, plainAB: 934, plainBA: 935},
		{a: "orders", b: "invoices", ab: 518, ba: 517},
		{a: "orders", b: "discounts", ab: 519, ba: 520},
		{a: "invoices", b: "line_items", ab: 409, ba: 410},
		{a: "invoices", b: "contacts", ab: 177, ba: 178},
		{a: "invoices", b: "companies", ab: 179, ba: 180},
		{a: "invoices", b: "discounts", ab: 411, ba: 412},
		{a: "invoices", b: "fees", ab: 413, ba: 414},
		{a: "invoices", b: "taxes", ab: 415, ba: 416},
		{a: "line_items", b: "discounts", ab: 368, ba: 367},
	}
	var out []assocType
	for _, p := range pairs {
		label := ""
		if p.primary {
			label = "Primary"
		}
		out = append(out,
			assocType{from: p.a, to: p.b, id: p.ab, reverse: p.ba, label: label, unlabelled: p.plainAB},
			assocType{from: p.b, to: p.a, id: p.ba, reverse: p.ab, label: label, unlabelled: p.plainBA})
	}
	return out
}()

// findAssocType returns the type with this id between from and to.
func findAssocType(from, to string, id int) (assocType, bool) {
	for _, a := range assocTypes {
		if a.from == from && a.to == to && a.id == id {
			return a, true
		}
	}
	return assocType{}, false
}

// defaultAssocType returns the unlabelled type from -> to.
func defaultAssocType(from, to string) (assocType, bool) {
	for _, a := range assocTypes {
		if a.from == from && a.to == to && a.label == "" {
			return a, true
		}
	}
	return assocType{}, false
}

// v3Name is the association type name of v3 reads ("deal_to_contact");
// unlabelled types of pairs that also have a primary type get "_unlabeled".
func (a assocType) v3Name() string {
	from, to := lookupType(a.from).singular, lookupType(a.to).singular
	name := from + "_to_" + to
	if a.label == "" {
		for _, b := range assocTypes {
			if b.from == a.from && b.to == a.to && b.label != "" {
				return name + "_unlabeled"
			}
		}
	}
	return name
}
