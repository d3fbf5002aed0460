# Deals, HubSpot -> eAccounting: the documented alternative to orders for
# B2B sales made in the CRM. A deal in one of deal_stages becomes an
# eAccounting order with the deal's line items, for the deal's contact (a
# company customer with the person as contact) - the same customer and
# article flows as the web-shop orders.
#
# Off by default: set deals_to_orders = true to use it.

variable "deals_to_orders" {
  description = "Whether HubSpot deals become eAccounting orders (flow deals_to_eaccounting_orders)."
  default     = false
}

variable "deal_stages" {
  description = "Deal stages (internal ids) whose deals are sent to eAccounting."
  default     = ["closedwon"]
}

variable "deal_reference_prefix" {
  description = "Prefix of the deal id in YourReference of orders made from deals."
  default     = "HSD-"
}

function "deal_selected" {
  params = ["deal"]
  expr   = "(deal.dealstage ?? '') in var.deal_stages"
}

# A deal is an order made in the CRM: the same rule as a web-shop order
# (template hubspot_sales in orders.hcl: its articles, customer, rows and
# reference), made of the deal's line items. A deal has no addresses:
# eAccounting takes the customer's; its rows have no shipping or order
# discount.
flow "deals_to_eaccounting_orders" {
  extends = template.hubspot_sales
  enabled = var.deals_to_orders
  source  = hubspot.shop.deals
  target  = eaccounting.books.orders
  where   = "deal_selected(source)"

  # A deal has no billing data: its buyer is its contact alone.
  ensure "buyer" {
    flow  = flow.contacts_to_customers
    input = "nil"
  }

  fields {
    # A deal has no payment method: the customer's terms of payment apply.
    TermsOfPaymentId = null
    YourReference    = "var.deal_reference_prefix + string(source.hs_object_id)"
    OrderDate        = "iso_date(source.closedate ?? source.createdate)"
    CurrencyCode     = "upper(source.deal_currency_code ?? var.default_currency)"
    Status           = var.eaccounting_order_status
    # A deal has none of the order properties order_rows reads (billing
    # country, shipping, order discount, payment method): its rows are
    # those of an order made of its line items alone.
    Rows = "order_rows({line_items: source.line_items}, ensured.articles, order_customer(source, ensured.customer, ensured.buyer))"
  }
}
