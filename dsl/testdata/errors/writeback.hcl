connection "file" "in" { dir = "in" }

flow "a" {
  source = file.in.a
  target = file.in.b
  key    = "id"
  fields {
    id = "source.id"
  }
  write_back {
    target    = "file.in.a" # ERROR: Invalid object reference
    key       = "id" # ERROR: Unknown argument
    fields {
      n = "result.n"
    }
    create_only { # ERROR: Unknown block type
      m = "result.m"
    }
  }
  write_back { # ERROR: Duplicate write_back block
    fields {
      n = "result.n"
    }
  }
}

flow "b" {
  source = file.in.b
  target = file.in.c
  key    = "id"
  fields {
    id = "source.id"
  }
  write_back { # ERROR: Missing required argument
    id = "source.id"
  }
}

flow "c" {
  source = file.in.c
  target = file.in.d
  key    = "id"
  fields {
    id = "source.id"
  }
  write_back {
    fields { # ERROR: Empty write_back
    }
  }
}

flow "d" {
  source = file.in.d
  target = file.in.e
  key    = "id"
  fields {
    id = "source.id"
  }
  write_back {
    fields {
      n = "result.n + var.nope" # ERROR: Unknown variable
    }
  }
}
