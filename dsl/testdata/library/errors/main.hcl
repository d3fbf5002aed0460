connection "file" "in" { dir = "in" }
connection "file" "out" { dir = "out" }
connection "eaccounting" "books" {}

variable "project_note" {
  default = "x"
}

library "people" { # ERROR: Missing library connection
  source = "../lib"
  connections = {
    source = file.in
    target = eaccounting.books # ERROR: Wrong kind of connection
    outbox = file.out          # ERROR: Unknown library connection
  }
  vars = {
    nte         = "x"              # ERROR: Unknown library variable
    note        = var.project_note
    admin_email = var.admin_email # ERROR: Library variable in vars
  }
}

library "elsewhere" {
  source = "../nowhere" # ERROR: Invalid library source
}

requires { # ERROR: Unexpected requires block
}
