# Unit tests of invoices.hcl (kopla test).
# The find blocks at the top answer in every test of this file; a test's own
# find of the same object, field and value wins.

find {
  object = hubspot.shop.contacts
  field  = "eaccounting_customer_number"
  value  = "1002"
  record = null
}

test "invoices_to_hubspot: a paid invoice is mirrored as a paid, non-billable HubSpot invoice of the customer's contact and company" {
  flow = flow.invoices_to_hubspot
  source = {
    Id           = "i-1", InvoiceNumber = 7, CustomerNumber = "1001", CustomerEmail = "anna.berg@example.com", CustomerIsPrivatePerson = false,
    CurrencyCode = "SEK", InvoiceDate = "2026-03-02", DueDate = "2026-04-01", PaymentStatus = 0, YourReference = "HS-4001"
  }
  find {
    object = hubspot.shop.contacts
    field  = "email"
    value  = "anna.berg@example.com"
    record = { id = "1001", email = "anna.berg@example.com" }
  }
  find {
    object = hubspot.shop.contacts
    field  = "eaccounting_customer_number"
    value  = "1001"
    record = { id = "1001" }
  }
  find {
    object = hubspot.shop.companies
    field  = "eaccounting_customer_number"
    value  = "1001"
    record = { id = "2001", name = "Nordljus Handel AB" }
  }
  expect {
    action = "create"
    fields = {
      eaccounting_invoice_id = "i-1", hs_invoice_status = "paid", hs_currency = "SEK", hs_invoice_billable = false,
      hs_invoice_date        = "2026-03-02T00:00:00Z", hs_due_date = "2026-04-01T00:00:00Z", hs_purchase_order_number = "HS-4001",
      associate_contacts     = ["1001"], associate_companies = ["2001"]
    }
  }
}

test "invoices_to_hubspot: an overdue invoice is open in HubSpot" {
  flow   = flow.invoices_to_hubspot
  source = { Id = "i-2", InvoiceNumber = 8, CustomerNumber = "1002", CustomerIsPrivatePerson = true, PaymentStatus = 2, InvoiceDate = "2026-01-02", DueDate = "2026-02-01" }
  target = { hs_object_id = "9001", eaccounting_invoice_id = "i-2", hs_invoice_status = "open", hs_due_date = "2026-02-01T00:00:00Z" }
  expect {
    action = "no-op"
  }
}

test "invoices_to_hubspot: a payment turns the HubSpot invoice paid" {
  flow   = flow.invoices_to_hubspot
  source = { Id = "i-2", InvoiceNumber = 8, CustomerNumber = "1002", CustomerIsPrivatePerson = true, PaymentStatus = 0, InvoiceDate = "2026-01-02", DueDate = "2026-02-01" }
  target = { hs_object_id = "9001", eaccounting_invoice_id = "i-2", hs_invoice_status = "open", hs_due_date = "2026-02-01T00:00:00Z" }
  expect {
    action = "update"
    fields = { hs_invoice_status = "paid" }
  }
}

test "invoices_to_hubspot: credit invoices are left out" {
  flow   = flow.invoices_to_hubspot
  source = { Id = "i-3", InvoiceNumber = 9, IsCreditInvoice = true }
  expect {
    action = "skip"
  }
}

test "invoices_to_hubspot: invoices before invoices_since are left out" {
  flow   = flow.invoices_to_hubspot
  vars   = { invoices_since = "2026-01-01" }
  source = { Id = "i-4", InvoiceNumber = 3, InvoiceDate = "2025-12-30" }
  expect {
    action = "skip"
  }
}

test "invoice_status_to_orders: the invoice number and payment status reach the HubSpot order" {
  flow   = flow.invoice_status_to_orders
  source = { Id = "i-5", InvoiceNumber = 12, PaymentStatus = 2, YourReference = "HS-4005" }
  target = { hs_object_id = "4005" }
  expect {
    action = "update"
    fields = { hs_object_id = "4005", eaccounting_invoice_number = "12", eaccounting_payment_status = "overdue" }
  }
}

test "invoice_status_to_orders: invoices not made from a HubSpot order are left out" {
  flow   = flow.invoice_status_to_orders
  source = { Id = "i-6", InvoiceNumber = 13, PaymentStatus = 1, YourReference = "Beställning 901" }
  expect {
    action = "skip"
  }
}
