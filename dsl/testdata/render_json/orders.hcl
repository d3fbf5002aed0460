# A native file next to the JSON one: a project may mix the two syntaxes.
flow "orders" {
  source = file.in.orders
  target = file.out.orders
  key    = "number"
  fields {
    number = "source.nr"
  }
  ensure "person" {
    flow  = flow.peple
    input = "source.person"
  }
}
