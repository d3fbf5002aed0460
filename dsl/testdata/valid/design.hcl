# The sketch of shared/DESIGN.md, section 2, with expr closures that return
# maps written with double braces.
kopla {
  state              = ".kopla/state.db"
  log_retention_days = 90
}

variable "default_customer_number" {
  default     = "1000"
  description = "Customer number used when an order has no contact."
}

variable "hubspot_token" {
  default   = "unused-in-tests"
  sensitive = true
}

connection "hubspot" "shop" {
  token = env("HUBSPOT_TOKEN", var.hubspot_token)
}

connection "eaccounting" "books" {
  client_id     = env("EACCOUNTING_CLIENT_ID", "example-client")
  client_secret = env("EACCOUNTING_CLIENT_SECRET", "")
  oauth {
    scopes = ["ea:api", "offline_access"]
  }
}

lookup "terms_of_payment" {
  default = "30 dagar"
  values = {
    net_15 = "15 dagar"
    net_30 = "30 dagar"
    fallback = var.default_customer_number
  }
}

function "street" {
  params = ["address"]
  expr   = "trim(split(address, ',')[0])"
}

function "constant" {
  expr = "'kopla'"
}

flow "articles_to_products" {
  source = eaccounting.books.articles
  target = hubspot.shop.products
  where  = "source.IsActive"
  key    = "hs_sku"
  mode   = "upsert"

  fields {
    hs_sku = "source.Number"
    name   = "source.Name"
    price  = "source.NetPrice"
  }
  create_only {
    description = "source.Note"
  }
}

flow "products_to_articles" {
  source = hubspot.shop.products
  target = eaccounting.books.articles
  key    = "Number"
  mode   = "update"
  fields {
    Number = "source.hs_sku"
    Name   = "source.name"
  }
}

flow "contacts_to_customers" {
  source = hubspot.shop.contacts
  target = eaccounting.books.customers
  key    = "EmailAddress"
  fields {
    EmailAddress  = "lower(trim(source.email))"
    Name          = "source.firstname + ' ' + source.lastname"
    InvoiceAddress1 = "street(source.address)"
    TermsOfPaymentId = "lookup('terms_of_payment', source.payment_terms)"
  }
}

flow "paid_orders" {
  source  = hubspot.shop.orders
  include = ["contacts", "companies", "line_items"]
  target  = eaccounting.books.orders
  where   = "source.hs_payment_status == 'paid'"
  key     = "YourReference"
  mode    = "create"

  ensure "customer" {
    flow  = flow.contacts_to_customers
    input = "first(source.contacts)"
  }
  ensure "articles" {
    flow     = flow.products_to_articles
    for_each = "source.line_items"
  }

  fields {
    YourReference = "'HS-' + source.hs_object_id"
    CustomerId    = "ensured.customer?.Id ?? find(eaccounting.books.customers, 'CustomerNumber', var.default_customer_number).Id"
    Rows = <<-EXPR
      map(source.line_items, {{
        LineNumber: #index + 1,
        ArticleId:  ensured.articles[#index].Id,
        Quantity:   float(#.quantity),
        UnitPrice:  float(#.price),
      }})
    EXPR
    Notes = <<EXPR
// A comment in expr, and a filter with a predicate.
join(map(filter(source.line_items, #.quantity > 0), #.name), ', ')
EXPR
  }
}
