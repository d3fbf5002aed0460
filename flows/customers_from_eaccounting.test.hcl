# Unit tests of customers_from_eaccounting.hcl (kopla test).

test "customers_to_contacts: the contact person of a company customer becomes a HubSpot contact" {
  flow = flow.customers_to_contacts
  source = {
    Id                 = "c-1003", CustomerNumber = "1003", Name = "Solvik Konsult AB", IsPrivatePerson = false, IsActive = true,
    EmailAddress       = "info@solvik.example.com", ContactPersonName = "Karin Nordin", ContactPersonEmail = "Karin.Nordin@solvik.example.com",
    ContactPersonPhone = "+46 70 174 06 11", InvoiceAddress1 = "Hamngatan 2", InvoicePostalCode = "411 05", InvoiceCity = "Göteborg", InvoiceCountryCode = "SE"
  }
  expect {
    action = "create"
    fields = {
      email = "karin.nordin@solvik.example.com", eaccounting_customer_number = "1003", firstname = "Karin", lastname = "Nordin",
      phone = "+46 70 174 06 11", company = "Solvik Konsult AB", city = "Göteborg", country = "SE", lifecyclestage = "customer"
    }
  }
}

test "customers_to_contacts: a private person is the contact" {
  flow   = flow.customers_to_contacts
  source = { Id = "c-1002", CustomerNumber = "1002", Name = "Elin Strand", IsPrivatePerson = true, IsActive = true, EmailAddress = "elin.strand@example.org", Telephone = "+46 70 174 06 02" }
  expect {
    action = "create"
    fields = { email = "elin.strand@example.org", firstname = "Elin", lastname = "Strand", phone = "+46 70 174 06 02", company = null }
  }
}

test "customers_to_contacts: an existing contact gets the customer number, its name is kept" {
  flow   = flow.customers_to_contacts
  source = { Id = "c-1002", CustomerNumber = "1002", Name = "Elin Strand-Berg", IsPrivatePerson = true, IsActive = true, EmailAddress = "elin.strand@example.org" }
  target = { hs_object_id = "1012", email = "elin.strand@example.org", firstname = "Elin", lastname = "Strand" }
  expect {
    action = "update"
    fields = { eaccounting_customer_number = "1002" }
  }
}

test "customers_to_contacts: a customer without e-mail is left out" {
  flow   = flow.customers_to_contacts
  source = { Id = "c-1000", CustomerNumber = "1000", Name = "Diverse webbkunder", IsPrivatePerson = true, IsActive = true }
  expect {
    action = "skip"
  }
}

test "customers_to_companies: a company customer HubSpot does not know becomes a company with its contact" {
  flow    = flow.customers_to_companies
  source  = { Id = "c-1004", CustomerNumber = "1004", Name = "Tallmo Konsult AB", IsPrivatePerson = false, IsActive = true, EmailAddress = "info@tallmo.example.com", InvoiceCity = "Umeå", InvoiceCountryCode = "SE" }
  ensured = { contact = { id = "(known after apply)", email = "info@tallmo.example.com" } }
  find {
    object = hubspot.shop.companies
    field  = "name"
    value  = "Tallmo Konsult AB"
    record = null
  }
  expect {
    action = "create"
    fields = { name = "Tallmo Konsult AB", eaccounting_customer_number = "1004", city = "Umeå", associate_contacts = ["(known after apply)"] }
  }
}

test "customers_to_companies: a customer whose company is in HubSpot already is left alone" {
  flow   = flow.customers_to_companies
  source = { Id = "c-1001", CustomerNumber = "1001", Name = "Havsbris Kontorsvaror AB", IsPrivatePerson = false, IsActive = true, EmailAddress = "emma.aberg@havsbris.example.com" }
  find {
    object = hubspot.shop.companies
    field  = "name"
    value  = "Havsbris Kontorsvaror AB"
    record = { id = "2001", name = "Havsbris Kontorsvaror AB" }
  }
  expect {
    action = "skip"
  }
}

# The contact the ensure creates first does not hide the company: after an
# apply cut off between the two writes, the company is still written.
test "customers_to_companies: a company customer whose contact exists but whose company does not becomes a company" {
  flow    = flow.customers_to_companies
  source  = { Id = "c-1006", CustomerNumber = "1006", Name = "Fjällvägen Bygg AB", IsPrivatePerson = false, IsActive = true, EmailAddress = "inkop@fjallvagen.example.com" }
  ensured = { contact = { id = "1201", email = "inkop@fjallvagen.example.com" } }
  find {
    object = hubspot.shop.contacts
    field  = "email"
    value  = "inkop@fjallvagen.example.com"
    record = { id = "1201" }
  }
  find {
    object = hubspot.shop.companies
    field  = "name"
    value  = "Fjällvägen Bygg AB"
    record = null
  }
  expect {
    action = "create"
    fields = { name = "Fjällvägen Bygg AB", eaccounting_customer_number = "1006", associate_contacts = ["1201"] }
  }
}
