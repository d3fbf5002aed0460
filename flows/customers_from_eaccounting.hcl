# Customers, eAccounting -> HubSpot: every active eAccounting customer with
# an e-mail address has a HubSpot contact (matched by e-mail) that carries
# its customer number; a company customer that HubSpot does not know yet
# also gets a HubSpot company, associated with the contact.
#
# HubSpot stays the owner of its contacts' names, addresses and phone
# numbers: they are written when a contact is created from eAccounting, never
# overwritten (create_only).
#
# Set up once in HubSpot: a contact and a company property
# eaccounting_customer_number (text, unique); then run kopla init.

# The e-mail address of a customer's person: the contact person's, else the
# customer's.
function "customer_email" {
  params = ["customer"]
  expr   = "let e = trim(customer.ContactPersonEmail ?? customer.EmailAddress ?? ''); e == '' ? nil : lower(e)"
}

# The person of a customer: the contact person of a company, the customer
# itself for a private person.
function "customer_person" {
  params = ["customer"]
  expr   = "customer.IsPrivatePerson ? customer.Name : customer.ContactPersonName"
}

flow "customers_to_contacts" {
  source = eaccounting.books.customers
  target = hubspot.shop.contacts
  where  = "(source.IsActive ?? false) && customer_email(source) != nil"
  key    = "email"
  mode   = "upsert"

  fields {
    email                       = "customer_email(source)"
    eaccounting_customer_number = "source.CustomerNumber"
  }
  create_only {
    firstname      = "first_name(customer_person(source))"
    lastname       = "last_name(customer_person(source))"
    phone          = "(source.IsPrivatePerson ?? false) ? (source.Telephone ?? source.MobilePhone) : (source.ContactPersonPhone ?? source.Telephone)"
    mobilephone    = "(source.IsPrivatePerson ?? false) ? source.MobilePhone : source.ContactPersonMobile"
    company        = "(source.IsPrivatePerson ?? false) ? nil : source.Name"
    address        = "source.InvoiceAddress1"
    zip            = "source.InvoicePostalCode"
    city           = "source.InvoiceCity"
    country        = "source.InvoiceCountryCode"
    lifecyclestage = "'customer'"
  }
}

flow "customers_to_companies" {
  source = eaccounting.books.customers
  target = hubspot.shop.companies
  # Company customers whose company HubSpot lacks. The test is on the
  # company itself, not on the contact the ensure below creates first: an
  # apply cut off between the two writes leaves the contact, and the next
  # apply still writes the company. A customer that came from a HubSpot
  # company has that company (same name) and is left alone.
  where = <<-EXPR
    (source.IsActive ?? false) && !(source.IsPrivatePerson ?? false) &&
    find(hubspot.shop.companies, 'name', source.Name) == nil
  EXPR
  key   = "name"
  mode  = "create"

  ensure "contact" {
    flow  = flow.customers_to_contacts
    input = "source"
  }

  fields {
    name                        = "source.Name"
    eaccounting_customer_number = "source.CustomerNumber"
  }
  create_only {
    phone              = "source.Telephone"
    address            = "source.InvoiceAddress1"
    zip                = "source.InvoicePostalCode"
    city               = "source.InvoiceCity"
    country            = "source.InvoiceCountryCode"
    website            = "source.WwwAddress"
    lifecyclestage     = "'customer'"
    associate_contacts = "ensured.contact == nil ? nil : [ensured.contact.id]"
  }
}
