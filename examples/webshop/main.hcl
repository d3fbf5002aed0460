# A web shop that sells through HubSpot commerce and keeps its books in
# Visma eAccounting, using kopla's flow library (../../flows). The library's
# settings are answered in .kopla.vars; the README explains them.

kopla {
  include = ["../../flows"]
}

# A HubSpot private app (or service key) with the scopes listed in the
# README; `kopla init` then reads the account's custom properties.
connection "hubspot" "shop" {
  token = env("HUBSPOT_TOKEN")
  # The real API unless the environment says otherwise (kopla sandbox prints
  # the exports that point this project at its fakes).
  base_url = env("HUBSPOT_BASE_URL", "https://api.hubapi.com")

  # The custom properties the flow library writes. Create them once in
  # HubSpot (Settings > Properties); declaring them here lets the project
  # validate before `kopla init` has read the account.
  property {
    object = "contacts"
    name   = "eaccounting_customer_number"
    type   = "string"
    unique = true
  }
  property {
    object = "companies"
    name   = "eaccounting_customer_number"
    type   = "string"
    unique = true
  }
  property {
    object = "orders"
    name   = "eaccounting_order_number"
    type   = "string"
  }
  property {
    object = "orders"
    name   = "eaccounting_invoice_number"
    type   = "string"
  }
  property {
    object = "orders"
    name   = "eaccounting_payment_status"
    type   = "string"
  }
  property {
    object = "invoices"
    name   = "eaccounting_invoice_id"
    type   = "string"
    unique = true
  }
  property {
    object = "products"
    name   = "gtin"
    type   = "string"
  }
  property {
    object = "products"
    name   = "stock_quantity"
    type   = "number"
  }
}

# A Visma eAccounting API client; `kopla login eaccounting.books` stores the
# refresh token under .kopla/.
connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
  base_url      = env("EACCOUNTING_BASE_URL", "https://eaccountingapi.vismaonline.com/v2")
  identity_url  = env("EACCOUNTING_IDENTITY_URL", "https://identity.vismaonline.com")
  # Empty: the token kopla login stored. Set for a headless first run.
  refresh_token = env("EACCOUNTING_REFRESH_TOKEN", "")
}
