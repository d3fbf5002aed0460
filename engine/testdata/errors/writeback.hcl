connection "memory" "crm" {}
connection "memory" "books" {}

# A write-back to the source object by default: crm.contacts has no
# system id to update records by.
flow "contacts" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back { # ERROR: Invalid write-back target
    fields {
      company = "result.Number"
    }
  }
}

flow "customers_self" {
  source = memory.books.customers
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.Email"
    Name  = "source.Name"
  }
  write_back {
    fields {
      Nte    = "result.Number" # ERROR: Unknown write-back field
      Number = "result.Number" # ERROR: Read-only write-back field
      Id     = "result.Id" # ERROR: Read-only write-back field
      Labels = "[result.Name]" # ERROR: Field written on create only
      Note   = "result.Nmber" # ERROR: Unknown field
    }
  }
}

flow "customers_elsewhere" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.custmers # ERROR: Unknown write-back target object
    id     = "source.email"
    fields {
      Note = "result.Name"
    }
  }
}

flow "customers_no_id" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.customers # ERROR: Missing required argument
    fields {
      Note = "result.Name"
    }
  }
}

flow "customers_readonly" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.vatcodes # ERROR: Read-only write-back target
    id     = "source.email"
    fields {
      Rate = "1"
    }
  }
}
