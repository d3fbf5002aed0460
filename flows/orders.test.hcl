# Unit tests of orders.hcl (kopla test). The find blocks answer the live
# lookups: VAT codes, account codings, the freight article. Those at the top
# answer in every test of this file; a test's own find of the same value
# wins (the freight article exists in some tests).

find {
  object = eaccounting.books.vatcodes
  field  = "Code"
  value  = "MP1"
  record = { Code = "MP1", VatRate = 25 }
}

find {
  object = eaccounting.books.articleaccountcodings
  field  = "Id"
  value  = "cod-25"
  record = { Id = "cod-25", VatRatePercent = 0.25 }
}

# The terms of payment the payment methods map to (payment_terms) and the
# bank account card payments are recorded to (payment_accounts).
find {
  object = eaccounting.books.termsofpayments
  field  = "Name"
  value  = "30 dagar netto"
  record = { Id = "top-30", Name = "30 dagar netto", NumberOfDays = 30 }
}

find {
  object = eaccounting.books.termsofpayments
  field  = "Name"
  value  = "Kortbetalning"
  record = { Id = "top-card", Name = "Kortbetalning", NumberOfDays = 0 }
}

find {
  object = eaccounting.books.bankaccounts
  field  = "LedgerAccountNumber"
  value  = 1930
  record = { Id = "bank-1930", LedgerAccountNumber = 1930, Name = "Företagskonto" }
}

find {
  object = eaccounting.books.articles
  field  = "Number"
  value  = "FRAKT"
  record = null
}

# No order is booked yet under any target (skip "booked"): these find
# blocks have no value, so they answer every reference.
find {
  object = eaccounting.books.customerinvoices
  field  = "YourReference"
  record = null
}

find {
  object = eaccounting.books.orders
  field  = "YourReference"
  record = null
}

find {
  object = eaccounting.books.customerinvoicedrafts
  field  = "YourReference"
  record = null
}

test "orders_to_eaccounting_orders: a paid company order with discount, freight and payment terms" {
  flow = flow.orders_to_eaccounting_orders
  source = {
    hs_object_id                    = "1001", hs_payment_status = "paid", hs_external_order_id = "WEB-1001", hs_currency_code = "SEK",
    hs_external_created_date        = "2026-03-02T10:00:00Z", hs_shipping_cost = 59, hs_shipping_method = "express",
    hs_payment_processing_method    = "invoice",
    hs_billing_address_name         = "Nordljus Handel AB", hs_billing_address_street = "Storgatan 1",
    hs_billing_address_postal_code  = "111 22", hs_billing_address_city = "Stockholm", hs_billing_address_country = "SE",
    hs_shipping_address_name        = "Anna Berg", hs_shipping_address_street = "Lagervägen 5",
    hs_shipping_address_postal_code = "123 45", hs_shipping_address_city = "Farsta", hs_shipping_address_country = "SE",
    line_items                      = [{ id = "5001", hs_sku = "A-1", name = "Ullfilt", quantity = 2, price = 100, hs_discount_percentage = 10 }]
  }
  ensured = {
    customer = { Id = "c-1", IsPrivatePerson = false, InvoiceCountryCode = "SE" }
    articles = [{ Id = "a-1", CodingId = "cod-25" }]
  }
  find {
    object = eaccounting.books.articles
    field  = "Number"
    value  = "FRAKT"
    record = { Id = "a-frakt", Number = "FRAKT", Name = "Frakt", CodingId = "cod-25" }
  }
  expect {
    action = "create"
    fields = {
      YourReference        = "HS-1001", BuyersOrderReference = "WEB-1001", CustomerId = "c-1", OrderDate = "2026-03-02",
      CurrencyCode         = "SEK", Status = 2, InvoiceCountryCode = "SE", InvoiceCity = "Stockholm", DeliveryCity = "Farsta",
      DeliveryCustomerName = "Anna Berg", DeliveryMethodCode = "BUD", TermsOfPaymentId = "top-30"
      Rows = [
        { LineNumber = 0, ArticleId = "a-1", Quantity = 2, UnitPrice = 100, DiscountPercentage = 0.1 },
        { LineNumber = 1, ArticleId = "a-frakt", Quantity = 1, UnitPrice = 59 },
        { LineNumber = 2, ArticleId = null, Text = "Betalningsvillkor: 30 dagar netto" },
      ]
    }
  }
}

test "orders_to_eaccounting_orders: an unpaid order is skipped" {
  flow   = flow.orders_to_eaccounting_orders
  source = { hs_object_id = "1002", hs_payment_status = "pending" }
  expect {
    action = "skip"
  }
}

test "orders_to_eaccounting_orders: an order that exists in eAccounting is skipped" {
  flow    = flow.orders_to_eaccounting_orders
  source  = { hs_object_id = "1003", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z" }
  target  = { Id = "o-1", Number = 17, YourReference = "HS-1003" }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  expect {
    action = "skip"
  }
}

test "orders_to_eaccounting_orders: an order without contact goes to the default debtor, with prices including VAT" {
  flow = flow.orders_to_eaccounting_orders
  source = {
    hs_object_id               = "1004", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_country = "SE", line_items = [{ id = "5002", hs_sku = "A-1", quantity = 1, price = 100 }]
  }
  ensured = { customer = null, articles = [{ Id = "a-1", CodingId = "cod-25" }] }
  find {
    object = eaccounting.books.customers
    field  = "CustomerNumber"
    value  = "1000"
    record = { Id = "c-debtor", CustomerNumber = "1000", IsPrivatePerson = true }
  }
  expect {
    action = "create"
    fields = { CustomerId = "c-debtor", Rows = [{ ArticleId = "a-1", UnitPrice = 125 }] }
  }
}

test "orders_to_eaccounting_orders: food at 12 percent for a private person in the EU" {
  flow = flow.orders_to_eaccounting_orders
  source = {
    hs_object_id               = "1005", hs_payment_status = "paid", hs_currency_code = "EUR", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_country = "FI", line_items = [{ id = "5003", hs_sku = "ART-1005", quantity = 1, price = 10 }]
  }
  ensured = { customer = { Id = "c-2", IsPrivatePerson = true, InvoiceCountryCode = "FI" }, articles = [{ Id = "a-5", CodingId = "cod-12" }] }
  find {
    object = eaccounting.books.articleaccountcodings
    field  = "Id"
    value  = "cod-12"
    record = { Id = "cod-12", VatRatePercent = 0.12 }
  }
  expect {
    action = "create"
    fields = { CurrencyCode = "EUR", Rows = [{ UnitPrice = 11.2 }] }
  }
}

test "orders_to_eaccounting_orders: a private person outside the EU pays net prices (export)" {
  flow = flow.orders_to_eaccounting_orders
  source = {
    hs_object_id               = "1006", hs_payment_status = "paid", hs_currency_code = "USD", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_country = "US", line_items = [{ id = "5004", hs_sku = "A-1", quantity = 1, price = 40 }]
  }
  ensured = { customer = { Id = "c-3", IsPrivatePerson = true, InvoiceCountryCode = "US" }, articles = [{ Id = "a-1", CodingId = "cod-25" }] }
  find {
    object = eaccounting.books.vatcodes
    field  = "Code"
    value  = "VEX"
    record = { Code = "VEX", VatRate = 0 }
  }
  expect {
    action = "create"
    fields = { InvoiceCountryCode = "US", Rows = [{ UnitPrice = 40 }] }
  }
}

test "orders_to_eaccounting_orders: an EU company gets net prices (reverse charge)" {
  flow = flow.orders_to_eaccounting_orders
  source = {
    hs_object_id               = "1007", hs_payment_status = "paid", hs_currency_code = "EUR", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_country = "DE", line_items = [{ id = "5005", hs_sku = "A-1", quantity = 3, price = 40 }]
  }
  ensured = { customer = { Id = "c-4", IsPrivatePerson = false }, articles = [{ Id = "a-1", CodingId = "cod-25" }] }
  find {
    object = eaccounting.books.vatcodes
    field  = "Code"
    value  = "VEU"
    record = { Code = "VEU", VatRate = 0 }
  }
  expect {
    action = "create"
    fields = { InvoiceCountryCode = "DE", Rows = [{ Quantity = 3, UnitPrice = 40 }] }
  }
}

test "orders_to_eaccounting_orders: line and order discounts combine into the row discount" {
  flow = flow.orders_to_eaccounting_orders
  source = {
    hs_object_id               = "1008", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_country = "SE", hs_subtotal_price = 285, hs_order_discount = 28.5,
    line_items = [
      { id = "5006", hs_sku = "A-1", quantity = 1, price = 100, hs_discount_percentage = 10 },
      { id = "5007", hs_sku = "A-2", quantity = 2, price = 100, discount = 5 },
    ]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-1" }, { Id = "a-2" }] }
  expect {
    action = "create"
    fields = {
      Rows = [
        { ArticleId = "a-1", UnitPrice = 100, DiscountPercentage = 0.19 },
        { ArticleId = "a-2", UnitPrice = 95, DiscountPercentage = 0.1 },
      ]
    }
  }
}

test "orders_to_eaccounting_orders: the cost centre setting goes on every row" {
  flow = flow.orders_to_eaccounting_orders
  vars = { cost_center = "SALJ", cost_unit = "NORD" }
  source = {
    hs_object_id               = "1009", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_country = "SE", line_items = [{ id = "5008", hs_sku = "A-1", quantity = 1, price = 100 }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-1" }] }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "SALJ"
    record = { Id = "cc-salj", ShortName = "SALJ" }
  }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "NORD"
    record = { Id = "cc-nord", ShortName = "NORD" }
  }
  expect {
    action = "create"
    fields = { Rows = [{ CostCenterItemId1 = "cc-salj", CostCenterItemId2 = "cc-nord" }] }
  }
}

test "orders_to_eaccounting_orders: the company's cost centre and cost unit win over the settings" {
  flow = flow.orders_to_eaccounting_orders
  vars = { cost_center = "SALJ", cost_unit = "NORD" }
  source = {
    hs_object_id = "1031", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    line_items   = [{ id = "5031", hs_sku = "A-1", quantity = 1, price = 100 }]
    companies    = [{ id = "301", name = "Havsbris AB", eaccounting_cost_center = "BUTIK", eaccounting_cost_unit = "SYD" }]
    contacts     = [{ id = "201", email = "a@havsbris.example", eaccounting_cost_center = "WEBB" }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-1" }] }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "BUTIK"
    record = { Id = "cc-butik", ShortName = "BUTIK" }
  }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "SYD"
    record = { Id = "cc-syd", ShortName = "SYD" }
  }
  expect {
    action = "create"
    fields = { Rows = [{ CostCenterItemId1 = "cc-butik", CostCenterItemId2 = "cc-syd" }] }
  }
}

test "orders_to_eaccounting_orders: a contact's cost centre serves when its company has none, the setting the other dimension" {
  flow = flow.orders_to_eaccounting_orders
  vars = { cost_unit = "NORD" }
  source = {
    hs_object_id = "1032", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    line_items   = [{ id = "5032", hs_sku = "A-1", quantity = 1, price = 100 }]
    companies    = [{ id = "302", name = "Björkdal Trä AB", eaccounting_cost_center = " " }]
    contacts     = [{ id = "202", email = "b@bjorkdal.example", eaccounting_cost_center = "WEBB" }]
  }
  ensured = { customer = { Id = "c-2", IsPrivatePerson = false }, articles = [{ Id = "a-1" }] }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "WEBB"
    record = { Id = "cc-webb", ShortName = "WEBB" }
  }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "NORD"
    record = { Id = "cc-nord", ShortName = "NORD" }
  }
  expect {
    action = "create"
    fields = { Rows = [{ CostCenterItemId1 = "cc-webb", CostCenterItemId2 = "cc-nord" }] }
  }
}

test "orders_to_eaccounting_orders: a cost centre eAccounting does not know is an error naming its origin" {
  flow = flow.orders_to_eaccounting_orders
  source = {
    hs_object_id = "1033", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    line_items   = [{ id = "5033", hs_sku = "A-1", quantity = 1, price = 100 }]
    companies    = [{ id = "303", name = "Havsbris AB", eaccounting_cost_center = "OKÄND" }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-1" }] }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "OKÄND"
    record = null
  }
  expect {
    action = "error"
    field  = "Rows"
    error  = "the cost centre item OKÄND (property eaccounting_cost_center of company Havsbris AB) does not exist in eAccounting"
  }
}

test "orders_to_eaccounting_orders: a cost_center setting eAccounting does not know is an error" {
  flow = flow.orders_to_eaccounting_orders
  vars = { cost_center = "SALJ" }
  source = {
    hs_object_id = "1034", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    line_items   = [{ id = "5034", hs_sku = "A-1", quantity = 1, price = 100 }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-1" }] }
  find {
    object = eaccounting.books.costcenteritems
    field  = "ShortName"
    value  = "SALJ"
    record = null
  }
  expect {
    action = "error"
    field  = "Rows"
    error  = "the cost centre item SALJ (setting cost_center) does not exist in eAccounting"
  }
}

test "orders_to_eaccounting_orders: payment methods map to the terms of payment of the setting" {
  flow = flow.orders_to_eaccounting_orders
  vars = { payment_terms = { "Kontant" = ["card", "swish"] }, allow_empty_orders = true }
  source = {
    hs_object_id                 = "1010", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_payment_processing_method = "swish", hs_shipping_method = "drone"
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  find {
    object = eaccounting.books.termsofpayments
    field  = "Name"
    value  = "Kontant"
    record = { Id = "top-cash", Name = "Kontant" }
  }
  expect {
    action = "create"
    fields = { DeliveryMethodCode = null, TermsOfPaymentId = "top-cash", Rows = [{ LineNumber = 0, ArticleId = null, Text = "Betalningsvillkor: Kontant" }] }
  }
}

test "orders_to_eaccounting_orders: an unknown billing country is an error on its field" {
  flow    = flow.orders_to_eaccounting_orders
  vars    = { allow_empty_orders = true }
  source  = { hs_object_id = "1011", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z", hs_billing_address_country = "Atlantis" }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  expect {
    action = "error"
    field  = "InvoiceCountryCode"
    error  = "unknown country"
  }
}

test "orders_to_invoice_drafts: a paid order becomes an invoice draft with the rows of an order" {
  flow = flow.orders_to_invoice_drafts
  vars = { order_target = "draft" }
  source = {
    hs_object_id              = "1013", hs_payment_status = "paid", hs_processed_date = "2026-03-03T08:00:00Z",
    hs_billing_address_street = "Storgatan 1", hs_billing_address_country = "SE",
    line_items                = [{ id = "5009", hs_sku = "A-1", quantity = 1, price = 100 }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [{ Id = "a-1" }] }
  expect {
    action = "create"
    fields = {
      YourReference = "HS-1013", CustomerId = "c-1", InvoiceDate = "2026-03-03", InvoiceAddress1 = "Storgatan 1"
      Rows          = [{ LineNumber = 0, ArticleId = "a-1", Quantity = 1, UnitPrice = 100 }]
    }
  }
}

test "orders_to_invoices: a paid order becomes a booked invoice" {
  flow = flow.orders_to_invoices
  vars = { order_target = "invoice" }
  source = {
    hs_object_id = "1014", hs_payment_status = "paid", hs_processed_date = "2026-03-03T08:00:00Z",
    line_items   = [{ id = "5010", hs_sku = "A-1", quantity = 1, price = 100 }]
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false, InvoiceCountryCode = "SE" }, articles = [{ Id = "a-1" }] }
  find {
    object = eaccounting.books.customerinvoices
    field  = "YourReference"
    value  = "HS-1014"
    record = null
  }
  expect {
    action = "create"
    fields = { YourReference = "HS-1014", Invoiced = true }
  }
}

test "orders_to_invoices: an order whose invoice exists is skipped" {
  flow   = flow.orders_to_invoices
  vars   = { order_target = "invoice" }
  source = { hs_object_id = "1015", hs_payment_status = "paid" }
  find {
    object = eaccounting.books.customerinvoices
    field  = "YourReference"
    value  = "HS-1015"
    record = { Id = "i-1", InvoiceNumber = 12, YourReference = "HS-1015" }
  }
  expect {
    action = "skip"
  }
}

test "orders_to_eaccounting_orders: orders of another store are left out" {
  flow   = flow.orders_to_eaccounting_orders
  vars   = { order_store = "Kopla Demo Store" }
  source = { hs_object_id = "1016", hs_payment_status = "paid", hs_source_store = "Pop-up Store" }
  expect {
    action = "skip"
  }
}

test "orders_to_eaccounting_orders: a line without an eAccounting article is an error, never a text row" {
  flow    = flow.orders_to_eaccounting_orders
  source  = { hs_object_id = "1017", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z", line_items = [{ id = "5011", name = "Presentkort", quantity = 1, price = 100 }] }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [null] }
  expect {
    action = "error"
    field  = "Rows"
    error  = "line item Presentkort has no eAccounting article"
  }
}

test "orders_to_eaccounting_orders: shipping costs without the freight article are an error" {
  flow    = flow.orders_to_eaccounting_orders
  vars    = { allow_empty_orders = true }
  source  = { hs_object_id = "1018", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z", hs_shipping_cost = 59 }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  expect {
    action = "error"
    field  = "Rows"
    error  = "the freight article FRAKT (freight_article_number) does not exist in eAccounting"
  }
}

test "orders_to_eaccounting_orders: an order without line items is skipped, with the reason" {
  flow   = flow.orders_to_eaccounting_orders
  source = { hs_object_id = "1019", hs_payment_status = "paid", hs_currency_code = "SEK" }
  expect {
    action = "skip"
  }
}

test "orders_to_eaccounting_orders: an order booked as an invoice is skipped, naming the invoice" {
  flow   = flow.orders_to_eaccounting_orders
  source = { hs_object_id = "1020", hs_payment_status = "paid", line_items = [{ hs_sku = "ART-1", price = 100 }] }
  find {
    object = eaccounting.books.customerinvoices
    field  = "YourReference"
    value  = "HS-1020"
    record = { Id = "i-2", InvoiceNumber = 1042, YourReference = "HS-1020" }
  }
  expect {
    action = "skip"
  }
}

test "orders_to_eaccounting_orders: a line item without price is an error of the order" {
  flow    = flow.orders_to_eaccounting_orders
  source  = { hs_object_id = "1021", hs_payment_status = "paid", hs_currency_code = "SEK", line_items = [{ hs_sku = "ART-1", name = "Pannlampa", quantity = 1 }] }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false, InvoiceCountryCode = "SE" }, articles = [{ Id = "a-1", CodingId = "cod-25" }] }
  expect {
    action = "error"
    field  = "Rows"
    error  = "line item Pannlampa has no price"
  }
}

test "orders_to_invoice_drafts: an order in another currency than its customer's is an error" {
  flow    = flow.orders_to_invoice_drafts
  vars    = { order_target = "draft" }
  source  = { hs_object_id = "1022", hs_payment_status = "paid", hs_currency_code = "SEK", line_items = [{ hs_sku = "ART-1", price = 300, quantity = 1 }] }
  ensured = { customer = { Id = "c-9", Name = "Waldrand GmbH", CurrencyCode = "EUR", IsPrivatePerson = false, InvoiceCountryCode = "DE" }, articles = [{ Id = "a-1", CodingId = "cod-25" }] }
  expect {
    action = "error"
    field  = "CustomerId"
    error  = "the order is in SEK, but its customer Waldrand GmbH invoices in EUR"
  }
}

# The debtor (order_customer): the contact's customer, else the customer of
# the billing data, else the default debtor only when there is no buyer.
test "orders_to_eaccounting_orders: an order whose contact cannot be its customer is booked on the customer of its billing e-mail" {
  flow = flow.orders_to_eaccounting_orders
  # No line items: what is tested is the debtor and terms, not the rows.
  vars = { allow_empty_orders = true }
  source = {
    hs_object_id             = "1021", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_email = "saga.lind@example.org", hs_billing_address_country = "SE",
    contacts                 = [{ id = "1951", firstname = "Saga", lastname = "Lind" }], line_items = []
  }
  ensured = { customer = null, buyer = { Id = "c-billing", IsPrivatePerson = true }, articles = [] }
  expect {
    action = "create"
    fields = { CustomerId = "c-billing" }
  }
}

test "orders_to_eaccounting_orders: a company order with no e-mail address anywhere is an error, not the default debtor" {
  flow = flow.orders_to_eaccounting_orders
  # No line items: what is tested is the debtor and terms, not the rows.
  vars = { allow_empty_orders = true }
  source = {
    hs_object_id               = "1022", hs_payment_status = "paid", hs_currency_code = "SEK", hs_external_created_date = "2026-03-02T10:00:00Z",
    hs_billing_address_country = "SE", companies = [{ id = "2951", name = "Björkdal Trä AB" }], line_items = []
  }
  ensured = { customer = null, buyer = null, articles = [] }
  expect {
    action = "error"
    field  = "CustomerId"
    error  = "the buyer (Björkdal Trä AB) has no e-mail address"
  }
}

# Payment terms and payment (sale_terms_id, order_payment).
test "orders_to_invoices: a card-paid order is invoiced at the card terms and booked as paid to the bank account of the setting" {
  flow = flow.orders_to_invoices
  vars = { order_target = "invoice", allow_empty_orders = true }
  source = {
    hs_object_id               = "1031", hs_payment_status = "paid", hs_payment_processing_method = "card", hs_currency_code = "SEK",
    hs_external_order_id       = "WEB-1031", hs_external_created_date = "2026-03-02T10:00:00Z", hs_processed_date = "2026-03-02T10:05:00Z",
    hs_billing_address_country = "SE"
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  find {
    object = eaccounting.books.customerinvoices
    field  = "YourReference"
    value  = "HS-1031"
    record = null
  }
  expect {
    action = "create"
    fields = {
      Invoiced = true, TermsOfPaymentId = "top-card",
      Payment  = { CompanyBankAccountId = "bank-1930", PaymentDate = "2026-03-02", Reference = "WEB-1031" }
    }
  }
}

test "orders_to_invoices: an order paid by invoice stays an open invoice at its terms" {
  flow = flow.orders_to_invoices
  vars = { order_target = "invoice", allow_empty_orders = true }
  source = {
    hs_object_id             = "1032", hs_payment_status = "paid", hs_payment_processing_method = "invoice", hs_currency_code = "SEK",
    hs_external_created_date = "2026-03-02T10:00:00Z", hs_billing_address_country = "SE"
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  find {
    object = eaccounting.books.customerinvoices
    field  = "YourReference"
    value  = "HS-1032"
    record = null
  }
  expect {
    action = "create"
    fields = { Invoiced = true, TermsOfPaymentId = "top-30", Payment = null }
  }
}

test "orders_to_eaccounting_orders: a payment method whose terms eAccounting lacks is an error on TermsOfPaymentId" {
  flow = flow.orders_to_eaccounting_orders
  vars = { payment_terms = { "Klarna 14 dagar" = ["klarna"] }, allow_empty_orders = true }
  source = {
    hs_object_id             = "1033", hs_payment_status = "paid", hs_payment_processing_method = "klarna", hs_currency_code = "SEK",
    hs_external_created_date = "2026-03-02T10:00:00Z"
  }
  ensured = { customer = { Id = "c-1", IsPrivatePerson = false }, articles = [] }
  find {
    object = eaccounting.books.termsofpayments
    field  = "Name"
    value  = "Klarna 14 dagar"
    record = null
  }
  expect {
    action = "error"
    field  = "TermsOfPaymentId"
    error  = "the terms of payment Klarna 14 dagar"
  }
}
