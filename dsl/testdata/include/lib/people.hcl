variable "note" {
  default = "imported"
}

flow "people" {
  source = file.in.people
  target = file.out.contacts
  key    = "email"
  fields {
    email = "lower(source.email)"
  }
  create_only {
    note = "var.note"
  }
}
