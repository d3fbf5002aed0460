connection "file" "in" { dir = "in" }

flow "broken" {
  source = file.in.people
  target = file.in.out
  key    = "email"
  fields {
    email = "source.email"
    name  = source.first + # ERROR: Invalid expression
  }
}

flow "after_the_error" {
  source = file.in.x
  target = file.in.y
  key    = "id"
  mode   = "sometimes" # ERROR: Invalid mode
  fields {
    id = "source.id"
  }
}
