# Unit tests of customers.hcl (kopla test).
# The find blocks at the top answer in every test of this file; a test's own
# find of the same object, field and value wins.

find {
  object = eaccounting.books.termsofpayments
  field  = "Name"
  value  = "30 dagar netto"
  record = { Id = "t-30" }
}

test "contacts_to_customers: a contact of a company becomes a company customer with the person as contact" {
  flow = flow.contacts_to_customers
  source = {
    hs_object_id = "1001", email = " Anna.Berg@Example.com ", firstname = "Anna", lastname = "Berg", phone = "+46 70 174 06 01"
    companies = [{ id = "2001", name = "Nordljus Handel AB", address = "Storgatan 1", zip = "111 22", city = "Stockholm",
    country = "Sweden", phone = "+46 8 000 00 00", vat_number = "SE559000000101" }]
    orders = [{ hs_payment_status = "paid" }]
  }
  expect {
    action = "create"
    fields = {
      EmailAddress      = "anna.berg@example.com", Name = "Nordljus Handel AB", IsPrivatePerson = false
      ContactPersonName = "Anna Berg", ContactPersonEmail = "anna.berg@example.com", Telephone = "+46 8 000 00 00"
      InvoiceAddress1   = "Storgatan 1", InvoicePostalCode = "111 22", InvoiceCity = "Stockholm", InvoiceCountryCode = "SE"
      VatNumber         = "SE559000000101", CurrencyCode = "SEK", TermsOfPaymentId = "t-30", CustomerLabels = [{ Name = "HubSpot" }]
    }
  }
}

test "contacts_to_customers: a contact without company becomes a private person of its country" {
  flow = flow.contacts_to_customers
  source = {
    hs_object_id = "1002", email = "kari.haugen@example.org", firstname = "Kari", lastname = "Haugen",
    address      = "Storgata 5", zip = "0150", city = "Oslo", country = "Norway", lifecyclestage = "evangelist"
    orders       = [{ hs_payment_status = "paid" }]
  }
  expect {
    action = "create"
    fields = {
      Name               = "Kari Haugen", IsPrivatePerson = true, ContactPersonName = null, InvoiceCity = "Oslo",
      InvoiceCountryCode = "NO", CurrencyCode = "NOK", CustomerLabels = [{ Name = "VIP" }]
    }
  }
}

test "contacts_to_customers: the company property without an associated company makes a company customer" {
  flow = flow.contacts_to_customers
  source = {
    hs_object_id = "1003", email = "lena.becker@example.com", firstname = "Lena", lastname = "Becker", company = "Lindenhof GmbH",
    address      = "Hauptstraße 3", zip = "20095", city = "Hamburg", country = "DE", orders = [{ hs_payment_status = "paid" }]
  }
  expect {
    action = "create"
    fields = { Name = "Lindenhof GmbH", IsPrivatePerson = false, ContactPersonName = "Lena Becker", InvoiceCountryCode = "DE", CurrencyCode = "EUR" }
  }
}

test "contacts_to_customers: a contact whose orders are all unpaid is not sent" {
  flow   = flow.contacts_to_customers
  source = { hs_object_id = "1004", email = "per.dahl@example.org", orders = [{ hs_payment_status = "pending" }] }
  expect {
    action = "skip"
  }
}

test "contacts_to_customers: a listed lifecycle stage sends a contact without orders" {
  flow   = flow.contacts_to_customers
  vars   = { customer_lifecycle_stages = ["customer"] }
  source = { hs_object_id = "1005", email = "maja.blom@example.org", firstname = "Maja", lastname = "Blom", zip = "753 10", city = "Uppsala", lifecyclestage = "customer" }
  expect {
    action = "create"
    fields = { Name = "Maja Blom", InvoiceCountryCode = "SE" }
  }
}

test "contacts_to_customers: a contact without e-mail is not sent" {
  flow   = flow.contacts_to_customers
  source = { hs_object_id = "1006", firstname = "Gäst", orders = [{ hs_payment_status = "paid" }] }
  expect {
    action = "skip"
  }
}

test "contacts_to_customers: an existing customer is updated, its terms of payment kept" {
  flow = flow.contacts_to_customers
  source = {
    hs_object_id = "1007", email = "elin.strand@example.org", firstname = "Elin", lastname = "Strand",
    address      = "Sjövägen 89", zip = "211 20", city = "Malmö", country = "Sweden", orders = [{ hs_payment_status = "paid" }]
  }
  target = {
    Id               = "c-1002", CustomerNumber = "1002", EmailAddress = "elin.strand@example.org", Name = "Elin Strand", IsPrivatePerson = true,
    InvoiceAddress1  = "Gamla vägen 1", InvoicePostalCode = "211 20", InvoiceCity = "Malmö", InvoiceCountryCode = "SE",
    TermsOfPaymentId = "t-10", IsActive = true
  }
  expect {
    action = "update"
    fields = { InvoiceAddress1 = "Sjövägen 89" }
  }
}

test "contacts_to_customers: an unknown country is an error on the country field" {
  flow   = flow.contacts_to_customers
  source = { hs_object_id = "1008", email = "x@example.org", firstname = "X", zip = "1", city = "Y", country = "Atlantis", orders = [{ hs_payment_status = "paid" }] }
  expect {
    action = "error"
    field  = "InvoiceCountryCode"
    error  = "unknown country"
  }
}

test "contacts_to_customers: a company without VAT number in HubSpot keeps the one eAccounting has" {
  flow = flow.contacts_to_customers
  source = {
    hs_object_id = "1009", email = "ida.sandberg@nordljus.example.com", firstname = "Ida", lastname = "Sandberg",
    companies    = [{ id = "2002", name = "Nordljus Hem AB", address = "Kungsgatan 13", zip = "222 21", city = "Lund", country = "Sweden" }]
    orders       = [{ hs_payment_status = "paid" }]
  }
  target = { Id = "c-7", CustomerNumber = "1007", EmailAddress = "ida.sandberg@nordljus.example.com", Name = "Nordljus Hem AB", VatNumber = "SE559000000201" }
  expect {
    action = "update"
    fields = { Name = "Nordljus Hem AB", VatNumber = "SE559000000201" }
  }
}

# The buyer the order flows build from an order's billing data
# (billing_contact in orders.hcl) when its contact cannot serve.
test "contacts_to_customers: a company order's billing data becomes a company customer with the buyer as contact person" {
  flow = flow.contacts_to_customers
  source = {
    email     = "order@bjorkdal.example.com", firstname = "Saga", lastname = "Lind", address = "Storgatan 9", zip = "903 26", city = "Umeå", country = "SE",
    companies = [{ id = "2951", name = "Björkdal Trä AB" }], orders = [{ hs_payment_status = "paid" }]
  }
  expect {
    action = "create"
    fields = {
      EmailAddress      = "order@bjorkdal.example.com", Name = "Björkdal Trä AB", IsPrivatePerson = false,
      ContactPersonName = "Saga Lind", ContactPersonEmail = "order@bjorkdal.example.com", InvoiceCity = "Umeå"
    }
  }
}
