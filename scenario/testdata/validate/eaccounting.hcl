connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
  rate_limit    = -5 # ERROR: Value out of range
}

connection "eaccounting" "empty" {
  client_id     = "" # ERROR: Empty setting
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
  rate_limit    = 0 # ERROR: Value out of range
}
