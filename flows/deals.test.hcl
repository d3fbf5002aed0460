# Unit tests of deals.hcl (kopla test). The find blocks at the top answer in
# every test of this file: the VAT code of a Swedish sale, and no freight
# article (a deal has no shipping).

find {
  object = eaccounting.books.vatcodes
  field  = "Code"
  value  = "MP1"
  record = { Code = "MP1", VatRate = 25 }
}

find {
  object = eaccounting.books.articles
  field  = "Number"
  value  = "FRAKT"
  record = null
}

test "deals_to_eaccounting_orders: a won deal becomes an order with its line items" {
  flow = flow.deals_to_eaccounting_orders
  vars = { deals_to_orders = true }
  source = {
    hs_object_id = "6001", dealstage = "closedwon", closedate = "2026-03-10T00:00:00Z", deal_currency_code = "SEK",
    line_items   = [{ id = "5101", hs_sku = "ART-1028", name = "Monteringstjänst per timme", quantity = 4, price = 650 }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-28" }] }
  expect {
    action = "create"
    fields = {
      YourReference = "HSD-6001", CustomerId = "c-1", OrderDate = "2026-03-10", CurrencyCode = "SEK", Status = 2
      Rows          = [{ LineNumber = 0, ArticleId = "a-28", Text = "Monteringstjänst per timme", Quantity = 4, UnitPrice = 650 }]
    }
  }
}

test "deals_to_eaccounting_orders: a deal without contact goes to the default debtor, with our reference" {
  flow    = flow.deals_to_eaccounting_orders
  vars    = { deals_to_orders = true, our_reference = "Lena Ek" }
  source  = { hs_object_id = "6002", dealstage = "closedwon", createdate = "2026-03-09T12:00:00Z" }
  ensured = { customer = null, articles = [] }
  find {
    object = eaccounting.books.customers
    field  = "CustomerNumber"
    value  = "1000"
    record = { Id = "c-debtor", CustomerNumber = "1000", IsPrivatePerson = true }
  }
  expect {
    action = "create"
    fields = { YourReference = "HSD-6002", CustomerId = "c-debtor", OurReference = "Lena Ek", OrderDate = "2026-03-09", CurrencyCode = "SEK", Rows = [] }
  }
}

test "deals_to_eaccounting_orders: deals in other stages are left out" {
  flow   = flow.deals_to_eaccounting_orders
  vars   = { deals_to_orders = true }
  source = { hs_object_id = "6003", dealstage = "contractsent" }
  expect {
    action = "skip"
  }
}

test "deals_to_eaccounting_orders: a deal sent earlier is skipped" {
  flow    = flow.deals_to_eaccounting_orders
  vars    = { deals_to_orders = true }
  source  = { hs_object_id = "6004", dealstage = "closedwon", closedate = "2026-03-10T00:00:00Z" }
  target  = { Id = "o-9", Number = 31, YourReference = "HSD-6004" }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  expect {
    action = "skip"
  }
}

test "deals_to_eaccounting_orders: a company deal without any contact is an error, not the default debtor" {
  flow    = flow.deals_to_eaccounting_orders
  vars    = { deals_to_orders = true }
  source  = { hs_object_id = "6009", dealstage = "closedwon", closedate = "2026-03-10T12:00:00Z", companies = [{ id = "2009", name = "Granlund Bygg AB" }], line_items = [] }
  ensured = { customer = null, buyer = null, articles = [] }
  expect {
    action = "error"
    field  = "CustomerId"
    error  = "the buyer (Granlund Bygg AB) has no e-mail address"
  }
}
