test "orders: a paid order becomes an order with numbered rows" {
  flow = flow.orders
  source = {
    order_no = "1001", status = "paid", shipping = "express", total = "1 250,00"
    lines    = [{ sku = "A-1", qty = 2, price = 500 }, { sku = "B-2", qty = 1, price = 250 }]
  }
  ensured = { customer = { id = "email=ada@example.com" } }
  expect {
    action = "create"
    fields = {
      order_number = "WEB-1001", customer_id = "email=ada@example.com", shipping = "express", total = 1250
      rows         = [{ LineNumber = 1, Sku = "A-1", Amount = 1000 }, { LineNumber = 2, Sku = "B-2", Amount = 250 }]
    }
  }
}

test "orders: an unpaid order is skipped" {
  flow   = flow.orders
  source = { order_no = "1003", status = "pending" }
  expect {
    action = "skip"
  }
}

test "orders: an existing order is never updated" {
  flow    = flow.orders
  source  = { order_no = "1001", status = "paid", total = "5", lines = [] }
  ensured = { customer = { id = "email=ada@example.com" } }
  target  = { order_number = "WEB-1001", total = 1250 }
  expect {
    action = "skip"
  }
}

test "customers: a new customer gets a number once" {
  flow   = flow.customers
  source = { email = " Ada@Example.com ", name = "Ada Lovelace", country = "Sverige" }
  expect {
    action = "create"
    fields = { email = "ada@example.com", country = "SE", number = "C-ADA" }
  }
}

test "customers: an unknown country is an error on its field" {
  flow   = flow.customers
  source = { email = "x@example.org", name = "X", country = "Atlantis" }
  expect {
    action = "error"
    field  = "country"
    error  = "unknown country"
  }
}
