connection "file" "in" { dir = "in" }
connection "file" "out" { dir = "out" }

template "base" {
  source = file.in.people
  key    = "email"
  fields {
    email = "source.email"
    name  = "source.name +* 1" # ERROR: Invalid expression
  }
}

template "base" { # ERROR: Duplicate template
}

template "loop_a" {
  extends = template.loop_b
}

template "loop_b" {
  extends = template.loop_a # ERROR: Cycle between templates
}

template "self" {
  extends = template.self # ERROR: Cycle between templates
}

template "typo" {
  sorce = file.in.people # ERROR: Unknown argument
}

template "unused" {
  target = file.outt.people # ERROR: Unknown connection
}

flow "misspelt" {
  extends = template.bsae # ERROR: Unknown template
  target  = file.out.people
}

flow "quoted" {
  extends = "base" # ERROR: Invalid template reference
  target  = file.out.people
}

flow "of_a_flow" {
  extends = template.misspelt # ERROR: Unknown template
  target  = file.out.people
}

flow "no_target" { # ERROR: Missing required argument
  extends = template.base
}

flow "one" {
  extends = template.base
  target  = file.out.people
  fields {
    note = null # ERROR: Nothing to remove
  }
}

flow "two" {
  extends = template.base
  target  = file.out.people
}

flow "plain" {
  source = file.in.people
  target = file.out.people
  key    = "email"
  fields {
    email = "source.email"
    name  = null # ERROR: Null value
  }
}
