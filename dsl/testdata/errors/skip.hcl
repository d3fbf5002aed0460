connection "file" "in" { dir = "in" }

flow "b" {
  source = file.in.b
  target = file.in.c
  key    = "id"
  fields {
    id = "source.id"
  }
}

flow "a" {
  source = file.in.a
  target = file.in.b
  key    = "id"
  fields {
    id = "source.id"
  }
  skip "empty" {
    when   = "len(source.lines ?? []) == 0"
    reason = "'the order has no lines'"
  }
  skip "empty" { # ERROR: Duplicate skip block
    when = "true"
  }
  skip "nothing" { # ERROR: Missing required argument
    reason = "'no when'"
  }
  skip "typo" { # ERROR: Missing required argument
    wen = "true" # ERROR: Unknown argument
  }
  skip "bad" {
    when = "source.x ==" # ERROR: Invalid expression
  }
  ensure "b" {
    flow     = flow.b
    for_each = "source.bs"
    mode     = "upsert" # ERROR: Invalid mode
  }
}
