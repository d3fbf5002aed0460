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
}

# A Visma eAccounting API client; `kopla login eaccounting.books` stores the
# refresh token under .kopla/.
connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
}
