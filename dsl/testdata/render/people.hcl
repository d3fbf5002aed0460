connection "file" "in"  { dir = "in" }
connection "file" "out" { dir = "out" }

variable "country" {
  default = "SE"
}

flow "people" {
  source = file.in.people
  target = file.out.contacts
  where  = "source.active == 'yes' &&"
  key    = "email"
  mode   = "upsret"
  fields {
    email   = "lower(trim(source.email))"
    name    = "source.first +\n  ' ' + source.lsat)"
    country = "var.contry"
    rows    = <<-EXPR
      map(source.items, {{
        Line:  #index + 1,
        Price: float(#.price) ** ,
      }})
    EXPR
  }
}
