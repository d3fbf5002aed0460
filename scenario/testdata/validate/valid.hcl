# Settings that are fine offline: values read from the environment are
# placeholders at validate, and only their types are checked.
connection "hubspot" "shop" {
  token    = env("HUBSPOT_TOKEN")
  base_url = env("HUBSPOT_BASE_URL", "https://api.hubapi.com")
  property {
    object  = "orders"
    name    = "eaccounting_status"
    type    = "enumeration"
    options = ["draft", "sent"]
  }
}

connection "hubspot" "app" {
  oauth {
    client_id     = "kopla-app"
    client_secret = env("HUBSPOT_CLIENT_SECRET")
    redirect_port = 8976
  }
}

connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
  base_url      = env("EACCOUNTING_BASE_URL", "https://eaccountingapi.vismaonline.com/v2")
  rate_limit    = 1
}

connection "file" "exports" {
  dir       = "out"
  delimiter = "\t"
}
