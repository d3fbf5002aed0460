# A flow library: it names its connections source and target, and declares
# what it needs of them.
requires {
  connection "file" "source" {}
  connection "file" "target" {
    property "contacts" "note" {
      type  = "string"
      label = "Note"
    }
    record "contacts" "admin" {
      field = "email"
      value = var.admin_email
    }
  }
  connection "file" "archive" {}
}

variable "note" {
  default = "imported"
}

variable "admin_email" {
  default = "admin@example.com"
}

flow "people" {
  source = file.source.people
  target = file.target.contacts
  key    = "email"
  fields {
    email = "lower(source.email)"
    known = "find(file.target.contacts, 'email', lower(source.email)) != nil"
  }
  create_only {
    note = "var.note"
  }
}
