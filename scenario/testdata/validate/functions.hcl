# Issue 10 item 11: a custom property read through a function is checked
# against the schema like any other. Before kopla init, vat_number is
# unknown unless something declares it; a property block declares gtin.
connection "hubspot" "shop" {
  token = env("HUBSPOT_TOKEN")
  property {
    object = "products"
    name   = "gtin"
  }
}

connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID")
  client_secret = env("EACCOUNTING_CLIENT_SECRET")
}

function "company_of" {
  params = ["contact"]
  expr   = "first(contact.companies ?? [])"
}

function "vat_number_of" {
  params = ["company"]
  expr   = "company?.vat_number" # ERROR: Unknown field
}

function "product_gtin" {
  params = ["product"]
  expr   = "trim(product.gtin ?? '') == '' ? nil : trim(product.gtin)"
}

flow "contacts_to_customers" {
  source  = hubspot.shop.contacts
  include = ["companies"]
  target  = eaccounting.books.customers
  key     = "EmailAddress"
  mode    = "update"
  fields {
    EmailAddress = "source.email"
    VatNumber    = "company_of(source)?.vat_number" # ERROR: Unknown field
    Name         = "company_of(source)?.name ?? source.lastname"
    Note         = "vat_number_of(company_of(source))"
  }
}

flow "products_to_articles" {
  source = hubspot.shop.products
  target = eaccounting.books.articles
  key    = "Number"
  mode   = "update"
  fields {
    Number = "source.hs_sku"
    # The bar code of a product: declared, so read without a warning.
    Name = "product_gtin(source) ?? source.name"
  }
}
