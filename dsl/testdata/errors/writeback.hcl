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
    mode      = "upsert" # ERROR: Unknown argument
    fields {
      n = "result.n"
    }
    create_only { # ERROR: Unexpected create_only block
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

flow "e" {
  source = file.in.e
  target = file.in.f
  key    = "id"
  fields {
    id = "source.id"
  }
  write_back {
    target = file.in.g
    id     = "result.id"
    key    = "sku" # ERROR: Conflicting arguments
    fields {
      sku = "result.sku"
    }
  }
}

flow "f" {
  source = file.in.f
  target = file.in.g
  key    = "id"
  fields {
    id = "source.id"
  }
  write_back {
    target = file.in.h
    key    = "" # ERROR: Invalid key
    where  = "source.id != nil &&" # ERROR: Invalid expression
    fields {
      sku = "result.sku"
    }
  }
}

flow "g" {
  source = file.in.g
  target = file.in.h
  key    = "id"
  fields {
    id = "source.id"
  }
  write_back {
    target = file.in.i
    key    = var.sku_field # ERROR: Variables not allowed
    fields {
      sku  = "result.sku"
      name = "result.name"
    }
    create_only {
      name  = "result.name" # ERROR: Duplicate field
      price = "result.price"
    }
    create_only { # ERROR: Duplicate create_only block
      more = "result.more"
    }
  }
}
