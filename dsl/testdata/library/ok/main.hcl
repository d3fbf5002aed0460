connection "file" "inbox" { dir = "in" }
connection "file" "outbox" { dir = "out" }

variable "default_note" {
  default = "from the project"
}

library "people" {
  source = "../lib"
  connections = {
    source  = file.inbox
    target  = file.outbox
    archive = file.outbox
  }
  vars = {
    note = var.default_note
  }
}
