connection "file" "in" { dir = "in" }

variable "prefix" {
  default = "HS"
}

flow "strings" {
  source = file.in.rows
  target = file.in.copies
  key    = "id"
  fields {
    id      = "var.prefix + '-' + string(source.id)"
    quoted  = "source.name + \" (\" + source.city + \")\""
    escaped = "'tab:\t' + source.a +\n  source.b"
    dollars = "'costs $' + string(source.price) + ' and $${literal}'"
    percent = "'100%' + ' %%{not a directive}'"
    unicode = "'Malmö ✓ ' + source.name"
    indexed = "var['prefix'] + source['odd name']"
    empty   = "''"
  }
}
