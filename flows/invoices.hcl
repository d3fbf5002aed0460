# Invoices, eAccounting -> HubSpot: booked customer invoices and their
# payment status.
#
#   invoices_to_hubspot       mirrors each invoice as a HubSpot invoice
#                             (non-billable: it is paid in eAccounting), with
#                             its status (open, paid), associated with the
#                             customer's contact and company
#   invoice_status_to_orders  writes the invoice number and payment status
#                             (unpaid, overdue, paid) onto the HubSpot order
#                             the invoice came from (YourReference HS-<id>)
#
# Set up once in HubSpot: an invoice property eaccounting_invoice_id (text,
# unique), order properties eaccounting_invoice_number (text) and
# eaccounting_payment_status (dropdown: unpaid, overdue, paid); then run
# kopla init.

variable "invoices_since" {
  description = "Only invoices dated on or after this day (YYYY-MM-DD) are mirrored; empty for all."
  default     = ""
}

# eAccounting PaymentStatus: 0 paid, 1 unpaid, 2 overdue.
lookup "payment_status" {
  default = "unpaid"
  values = {
    "0" = "paid"
    "1" = "unpaid"
    "2" = "overdue"
  }
}

# HubSpot invoice status of an eAccounting payment status.
lookup "hubspot_invoice_status" {
  default = "open"
  values = {
    paid = "paid"
  }
}

function "invoice_selected" {
  params = ["invoice"]
  expr   = "!(invoice.IsCreditInvoice ?? false) && (var.invoices_since == '' || (invoice.InvoiceDate ?? '') >= var.invoices_since)"
}

# The HubSpot order an invoice came from: the id in YourReference, nil for
# invoices not made from a HubSpot order.
function "invoice_order_id" {
  params = ["invoice"]
  expr   = "hasPrefix(invoice.YourReference ?? '', var.reference_prefix) ? trimPrefix(invoice.YourReference, var.reference_prefix) : nil"
}

flow "invoices_to_hubspot" {
  source = eaccounting.books.customerinvoices
  target = hubspot.shop.invoices
  where  = "invoice_selected(source)"
  key    = "eaccounting_invoice_id"
  mode   = "upsert"

  fields {
    eaccounting_invoice_id = "source.Id"
    hs_invoice_status      = "lookup('hubspot_invoice_status', lookup('payment_status', source.PaymentStatus))"
    hs_due_date            = "iso_datetime(source.DueDate)"
  }
  create_only {
    hs_currency              = "source.CurrencyCode ?? var.default_currency"
    hs_invoice_date          = "iso_datetime(source.InvoiceDate)"
    hs_invoice_billable      = false
    hs_purchase_order_number = "source.YourReference"
    # The customer's contact (by e-mail, else by customer number) and company.
    associate_contacts  = <<-EXPR
      let c = (source.CustomerEmail == nil ? nil : find(hubspot.shop.contacts, 'email', source.CustomerEmail)) ??
        find(hubspot.shop.contacts, 'eaccounting_customer_number', source.CustomerNumber);
      c == nil ? nil : [c.id]
    EXPR
    associate_companies = <<-EXPR
      let co = (source.CustomerIsPrivatePerson ?? false) ? nil : find(hubspot.shop.companies, 'eaccounting_customer_number', source.CustomerNumber);
      co == nil ? nil : [co.id]
    EXPR
  }
}

flow "invoice_status_to_orders" {
  source = eaccounting.books.customerinvoices
  target = hubspot.shop.orders
  where  = "invoice_selected(source) && invoice_order_id(source) != nil"
  key    = "hs_object_id"
  mode   = "update"

  fields {
    hs_object_id               = "invoice_order_id(source)"
    eaccounting_invoice_number = "string(source.InvoiceNumber)"
    eaccounting_payment_status = "lookup('payment_status', source.PaymentStatus)"
  }
}
