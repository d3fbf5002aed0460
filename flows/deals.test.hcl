# Unit tests of deals.hcl (kopla test).

test "deals_to_eaccounting_orders: a won deal becomes an order with its line items" {
  flow = flow.deals_to_eaccounting_orders
  vars = { deals_to_orders = true }
  source = {
    hs_object_id = "6001", dealstage = "closedwon", closedate = "2026-03-10T00:00:00Z", deal_currency_code = "SEK",
    line_items   = [{ id = "5101", hs_sku = "ART-1028", name = "Monteringstjänst per timme", quantity = 4, price = 650 }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-28" }] }
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
  expect {
    action = "create"
    fields = {
      YourReference = "HSD-6001", CustomerId = "c-1", OrderDate = "2026-03-10", CurrencyCode = "SEK"
      Rows          = [{ ArticleId = "a-28", Quantity = 4, UnitPrice = 650 }]
    }
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
