connection "file" "in"  { dir = "in" }
connection "file" "out" { dir = "out" }

flow "people" {
  source = file.in.people
  target = file.out.contacts
  key    = "email"
  fields {
    email   = "lower(trim(source.email))"
    name    = "source.first + ' ' + source.last"
    first   = "trim(source.first)"
    last    = "upper(source.last)"
    phone   = "source.phone"
    city    = "source.city"
    country = "country_code(source.country)"
    street  = "street_name(source.address)"
    number  = "street_number(source.address)"
    amount  = "round_money(number(source.amount))"
  }
}
