connection "file" "in"  { dir = "in" }
connection "file" "out" { dir = "out" }

flow "people" {
  source = file.in.people
  target = file.out.contacts
  where  = "source.active == 'yes'"
  key    = "email"
  fields {
    email = "lower(trim(source.email))"
    name  = "source.first + ' ' + source.last"
  }
  create_only {
    note = "'imported'"
  }
}
