connection "hubspot" "both" {
  token = env("HUBSPOT_TOKEN")
  oauth { # ERROR: Conflicting settings
    client_id     = "kopla-app"
    client_secret = env("HUBSPOT_CLIENT_SECRET")
    redirect_port = 70000 # ERROR: Value out of range
  }
}

connection "hubspot" "neither" { # ERROR: Missing setting
  api_version = "v3"
}

connection "hubspot" "blank" {
  token = "" # ERROR: Missing setting
}

connection "hubspot" "props" {
  token = env("HUBSPOT_TOKEN")
  property {
    object = "ordres" # ERROR: Invalid value
    name   = "eaccounting_order_number"
  }
  property { # ERROR: Missing setting
    object = "orders"
    name   = "eaccounting_status"
    type   = "enumeration"
  }
  property {
    object  = "orders"
    name    = "eaccounting_note"
    options = ["a", "b"] # ERROR: Invalid value
  }
}
