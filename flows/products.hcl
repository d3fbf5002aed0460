# Products both ways, matched by SKU (HubSpot hs_sku = eAccounting article
# Number). Simple products: no variants, attributes, categories or images.
#
# Who owns which field, so that the two flows never undo each other:
#   HubSpot owns     name, price, long description (and the product type)
#   eAccounting owns purchase price, EAN/GTIN (Barcodes), stock (stock.hcl)
# Each flow keeps the other side's fields create-only: they fill in a new
# record and are never overwritten afterwards. In particular the long
# description is written when a HubSpot product is created from an article
# and then left alone: it is enriched in HubSpot.

variable "product_sku_prefix" {
  description = "Custom filter: only products and articles whose SKU starts with this are synchronised (empty: all). Orders need their articles: keep every SKU sold online inside the filter."
  default     = ""
}

variable "product_types" {
  description = "Custom filter: HubSpot product types (hs_product_type) sent to eAccounting; empty for all."
  default     = []
}

variable "article_coding_by_type" {
  description = "eAccounting article account coding (by name) of new articles, by HubSpot product type; \"default\" for the rest. The coding sets the VAT rate and the revenue accounts per VAT zone."
  default = {
    inventory     = "Varor 25 %"
    non_inventory = "Varor 25 %"
    service       = "Tjänster 25 %"
    default       = "Varor 25 %"
  }
}

variable "article_coding_by_sku" {
  description = "Article account codings (by name) of new articles by SKU, where the product type does not tell (e.g. food at 12 % VAT)."
  default     = {}
}

variable "article_unit_by_type" {
  description = "eAccounting unit (by code) of new articles, by HubSpot product type; \"default\" for the rest."
  default = {
    service = "tim"
    default = "st"
  }
}

# The article account coding name of a HubSpot product.
function "product_coding" {
  params = ["product"]
  expr   = "var.article_coding_by_sku[product.hs_sku ?? ''] ?? var.article_coding_by_type[product.hs_product_type ?? 'default'] ?? var.article_coding_by_type.default"
}

# The EAN/GTIN of a HubSpot product: the custom property gtin (declared in
# the requires block of settings.hcl).
function "product_gtin" {
  params = ["product"]
  expr   = "trim(product.gtin ?? '') == '' ? nil : trim(product.gtin)"
}

# The stock quantity of a HubSpot product: the custom property
# stock_quantity (see stock.hcl).
function "product_stock" {
  params = ["product"]
  expr   = "product.stock_quantity"
}

# The VAT rate (percent) of a product's article: that of the coding of the
# existing article, else of the coding a new one gets.
function "article_vat_percent" {
  params = ["product", "article"]
  expr   = <<-EXPR
    let coding = article?.CodingId != nil ?
      find(eaccounting.books.articleaccountcodings, 'Id', article.CodingId) :
      find(eaccounting.books.articleaccountcodings, 'Name', product_coding(product));
    (coding?.VatRatePercent ?? 0) * 100
  EXPR
}

# The net price of a product's article (hubspot_prices_include_vat: the
# coding's VAT rate is taken off).
function "article_net_price" {
  params = ["product", "article"]
  expr   = "var.hubspot_prices_include_vat ? net_price(product.price ?? 0, article_vat_percent(product, article)) : round_money(product.price)"
}

# What a HubSpot product made from an eAccounting article gets: by
# articles_to_products, and by the write-back of products_to_articles for an
# article it made from an order line without product.

# Which articles have a product.
function "article_has_product" {
  params = ["article"]
  expr   = "(article.IsActive ?? false) && article.Number != var.freight_article_number && sku_selected(article.Number)"
}

# The fields of the HubSpot product of an article (product: the product as
# it is, nil for a new one). eAccounting owns the purchase price and the EAN
# once it has them; until then the product keeps its own. The price is
# excluding or including VAT, as HubSpot prices are kept.
function "product_of_article" {
  params = ["article", "product"]
  expr   = <<-EXPR
    {
      hs_cost_of_goods_sold: (article.PurchasePrice ?? 0) > 0 ? article.PurchasePrice : product?.hs_cost_of_goods_sold,
      gtin:                  first(article.Barcodes ?? [])?.Barcode ?? product?.gtin,
      price:                 var.hubspot_prices_include_vat ? article.GrossPrice : article.NetPrice,
      description:           article.NameEnglish ?? article.Name,
      stock_quantity:        (article.IsStock ?? false) ? (article.StockBalanceAvailable ?? article.StockBalance) : nil,
      hs_product_type:       (article.IsServiceArticle ?? false) ? 'service' : ((article.IsStock ?? false) ? 'inventory' : 'non_inventory')
    }
  EXPR
}

function "sku_selected" {
  params = ["sku"]
  expr   = "trim(sku ?? '') != '' && (var.product_sku_prefix == '' || hasPrefix(sku, var.product_sku_prefix))"
}

flow "products_to_articles" {
  source = hubspot.shop.products
  target = eaccounting.books.articles
  where  = "sku_selected(source.hs_sku) && (len(var.product_types) == 0 || source.hs_product_type in var.product_types)"
  key    = "Number"
  mode   = "upsert"

  fields {
    Number = "trim(source.hs_sku)"
    Name   = "source.name"
    # Net and gross price must agree with the VAT rate of the article's
    # account coding: eAccounting refuses them otherwise.
    NetPrice   = "article_net_price(source, target)"
    GrossPrice = "gross_price(article_net_price(source, target), article_vat_percent(source, target))"
  }
  create_only {
    CodingId      = "find(eaccounting.books.articleaccountcodings, 'Name', product_coding(source))?.Id"
    UnitId        = "find(eaccounting.books.units, 'Code', var.article_unit_by_type[source.hs_product_type ?? 'default'] ?? var.article_unit_by_type.default)?.Id"
    IsActive      = true
    IsStock       = "(source.hs_product_type ?? '') == 'inventory'"
    PurchasePrice = "source.hs_cost_of_goods_sold"
    Barcodes      = "product_gtin(source) == nil ? nil : [{Barcode: product_gtin(source), BarcodeType: 0}]"
    # The stock a new article starts with; eAccounting owns it afterwards.
    StockBalance = "product_stock(source)"
    # OSS (vat_oss, settings.hcl): new articles use it, so that EU private
    # persons pay their country's rate.
    UsesMoss = "var.vat_oss ? true : nil"
  }

  # An article made from an order line without HubSpot product (the order
  # flows hand this flow such lines as products without hs_object_id) gets
  # its product in the same apply, as articles_to_products would create it,
  # which then finds it by SKU.
  write_back {
    target = hubspot.shop.products
    key    = "hs_sku"
    where  = "source.hs_object_id == nil && article_has_product(result)"
    fields {
      hs_sku                = "result.Number"
      hs_cost_of_goods_sold = "product_of_article(result, target).hs_cost_of_goods_sold"
      gtin                  = "product_of_article(result, target).gtin"
    }
    create_only {
      name            = "result.Name"
      price           = "product_of_article(result, nil).price"
      description     = "product_of_article(result, nil).description"
      stock_quantity  = "product_of_article(result, nil).stock_quantity"
      hs_product_type = "product_of_article(result, nil).hs_product_type"
    }
  }
}

flow "articles_to_products" {
  source = eaccounting.books.articles
  target = hubspot.shop.products
  where  = "article_has_product(source)"
  key    = "hs_sku"
  mode   = "upsert"

  fields {
    hs_sku                = "source.Number"
    hs_cost_of_goods_sold = "product_of_article(source, target).hs_cost_of_goods_sold"
    gtin                  = "product_of_article(source, target).gtin"
  }
  create_only {
    name            = "source.Name"
    price           = "product_of_article(source, nil).price"
    description     = "product_of_article(source, nil).description"
    stock_quantity  = "product_of_article(source, nil).stock_quantity"
    hs_product_type = "product_of_article(source, nil).hs_product_type"
  }
}
