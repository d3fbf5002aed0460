connection "file" "in" { dir = "in" }

variable "country" {
  default = "SE"
}

flow "e" {
  source = file.in.a
  target = file.in.b
  where  = "source.active == " # ERROR: Invalid expression
  key    = "id"
  fields {
    id = "source.id"
    a  = "source.a +* 2" # ERROR: Invalid expression
    b  = "source.b\n  + var.contry" # ERROR: Unknown variable
    c  = "source.c +\n  (source.d" # ERROR: Invalid expression
    d  = "'HS-${source.id}'" # ERROR: Interpolation in an expression
    e  = source.e # ERROR: Expression must be a string
    f  = "" # ERROR: Empty expression
    g  = "var.country + var.region" # ERROR: Unknown variable
    h  = "'unterminated" # ERROR: Invalid expression
    rows = <<EXPR
      map(source.items, {{
        Line: #index + 1,
        Price: float(#.price) * var.rate, // ERROR: Unknown variable
      }})
    EXPR
    rows2 = <<-EXPR
      map(source.items, {
        Line: #index + 1, // ERROR: Invalid expression
      })
    EXPR
    rows4 = <<EXPR
source.x
  .y.  // ERROR: Invalid expression
EXPR
    rows3 = <<-EXPR
      source.x +
      source.y ) // ERROR: Invalid expression
    EXPR
  }
}
