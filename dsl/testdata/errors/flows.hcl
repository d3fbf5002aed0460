connection "file" "in" { dir = "in" }
connection "file" "out" { dir = "out" }

flow "no_args" { # ERROR: Missing required argument # ERROR: Missing required argument # ERROR: Missing required argument
}

flow "people" {
  source  = file.inn.people # ERROR: Unknown connection
  target  = "file.out.contacts" # ERROR: Invalid object reference
  include = "contacts" # ERROR: Invalid value
  key     = "email"
  mode    = "upsret" # ERROR: Invalid mode
  sorce   = file.in.people # ERROR: Unknown argument
  fields {
    email = "source.email"
    email = "source.mail" # ERROR: Attribute redefined
    address { # ERROR: Unexpected block
    }
  }
  fields { # ERROR: Duplicate fields block
  }
  create_only {
    email = "source.email" # ERROR: Duplicate field
  }
}

flow "people" { # ERROR: Duplicate flow
  source = file.in.people
  target = file.out.contacts
  key    = "email"
}

flow "short" {
  source = file.in # ERROR: Invalid object reference
  target = file.out.x[0] # ERROR: Invalid object reference
  key    = "" # ERROR: Invalid key
  mode   = 3 # ERROR: Invalid mode
  fields {
    id = "source.id"
  }
}
