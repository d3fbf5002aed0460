# Stock, eAccounting -> HubSpot: the stock balance of stock articles onto the
# HubSpot product with the same SKU. A small flow meant to run often:
#
#   kopla apply -flow stock -auto-approve
#
# reads only the articles changed since the last run (ChangedUtc).
#
# Set up once in HubSpot: a custom product property stock_quantity (number).

flow "stock" {
  source = eaccounting.books.articles
  target = hubspot.shop.products
  where  = "(source.IsStock ?? false) && sku_selected(source.Number)"
  key    = "hs_sku"
  mode   = "update"

  fields {
    hs_sku         = "source.Number"
    stock_quantity = "source.StockBalanceAvailable ?? source.StockBalance ?? 0.0"
  }
}
