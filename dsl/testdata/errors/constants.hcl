connection "file" "in" { dir = "in" }

variable "status" {
  default = "open"
}

flow "constants" {
  source = file.in.a
  target = file.in.b
  where  = null # ERROR: Null value
  key    = "id"
  fields {
    id      = "source.id"
    active  = true
    count   = 3
    tags    = ["a", var.status]
    status  = var.stauts # ERROR: Unknown variable
    name    = source.name # ERROR: Expression must be a string
    mixed   = var.status == source.status # ERROR: Expression must be a string
    upper   = upper(var.status)
    nothing = null # ERROR: Null value
  }
  ensure "x" {
    flow  = flow.constants # ERROR: Cycle between flows
    input = null # ERROR: Null value
  }
}
