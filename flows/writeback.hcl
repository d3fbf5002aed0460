# Write-back, eAccounting -> HubSpot: the number of the eAccounting order an
# order became is written to the HubSpot order, in the same apply.
#
# The flow updates HubSpot orders (mode update, keyed by their record id)
# and ensures the order flow for each order first: for an order created in
# this apply the number is "(known after apply)" in the plan and filled in
# once eAccounting has given it. An order that was sent earlier (skipped by
# the order flow) gets the number of the existing eAccounting order.
#
# Set up once in HubSpot: a custom order property eaccounting_order_number
# (single-line text, unique), then run kopla init so the flows know it.
# For order_target "draft" or "invoice" no number exists at this point: the
# invoice number reaches the order through invoice_status_to_orders.

flow "order_numbers_to_hubspot" {
  source  = hubspot.shop.orders
  include = ["line_items", "contacts", "companies"]
  target  = hubspot.shop.orders
  where   = "var.order_target == 'order' && order_selected(source)"
  key     = "hs_object_id"
  mode    = "update"

  ensure "order" {
    flow  = flow.orders_to_eaccounting_orders
    input = "source"
  }

  fields {
    hs_object_id             = "source.hs_object_id"
    eaccounting_order_number = "ensured.order?.Number == nil ? nil : string(ensured.order.Number)"
  }
}
