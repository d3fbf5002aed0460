# Customers, HubSpot -> eAccounting: contacts become eAccounting customers,
# matched by e-mail address. A contact with a company (an associated company
# or a company name) becomes a company customer with the person as its
# contact person; a contact without one becomes a private-person customer.
#
# The order flows ensure this flow first, so the customer of an order is
# created or updated before the order (see orders.hcl).

variable "customer_lifecycle_stages" {
  description = "HubSpot lifecycle stages whose contacts are sent to eAccounting as customers even before they order (e.g. [\"customer\"]). Contacts with an order the order flows send are always sent; the default sends only those, so that the two contacts of one company do not become two customers before either orders."
  default     = []
}

# The company of a contact: its first associated company.
function "company_of" {
  params = ["contact"]
  expr   = "first(contact.companies ?? [])"
}

# The company name of a contact, nil when it has none: the associated
# company's name, else the free-text company property.
function "company_name" {
  params = ["contact"]
  expr   = "company_of(contact)?.name ?? (trim(contact.company ?? '') == '' ? nil : trim(contact.company))"
}

function "person_name" {
  params = ["contact"]
  expr   = "trim((contact.firstname ?? '') + ' ' + (contact.lastname ?? ''))"
}

# Whether a contact is a customer: it has an e-mail address and an order (or
# deal) the order flows send, or a lifecycle stage customer_lifecycle_stages
# lists.
function "contact_selected" {
  params = ["contact"]
  expr   = <<-EXPR
    trim(contact.email ?? '') != '' && (
      any(contact.orders ?? [], order_selected(#)) ||
      (var.deals_to_orders && any(contact.deals ?? [], deal_selected(#))) ||
      (contact.lifecyclestage ?? '') in var.customer_lifecycle_stages)
  EXPR
}

# An address part of the customer: the company's address when the company
# has one, else the contact's (the property names are the same).
function "customer_address" {
  params = ["contact", "part"]
  expr   = "let co = company_of(contact); co != nil && co.address != nil ? co[part] : contact[part]"
}

flow "contacts_to_customers" {
  source  = hubspot.shop.contacts
  include = ["companies", "orders", "deals"]
  target  = eaccounting.books.customers
  key     = "EmailAddress"
  mode    = "upsert"
  where   = "contact_selected(source)"

  fields {
    EmailAddress    = "lower(trim(source.email))"
    Name            = "company_name(source) ?? person_name(source)"
    IsPrivatePerson = "company_name(source) == nil"
    # The person is the contact person of a company customer.
    ContactPersonName  = "company_name(source) != nil ? person_name(source) : nil"
    ContactPersonEmail = "company_name(source) != nil ? lower(trim(source.email)) : nil"
    ContactPersonPhone = "company_name(source) != nil ? source.phone : nil"
    Telephone          = "company_of(source)?.phone ?? source.phone"
    MobilePhone        = "source.mobilephone"

    InvoiceAddress1    = "customer_address(source, 'address')"
    InvoicePostalCode  = "customer_address(source, 'zip')"
    InvoiceCity        = "customer_address(source, 'city')"
    InvoiceCountryCode = "country_code(customer_address(source, 'country')) ?? var.home_country"

    # A custom field: the company's VAT number, kept in the custom HubSpot
    # company property vat_number (declared in the requires block of
    # settings.hcl, so the flow validates before kopla init; kopla plan warns
    # when the account lacks it). Where HubSpot has none, the customer keeps
    # the one eAccounting has.
    VatNumber = "company_name(source) == nil ? nil : (company_of(source)?.vat_number ?? target?.VatNumber)"
    # Outside the EU eAccounting books no VAT unless the customer is
    # ForceBookkeepVat: set where vat_code_by_country gives the country a
    # VAT code with a rate (settings.hcl).
    ForceBookkeepVat = "force_bookkeep_vat(customer_address(source, 'country'))"

    # Classification: the lifecycle stage picks the customer label.
    CustomerLabels = "[{Name: lookup('customer_labels', source.lifecyclestage ?? '')}]"
    IsActive       = true
  }
  create_only {
    CurrencyCode     = "lookup('currency_by_country', country_code(customer_address(source, 'country')) ?? var.home_country)"
    TermsOfPaymentId = "find(eaccounting.books.termsofpayments, 'Name', var.default_terms_of_payment)?.Id"
  }

  # The customer number goes back to the HubSpot contact in the same apply
  # ("(known after apply)" in the plan for new customers). Set up once in
  # HubSpot: the contact property eaccounting_customer_number (text, unique).
  write_back {
    fields {
      eaccounting_customer_number = "assigned(result, 'CustomerNumber')"
    }
  }
}
