kopla {
  state              = ".kopla/state.db"
  log_retention_days = 0 # ERROR: Invalid value
  retention          = 30 # ERROR: Unknown argument
}

kopla { # ERROR: Duplicate kopla block
}

flwo "people" { # ERROR: Unknown block type
}

connection "file" { # ERROR: Missing block label
}

connection "file" "in" "extra" { # ERROR: Extraneous block label
}

flow "my-flow" { # ERROR: Invalid name
}

flow "a" {
  source = file.in.a # ERROR: Unknown connection
  target = file.in.b # ERROR: Unknown connection
  key    = "id"
  fields = { # ERROR: Block written as an argument
    id = "source.id"
  }
  where { # ERROR: Argument written as a block
  }
}

state = ".kopla/state.db" # ERROR: Unknown argument

ensure "customer" { # ERROR: Unknown block type
}
