connection "memory" "crm" {}
connection "memory" "books" {}
connection "memroy" "typo" {} # ERROR: Unknown connector kind

flow "people" {
  source = memory.crm.contact # ERROR: Unknown source object
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "lower(source.email)"
  }
}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email  = "lower(trim(source.emial))" # ERROR: Unknown field
    Name   = "(find(memroy.typo.names, 'first', source.first)?.name ?? source.first) + ' ' + source.last"
    Id     = "source.email" # ERROR: Read-only target field
    Adress = "source.company" # ERROR: Unknown target field
  }
}

flow "orders" {
  source = memory.crm.orders
  target = memory.books.orders
  key    = "CustomerId" # ERROR: Field cannot be a key
  where  = "source.amount > 'x'" # ERROR: Invalid expression
  fields {
    CustomerId = <<-EXPR
      find(memory.books.customers, 'Email', source.email)?.id
        ?? find(memory.books.custmers, 'Email', 'default@example.com').id
    EXPR
    # ERROR@-2: Unknown object
  }
}

flow "vat" {
  source = memory.crm.contacts
  target = memory.books.vatcodes # ERROR: Read-only target object
  key    = "Code"
  fields {
    Code = "source.email"
  }
}

flow "labels" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email  = "source.email"
    Labels = "['vip']" # ERROR: Field written on create only
  }
  create_only {
    Name = "source.first"
  }
}

flow "find_field" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "find(memory.books.customers, 'Emial', source.email)?.Name ?? ''" # ERROR: Unknown field
  }
}
