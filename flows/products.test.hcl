# Unit tests of products.hcl (kopla test).
# The find blocks at the top answer in every test of this file; a test's own
# find of the same object, field and value wins.

find {
  object = eaccounting.books.units
  field  = "Code"
  value  = "st"
  record = { Id = "u-st" }
}

test "products_to_articles: a new product becomes an article with coding, unit, prices, EAN and stock" {
  flow   = flow.products_to_articles
  source = { hs_object_id = "3001", hs_sku = "A-1", name = "Ullfilt grå", price = 100, hs_product_type = "inventory", hs_cost_of_goods_sold = 40, gtin = "2000000000015", stock_quantity = 12 }
  find {
    object = eaccounting.books.articleaccountcodings
    field  = "Name"
    value  = "Varor 25 %"
    record = { Id = "cod-25", Name = "Varor 25 %", VatRatePercent = 0.25 }
  }
  find {
    object = eaccounting.books.units
    field  = "Code"
    value  = "st"
    record = { Id = "u-st", Code = "st" }
  }
  expect {
    action = "create"
    fields = {
      Number   = "A-1", Name = "Ullfilt grå", NetPrice = 100, GrossPrice = 125, CodingId = "cod-25", UnitId = "u-st",
      IsActive = true, IsStock = true, PurchasePrice = 40, Barcodes = [{ Barcode = "2000000000015", BarcodeType = 0 }], StockBalance = 12
    }
  }
}

test "products_to_articles: a service gets the service coding and unit" {
  flow   = flow.products_to_articles
  source = { hs_object_id = "3028", hs_sku = "A-28", name = "Montering", price = 650, hs_product_type = "service" }
  find {
    object = eaccounting.books.articleaccountcodings
    field  = "Name"
    value  = "Tjänster 25 %"
    record = { Id = "cod-s25", VatRatePercent = 0.25 }
  }
  find {
    object = eaccounting.books.units
    field  = "Code"
    value  = "tim"
    record = { Id = "u-tim" }
  }
  expect {
    action = "create"
    fields = { CodingId = "cod-s25", UnitId = "u-tim", IsStock = false, Barcodes = null }
  }
}

test "products_to_articles: prices including VAT are sent net" {
  flow   = flow.products_to_articles
  vars   = { hubspot_prices_include_vat = true, article_coding_by_sku = { "A-7" = "Varor 12 %" } }
  source = { hs_object_id = "3007", hs_sku = "A-7", name = "Örtte", price = 112, hs_product_type = "inventory" }
  find {
    object = eaccounting.books.articleaccountcodings
    field  = "Name"
    value  = "Varor 12 %"
    record = { Id = "cod-12", VatRatePercent = 0.12 }
  }
  expect {
    action = "create"
    fields = { NetPrice = 100, GrossPrice = 112, CodingId = "cod-12" }
  }
}

test "products_to_articles: a new HubSpot price updates the article with the rate of its own coding" {
  flow   = flow.products_to_articles
  source = { hs_object_id = "3005", hs_sku = "A-5", name = "Kaffe", price = 130, hs_product_type = "inventory" }
  target = { Id = "a-5", Number = "A-5", Name = "Kaffe", NetPrice = 119, GrossPrice = 133.28, CodingId = "cod-12" }
  find {
    object = eaccounting.books.articleaccountcodings
    field  = "Id"
    value  = "cod-12"
    record = { Id = "cod-12", VatRatePercent = 0.12 }
  }
  find {
    object = eaccounting.books.articleaccountcodings
    field  = "Name"
    value  = "Varor 25 %"
    record = { Id = "cod-25", VatRatePercent = 0.25 }
  }
  expect {
    action = "update"
    fields = { NetPrice = 130, GrossPrice = 145.6 }
  }
}

test "products_to_articles: the SKU filter leaves other products out" {
  flow   = flow.products_to_articles
  vars   = { product_sku_prefix = "ART-" }
  source = { hs_object_id = "3100", hs_sku = "GIFT-1", name = "Presentkort" }
  expect {
    action = "skip"
  }
}

test "products_to_articles: the product type filter leaves other products out" {
  flow   = flow.products_to_articles
  vars   = { product_types = ["inventory"] }
  source = { hs_object_id = "3029", hs_sku = "A-29", hs_product_type = "service" }
  expect {
    action = "skip"
  }
}

test "products_to_articles: a product without SKU is left out" {
  flow   = flow.products_to_articles
  source = { hs_object_id = "3101", name = "Utan artikelnummer" }
  expect {
    action = "skip"
  }
}

test "articles_to_products: an article HubSpot lacks becomes a product with description, price and stock" {
  flow   = flow.articles_to_products
  source = { Id = "a-2001", Number = "ART-2001", Name = "Vedkorg i filt", NetPrice = 459, GrossPrice = 573.75, PurchasePrice = 180, IsActive = true, IsStock = true, StockBalance = 7, Barcodes = [{ Barcode = "2000000000022", BarcodeType = 0 }] }
  expect {
    action = "create"
    fields = {
      hs_sku = "ART-2001", name = "Vedkorg i filt", price = 459, description = "Vedkorg i filt", hs_cost_of_goods_sold = 180,
      gtin   = "2000000000022", stock_quantity = 7, hs_product_type = "inventory"
    }
  }
}

test "articles_to_products: the description enriched in HubSpot is never overwritten" {
  flow   = flow.articles_to_products
  source = { Id = "a-2001", Number = "ART-2001", Name = "Vedkorg i filt, ny", NameEnglish = "Felt log basket", NetPrice = 499, PurchasePrice = 180, IsActive = true, IsStock = true }
  target = { hs_object_id = "3031", hs_sku = "ART-2001", name = "Vedkorg i filt", price = 459, description = "Handgjord vedkorg, enriched in HubSpot.", hs_cost_of_goods_sold = 180 }
  expect {
    action = "no-op"
  }
}

test "articles_to_products: eAccounting owns the purchase price" {
  flow   = flow.articles_to_products
  source = { Id = "a-2001", Number = "ART-2001", Name = "Vedkorg i filt", PurchasePrice = 210, IsActive = true }
  target = { hs_object_id = "3031", hs_sku = "ART-2001", description = "Handgjord vedkorg.", hs_cost_of_goods_sold = 180 }
  expect {
    action = "update"
    fields = { hs_cost_of_goods_sold = 210 }
  }
}

test "articles_to_products: the freight article is not a product" {
  flow   = flow.articles_to_products
  source = { Id = "a-frakt", Number = "FRAKT", Name = "Frakt", IsActive = true }
  expect {
    action = "skip"
  }
}

test "articles_to_products: inactive articles are left out" {
  flow   = flow.articles_to_products
  source = { Id = "a-old", Number = "ART-0001", Name = "Utgått", IsActive = false }
  expect {
    action = "skip"
  }
}

test "articles_to_products: an article without purchase price leaves the product's cost alone" {
  flow   = flow.articles_to_products
  source = { Id = "a-1001", Number = "ART-1001", Name = "Ullfilt grå 130x170", IsActive = true, IsStock = true }
  target = { hs_object_id = "3001", hs_sku = "ART-1001", hs_cost_of_goods_sold = 210 }
  expect {
    action = "no-op"
  }
}

test "products_to_articles.write_back: an article made from an order line without product creates the HubSpot product" {
  flow   = flow.products_to_articles.write_back
  source = { id = "sku:ART-2901", hs_sku = "ART-2901", name = "Vedkorg i filt", price = 499 }
  result = { Id = "a-2901", Number = "ART-2901", Name = "Vedkorg i filt", NetPrice = 499, GrossPrice = 623.75, IsActive = true, IsStock = false }
  expect {
    action = "create"
    fields = { hs_sku = "ART-2901", name = "Vedkorg i filt", price = 499, description = "Vedkorg i filt", hs_product_type = "non_inventory", stock_quantity = null, hs_cost_of_goods_sold = null, gtin = null }
  }
}

test "products_to_articles.write_back: with prices including VAT the product gets the gross price" {
  flow   = flow.products_to_articles.write_back
  vars   = { hubspot_prices_include_vat = true }
  source = { id = "sku:ART-2901", hs_sku = "ART-2901", name = "Vedkorg i filt", price = 623.75 }
  result = { Id = "a-2901", Number = "ART-2901", Name = "Vedkorg i filt", NetPrice = 499, GrossPrice = 623.75, IsActive = true }
  expect {
    action = "create"
    fields = { price = 623.75 }
  }
}

test "products_to_articles.write_back: the product found by SKU is left as articles_to_products keeps it" {
  flow   = flow.products_to_articles.write_back
  source = { id = "sku:ART-2901", hs_sku = "ART-2901", name = "Vedkorg i filt", price = 499 }
  result = { Id = "a-2901", Number = "ART-2901", Name = "Vedkorg i filt", NetPrice = 499, IsActive = true }
  target = { hs_object_id = "3901", hs_sku = "ART-2901", name = "Vedkorg", price = 450, hs_cost_of_goods_sold = 180 }
  expect {
    action = "no-op"
  }
}

test "products_to_articles.write_back: a HubSpot product gets no write-back" {
  flow   = flow.products_to_articles.write_back
  source = { hs_object_id = "3001", hs_sku = "ART-1001", name = "Ullfilt grå" }
  result = { Id = "a-1001", Number = "ART-1001", Name = "Ullfilt grå", IsActive = true }
  expect {
    action = "skip"
  }
}

test "products_to_articles.write_back: the freight article is not a product" {
  flow   = flow.products_to_articles.write_back
  source = { id = "sku:FRAKT", hs_sku = "FRAKT", name = "Frakt" }
  result = { Id = "a-frakt", Number = "FRAKT", Name = "Frakt", IsActive = true }
  expect {
    action = "skip"
  }
}

test "products_to_articles.write_back: an article known only after apply gets its description then" {
  flow   = flow.products_to_articles.write_back
  source = { id = "sku:ART-2902", hs_sku = "ART-2902", name = "Filtväska", price = 299 }
  result = { Id = "(known after apply)", Number = "ART-2902", Name = "Filtväska", NetPrice = 299, GrossPrice = 373.75, IsActive = true, IsStock = false, NameEnglish = "(known after apply)" }
  expect {
    action = "create"
    fields = { hs_sku = "ART-2902", price = 299, description = "(known after apply)" }
  }
}
