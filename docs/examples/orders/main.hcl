# Orders from a web shop export (in/orders.jsonl) become order and customer
# records in JSON Lines files under out/. See ../../language.md.

kopla {
  state              = ".kopla/state.db"
  log_retention_days = 30
}

variable "currency" {
  description = "Currency of the orders"
  default     = "SEK"
}

connection "file" "shop" {
  dir     = "in"
  key     = "order_no"
  missing = "empty" # in/customers.jsonl does not exist: no records of its own
}

connection "file" "books" {
  dir = "out"
}

lookup "shipping" {
  default = "standard"
  values  = { express = "express", pickup = "pickup" }
}

function "customer_number" {
  params = ["email"]
  expr   = "'C-' + upper(split(email, '@')[0])"
}

# Runs for the customers the orders ensure: in/customers.jsonl does not
# exist (missing = "empty" on file.shop), so the flow reads no records of
# its own.
flow "customers" {
  source = file.shop.customers
  target = file.books.customers
  key    = "email"

  fields {
    email   = "lower(trim(source.email))"
    name    = "trim(source.name)"
    country = "country_code(source.country)"
  }
  create_only {
    number = "customer_number(lower(trim(source.email)))"
  }
}

flow "orders" {
  source = file.shop.orders
  target = file.books.orders
  where  = "source.status == 'paid'"
  key    = "order_number"
  mode   = "create"

  ensure "customer" {
    flow  = flow.customers
    input = "source.customer"
  }

  fields {
    order_number = "'WEB-' + source.order_no"
    customer_id  = "ensured.customer.id"
    currency     = "var.currency"
    shipping     = "lookup('shipping', source.shipping)"
    total        = "round_money(number(source.total))"
    rows         = <<-EXPR
      map(source.lines, {{
        LineNumber: #index + 1,
        Sku:        #.sku,
        Quantity:   #.qty,
        Amount:     round_money(#.qty * #.price),
      }})
    EXPR
  }
}
