variable "region" {
  default = "eu"
}

variable "region" { # ERROR: Duplicate variable
}

variable "bad" {
  default = var.region # ERROR: Variables not allowed
}

variable "required" { # ERROR: No value for required variable
  description = "A variable without a default."
  sensitive   = "maybe" # ERROR: Invalid value
}

connection "file" "in" { dir = "in" }

connection "file" "in" { # ERROR: Duplicate connection
  dir = "x"
}

connection "hubspot" "shop" {
  token  = env("HUBSPOT_TOKEN")
  region = var.regoin # ERROR: Unknown variable
  other  = local.x # ERROR: Invalid reference
  upper  = uper("a") # ERROR: Unknown function
  oauth {
    client_id = var.nope # ERROR: Unknown variable
  }
}

lookup "terms" {
  values  = { net_30 = "30 days", region = var.region }
  default = "30 days"
}

lookup "terms" { # ERROR: Duplicate lookup
  values = {}
}

lookup "bad" {
  values = ["a"] # ERROR: Invalid lookup values
}

lookup "novalues" { # ERROR: Missing required argument
}

lookup "unknownvar" {
  values = { a = var.nope } # ERROR: Unknown variable
}

function "street" {
  params = ["address"]
  expr   = "trim(split(address, ',')[0])"
}

function "street" { # ERROR: Duplicate function
  expr = "1"
}

function "noexpr" { # ERROR: Missing required argument
  params = ["a"]
}

function "dupparam" {
  params = ["a", "a"] # ERROR: Duplicate parameter
  expr   = "a + var.nope" # ERROR: Unknown variable
}
