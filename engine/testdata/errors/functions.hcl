# Fields read through function parameters and of what functions return are
# checked at each call, with the types of its arguments.
connection "memory" "crm" {}
connection "memory" "books" {}

function "email_of" {
  params = ["person"]
  expr   = "lower(trim(person.emial ?? ''))" # ERROR: Unknown field
}

function "full_name" {
  params = ["person"]
  expr   = "trim((person.first ?? '') + ' ' + (person.surname ?? ''))" # ERROR: Unknown field
}

# Reads nothing of its parameter that a call could lack: valid for contacts
# and orders alike, and for nil.
function "id_of" {
  params = ["record"]
  expr   = "record == nil ? nil : record.email"
}

function "same" {
  params = ["x"]
  expr   = "x"
}

# A function calling a function: the inner call is checked with what the
# outer one is given.
function "display_name" {
  params = ["person"]
  expr   = "full_name(same(person))"
}

function "amount_of" {
  params = ["order"]
  expr   = "order.amount + order.shipping" # ERROR: Unknown field
}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "email_of(source)"
    Name  = "display_name(source)"
    Note  = "same(source).company + same(source).compnay" # ERROR: Unknown field
  }
}

flow "orders" {
  source = memory.crm.orders
  target = memory.books.orders
  key    = "Reference"
  fields {
    Reference  = "id_of(source) ?? id_of(nil)"
    CustomerId = "string(same({email: source.email}).email)"
    Amount     = "amount_of(source)"
  }
}
