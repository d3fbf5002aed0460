test "active person" {
  flow = flow.people
  vars = { note = "from test" }
  source = { email = "Ada@Example.com", tags = ["a", 1, true], nested = { x = null } }

  find {
    object = file.out.contacts
    field  = "email"
    value  = "ada@example.com"
    record = null
  }

  expect {
    action = "create"
    fields = { email = "ada@example.com", note = "from test" }
  }
}

test "missing email" {
  flow   = flow.people
  source = {}
  expect {
    action = "error"
    field  = "email"
    error  = "empty"
  }
}
