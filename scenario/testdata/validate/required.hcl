connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
}

connection "hubspot" "shop" {
  token = env("HUBSPOT_TOKEN")
}

# Creates eAccounting orders and maps none of their required fields: the
# flags have defaults, CustomerId, CurrencyCode, OrderDate and Status not.
flow "orders" {
  source = hubspot.shop.orders
  target = eaccounting.books.orders # ERROR: Missing required fields
  key    = "YourReference"
  fields {
    YourReference = "source.hs_order_name"
  }
}

# The same in create mode, with the customer set on create only.
flow "drafts" {
  source = hubspot.shop.orders
  target = eaccounting.books.customerinvoicedrafts
  key    = "YourReference"
  mode   = "create"
  create_only {
    YourReference = "source.hs_order_name"
    CustomerId    = "'00000000-0000-0000-0000-000000000000'"
  }
}

# An update flow never creates: nothing is required.
flow "order_notes" {
  source = hubspot.shop.orders
  target = eaccounting.books.orders
  key    = "YourReference"
  mode   = "update"
  fields {
    YourReference = "source.hs_order_name"
  }
}

# HubSpot orders need hs_order_name.
flow "back" {
  source = eaccounting.books.orders
  target = hubspot.shop.orders # ERROR: Missing required fields
  key    = "hs_external_order_id"
  fields {
    hs_external_order_id = "source.Id"
  }
}
