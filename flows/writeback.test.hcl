# Unit tests of the write-backs (kopla test): a test of
# flow.<name>.write_back gives the source record and the stored target
# record (result) and expects what is written back. Without a target, the
# record written to is the source record itself.

test "orders_to_eaccounting_orders.write_back: the number of the eAccounting order goes to the HubSpot order" {
  flow   = flow.orders_to_eaccounting_orders.write_back
  source = { hs_object_id = "4001", hs_payment_status = "paid", eaccounting_order_number = null }
  result = { id = "o-1", Id = "o-1", Number = 17, YourReference = "HS-4001" }
  expect {
    action = "update"
    fields = { hs_object_id = "4001", eaccounting_order_number = "17" }
  }
}

test "orders_to_eaccounting_orders.write_back: an order created in the same apply gets its number after apply" {
  flow   = flow.orders_to_eaccounting_orders.write_back
  source = { hs_object_id = "4002", hs_payment_status = "paid" }
  result = { id = "(known after apply)", Number = "(known after apply)" }
  expect {
    action = "update"
    fields = { eaccounting_order_number = "(known after apply)" }
  }
}

test "orders_to_eaccounting_orders.write_back: a number written before is left alone" {
  flow   = flow.orders_to_eaccounting_orders.write_back
  source = { hs_object_id = "4003", hs_payment_status = "paid", eaccounting_order_number = "18" }
  result = { id = "o-2", Number = 18 }
  expect {
    action = "no-op"
  }
}

test "contacts_to_customers.write_back: the customer number goes back to the contact" {
  flow   = flow.contacts_to_customers.write_back
  source = { hs_object_id = "1001", email = "anna.berg@example.com" }
  result = { id = "c-1", CustomerNumber = "1006" }
  expect {
    action = "update"
    fields = { hs_object_id = "1001", eaccounting_customer_number = "1006" }
  }
}

test "contacts_to_customers.write_back: the number of a customer created in the same apply is known after apply" {
  flow   = flow.contacts_to_customers.write_back
  source = { hs_object_id = "1001", email = "anna.berg@example.com" }
  result = { id = "(known after apply)", Name = "Nordljus Handel AB" }
  expect {
    action = "update"
    fields = { eaccounting_customer_number = "(known after apply)" }
  }
}
