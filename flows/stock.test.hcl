# Unit tests of stock.hcl (kopla test).

test "stock: the available stock of a stock article goes to the product" {
  flow   = flow.stock
  source = { Number = "ART-1001", IsStock = true, StockBalance = 12, StockBalanceAvailable = 10 }
  target = { hs_object_id = "3001", hs_sku = "ART-1001", stock_quantity = 4 }
  expect {
    action = "update"
    fields = { hs_sku = "ART-1001", stock_quantity = 10 }
  }
}

test "stock: an unchanged stock is a no-op" {
  flow   = flow.stock
  source = { Number = "ART-1001", IsStock = true, StockBalance = 4 }
  target = { hs_object_id = "3001", hs_sku = "ART-1001", stock_quantity = 4 }
  expect {
    action = "no-op"
  }
}

test "stock: articles that are not stock articles are left out" {
  flow   = flow.stock
  source = { Number = "ART-1028", IsStock = false }
  expect {
    action = "skip"
  }
}

test "stock: a product HubSpot does not have is never created by the stock flow" {
  flow   = flow.stock
  source = { Number = "ART-2001", IsStock = true, StockBalance = 3 }
  expect {
    action = "skip"
  }
}
