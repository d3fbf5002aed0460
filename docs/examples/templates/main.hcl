# One business rule, two targets: paid orders from a web shop export
# (in/orders.jsonl) are booked as orders or archived, as order_target says.
# The rule is written once, in a template; each target is a short flow that
# extends it and is enabled for its setting. See ../../language.md.

variable "order_target" {
  description = "Where paid orders go: order or archive"
  default     = "order"
}

variable "currency" {
  default = "SEK"
}

connection "file" "shop" {
  dir = "in"
  key = "order_no"
}

connection "file" "books" {
  dir = "out"
}

template "paid_orders" {
  source = file.shop.orders
  where  = "source.status == 'paid'"
  key    = "order_number"
  mode   = "create"

  fields {
    order_number = "'WEB-' + source.order_no"
    customer     = "find(file.shop.customers, 'email', lower(source.customer.email))?.number ?? 'new'"
    currency     = var.currency # a variable: no quotes needed
    total        = "round_money(number(source.total))"
    booked       = false # a literal
  }
}

flow "orders" {
  extends = template.paid_orders
  enabled = var.order_target == "order"
  target  = file.books.orders
}

flow "archived_orders" {
  extends = template.paid_orders
  enabled = var.order_target == "archive"
  target  = file.books.archive

  fields {
    booked   = null # not inherited: an archived order has no booking state
    archived = true
  }
}
