flow "orders" {
  source = file.in.orders
  target = file.out.orderz
  key    = "id"
  fields {
    id = "'HS-${source.id}'"
  }
  ensure "people" {
    flow  = flow.peeple
    input = "source.person"
  }
}
