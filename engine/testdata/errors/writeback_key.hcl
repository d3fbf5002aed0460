connection "memory" "crm" {}
connection "memory" "books" {}

# A keyed write-back upserts customers by Email: Name, required on create,
# is not mapped.
flow "contacts_required" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.customers # ERROR: Missing required fields
    key    = "Email"
    fields {
      Email = "result.Email"
      Note  = "result.Number"
    }
  }
}

# The key must be a key-capable field of the target, mapped in fields.
flow "contacts_bad_key" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.customers
    key    = "Note" # ERROR: Field cannot be a key
    fields {
      Note = "result.Number"
      Name = "result.Name"
    }
  }
}

flow "contacts_unmapped_key" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.customers
    key    = "Email" # ERROR: Key field not mapped
    fields {
      Name = "result.Name"
    }
  }
}

flow "contacts_unknown_key" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.customers
    key    = "Emial" # ERROR: Unknown key field
    fields {
      Emial = "result.Email" # ERROR: Unknown write-back field
      Name  = "result.Name"
    }
  }
}

# Create-only target fields go in the write_back's create_only block; its
# fields are checked like the others; where sees source and result.
flow "contacts_fields" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.customers
    key    = "Email"
    where  = "source.active && result.Nmber != nil" # ERROR: Unknown field
    fields {
      Email  = "result.Email"
      Name   = "result.Name"
      Labels = "['web']" # ERROR: Field written on create only
    }
    create_only {
      Number = "result.Number" # ERROR: Read-only write-back field
      Nte    = "result.Name" # ERROR: Unknown write-back field
    }
  }
}

flow "contacts_where_type" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "source.first"
  }
  write_back {
    target = memory.books.customers
    key    = "Email"
    where  = "len(result.Name ?? '')" # ERROR: Invalid expression
    fields {
      Email = "result.Email"
      Name  = "result.Name"
    }
    create_only {
      Labels = "['web']"
    }
  }
}
