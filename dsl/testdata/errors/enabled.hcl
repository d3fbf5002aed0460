connection "file" "in" { dir = "in" }

variable "order_target" {
  default = "draft"
}

flow "customers" {
  enabled = var.order_target == "order"
  source  = file.in.people
  target  = file.in.customers
  key     = "id"
  fields {
    id = "source.id"
  }
}

flow "orders" {
  source = file.in.orders
  target = file.in.books
  key    = "id"
  fields {
    id = "source.id"
  }
  ensure "customer" {
    flow  = flow.customers # ERROR: Ensure of a disabled flow
    input = "source.customer"
  }
}

flow "disabled_orders" {
  enabled = false
  source  = file.in.orders
  target  = file.in.books
  key     = "id"
  fields {
    id = "source.id"
  }
  ensure "customer" {
    flow  = flow.customers
    input = "source.customer"
  }
}

flow "not_bool" {
  enabled = var.order_target # ERROR: Invalid enabled
  source  = file.in.a
  target  = file.in.b
  key     = "id"
}

flow "per_record" {
  enabled = source.active # ERROR: Invalid enabled
  source  = file.in.a
  target  = file.in.b
  key     = "id"
}

flow "misspelt" {
  enabled = var.order_targte == "order" # ERROR: Unknown variable
  source  = file.in.a
  target  = file.in.b
  key     = "id"
}

template "unused" {
  enabled = 1 # ERROR: Invalid enabled
}
