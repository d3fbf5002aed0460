connection "file" "in" { dir = "in" }

flow "a" {
  source = file.in.a
  target = file.in.b
  key    = "id"
  fields {
    id = "source.id"
  }
  ensure "b" {
    flow  = flow.b
    input = "source.b"
  }
}

flow "b" {
  source = file.in.b
  target = file.in.c
  key    = "id"
  fields {
    id = "source.id"
  }
  ensure "c" {
    flow     = flow.c
    for_each = "source.cs"
  }
}

flow "c" {
  source = file.in.c
  target = file.in.d
  key    = "id"
  fields {
    id = "source.id"
  }
  ensure "a" {
    flow  = flow.a # ERROR: Cycle between flows
    input = "source.a"
  }
  ensure "a" { # ERROR: Duplicate ensure block
    flow  = flow.a
    input = "source.a"
  }
  ensure "x" {
    flow     = flow.d # ERROR: Unknown flow
    input    = "source.x"
    for_each = "source.xs" # ERROR: Conflicting arguments
  }
  ensure "y" { # ERROR: Missing required argument
    flow = flow.a
  }
  ensure "z" {
    flow  = other.a # ERROR: Invalid flow reference
    input = "source.z"
  }
  ensure "w" {
    flow = flow.a
    id   = "source.w"
    ids  = "source.ws" # ERROR: Conflicting arguments
  }
  ensure "v" {
    flow  = flow.a
    ids   = "source.vs"
    input = "source.v" # ERROR: Conflicting arguments
  }
}

flow "self" {
  source = file.in.s
  target = file.in.t
  key    = "id"
  fields {
    id = "source.id"
  }
  ensure "me" {
    flow  = flow.self # ERROR: Cycle between flows
    input = "source"
  }
}
