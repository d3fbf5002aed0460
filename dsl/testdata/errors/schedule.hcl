kopla {
  schedule = "every 1s" # ERROR: Invalid schedule
  overlap  = "skipp" # ERROR: Invalid overlap
}

connection "hubspot" "shop" {
  token = "x"
}

connection "eaccounting" "books" {
  client_id = "x"
}

flow "a" {
  source   = hubspot.shop.orders
  target   = eaccounting.books.orders
  key      = "Number"
  schedule = "sometimes" # ERROR: Invalid schedule
}

flow "b" {
  source   = hubspot.shop.orders
  target   = eaccounting.books.orders
  key      = "Number"
  schedule = "*/15 * * * *"
  overlap  = "skip"
}
