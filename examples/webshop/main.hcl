# A web shop that sells through HubSpot commerce and keeps its books in
# Visma eAccounting, using kopla's flow library (../../flows). The library
# declares the HubSpot properties and the eAccounting records it needs:
# `kopla init -check` lists what the accounts lack, `kopla init -create`
# creates the properties. Its other settings are answered in .kopla.vars;
# the README explains them.

library "webshop" {
  source = "../../flows"
  # The library calls its connections shop and books; these are this
  # project's.
  connections = {
    shop  = hubspot.shop
    books = eaccounting.books
  }
  vars = {
    # Orders without a contact go to customer 1000, "Diverse webbkunder".
    default_customer_number = "1000"
    # Shipping is charged with the article FRAKT.
    freight_article_number = "FRAKT"
  }
}

# A HubSpot private app (or service key) with the scopes listed in the
# README; `kopla init` then reads the account's custom properties.
connection "hubspot" "shop" {
  token = env("HUBSPOT_TOKEN")
  # The real API unless the environment says otherwise (kopla sandbox prints
  # the exports that point this project at its fakes).
  base_url = env("HUBSPOT_BASE_URL", "https://api.hubapi.com")
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
