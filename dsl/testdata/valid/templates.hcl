# Templates and extends, enabled and unquoted constants: loaded by
# TestLoadTemplates, which checks the merged flows line by line.
connection "file" "in" { dir = "in" }
connection "file" "out" { dir = "out" }

variable "order_target" {
  default = "draft"
}

variable "status" {
  default = "open"
}

template "documents" {
  source  = file.in.orders
  include = ["contacts"]
  where   = "source.paid"
  key     = "reference"
  mode    = "create"
  fields {
    reference = "'HS-' + source.id"
    customer  = "ensured.customer.id"
    note      = "source.note"
    status    = var.status
  }
  create_only {
    created = "now()"
  }
  ensure "customer" {
    flow  = flow.customers
    input = "first(source.contacts)"
  }
}

template "invoices" {
  extends = template.documents
  target  = file.out.invoices
  enabled = var.order_target == "invoice"
  fields {
    paid = true
  }
}

flow "customers" {
  source = file.in.contacts
  target = file.out.customers
  key    = "email"
  fields {
    email  = "source.email"
    active = true
    count  = 3
    ratio  = 1.5
    tags   = ["a", var.status]
    shout  = upper(var.status)
  }
}

flow "orders" {
  extends = template.documents
  target  = file.out.orders
  enabled = var.order_target == "order"
  where   = null
  fields {
    note    = "'from the flow'"
    created = "source.created"
  }
  create_only {
    status = "'new'"
  }
}

flow "drafts" {
  extends = template.documents
  target  = file.out.drafts
  enabled = var.order_target == "draft"
  mode    = "upsert"
  fields {
    note = null
  }
  ensure "customer" {
    flow     = flow.customers
    for_each = "source.contacts"
  }
}

flow "invoices" {
  extends = template.invoices
}
