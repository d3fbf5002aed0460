# Unit tests of writeback.hcl (kopla test).

test "order_numbers_to_hubspot: the number of the eAccounting order goes to the HubSpot order" {
  flow    = flow.order_numbers_to_hubspot
  source  = { hs_object_id = "4001", hs_payment_status = "paid" }
  target  = { hs_object_id = "4001", eaccounting_order_number = null }
  ensured = { order = { id = "o-1", Id = "o-1", Number = 17, YourReference = "HS-4001" } }
  expect {
    action = "update"
    fields = { hs_object_id = "4001", eaccounting_order_number = "17" }
  }
}

test "order_numbers_to_hubspot: an order created in the same apply gets its number after apply" {
  flow    = flow.order_numbers_to_hubspot
  source  = { hs_object_id = "4002", hs_payment_status = "paid" }
  target  = { hs_object_id = "4002" }
  ensured = { order = { id = "(known after apply)", Number = "(known after apply)" } }
  expect {
    action = "update"
    fields = { eaccounting_order_number = "(known after apply)" }
  }
}

test "order_numbers_to_hubspot: a number written before is left alone" {
  flow    = flow.order_numbers_to_hubspot
  source  = { hs_object_id = "4003", hs_payment_status = "paid" }
  target  = { hs_object_id = "4003", eaccounting_order_number = "18" }
  ensured = { order = { id = "o-2", Number = 18 } }
  expect {
    action = "no-op"
  }
}

test "order_numbers_to_hubspot: unpaid orders are not written back" {
  flow   = flow.order_numbers_to_hubspot
  source = { hs_object_id = "4004", hs_payment_status = "failed" }
  target = { hs_object_id = "4004" }
  expect {
    action = "skip"
  }
}
