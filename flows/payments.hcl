# Payments of orders paid at checkout, HubSpot -> eAccounting: the
# convergence of orders_to_invoices' Payment.
#
# orders_to_invoices books a paid order's invoice and registers its payment
# in one write. When the payment fails after the invoice is booked (a lost
# answer, an outage, a crash between the two), the next apply skips the
# order (it is booked), so the invoice would stay open. This flow pays it:
# every selected order paid at checkout (order_payment) whose eAccounting
# invoice (by YourReference) still has an amount to pay gets its payment
# registered. Paid invoices are no-ops; an order whose invoice does not
# exist yet is skipped (mode update never creates: orders_to_invoices books
# it). The connector reads the invoice's remaining amount again before it
# pays, and after a lost answer, so an invoice is never paid twice.

flow "order_payments_to_invoices" {
  enabled = var.order_target == "invoice"
  source  = hubspot.shop.orders
  target  = eaccounting.books.customerinvoices
  key     = "YourReference"
  mode    = "update"
  where   = "order_selected(source) && order_payment(source) != nil"

  fields {
    YourReference = "var.reference_prefix + string(source.hs_object_id)"
    # Only an invoice with something left to pay gets the payment.
    Payment = "(target?.RemainingAmountInvoiceCurrency ?? 0) >= 0.005 ? order_payment(source) : nil"
  }
}
