kopla {
  state              = env("KOPLA_TEST_UNSET_STATE") # ERROR: Environment variable not set
  log_retention_days = "a month" # ERROR: Invalid value
}

flow "x" { # ERROR: Missing required argument # ERROR: Missing required argument
  key = "id"
  include = [var.missing] # ERROR: Variables not allowed
}

variable "ok" {
  default = lower("X") # ERROR: Function calls not allowed
}
