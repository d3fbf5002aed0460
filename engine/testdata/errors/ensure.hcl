connection "memory" "crm" {}
connection "memory" "books" {}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
}

flow "orders" {
  source = memory.crm.orders
  target = memory.books.orders
  key    = "Reference"
  ensure "customer" {
    flow  = flow.customers
    input = "{email: source.email, frist: 'Ada'}" # ERROR: Unknown field of the ensured source
  }
  ensure "others" {
    flow     = flow.customers
    for_each = <<-EXPR
      source.email == '' ? [] : [
        {email: source.email, last: 'Byron'},
        {email: source.email, phone: '1'},
      ]
    EXPR
    # ERROR@-3: Unknown field of the ensured source
  }
  ensure "mapped" {
    flow     = flow.customers
    for_each = "map([source.email], {{email: #, actve: true}})" # ERROR: Unknown field of the ensured source
  }
  ensure "real" {
    flow = flow.customers
    id   = "source.email"
  }
  fields {
    Reference  = "source.ref"
    CustomerId = "ensured.customer?.id ?? ensured.real?.id"
  }
}
