# Every test of this file gets this find answer; a test's own find of the
# same object, field and value wins.
find {
  object = file.shop.customers
  field  = "email"
  value  = "ada@example.com"
  record = { email = "ada@example.com", number = "C-1" }
}

test "orders: a paid order of a known customer" {
  flow   = flow.orders
  source = { order_no = "1001", status = "paid", total = "1 250,00", customer = { email = "Ada@Example.com" } }
  expect {
    action = "create"
    fields = { order_number = "WEB-1001", customer = "C-1", currency = "SEK", total = 1250, booked = false }
  }
}

test "archived_orders: a paid order of a new customer is archived, without booking state" {
  flow   = flow.archived_orders
  source = { order_no = "1002", status = "paid", total = "99.5", customer = { email = "grace@example.org" } }
  find {
    object = file.shop.customers
    field  = "email"
    value  = "grace@example.org"
    record = null
  }
  expect {
    action = "create"
    fields = { order_number = "WEB-1002", customer = "new", archived = true }
  }
}
