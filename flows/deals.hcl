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

# The contact of a deal as contacts_to_customers reads contacts.
function "deal_contact" {
  params = ["deal"]
  expr   = <<-EXPR
    let c = first(deal.contacts ?? []);
    c == nil ? nil : {
      id: record_id(c), hs_object_id: record_id(c), email: c.email,
      firstname: c.firstname, lastname: c.lastname, phone: c.phone, mobilephone: c.mobilephone,
      address: c.address, zip: c.zip, city: c.city, country: c.country, company: c.company,
      lifecyclestage: c.lifecyclestage,
      companies: deal.companies ?? [], orders: [], deals: [deal]
    }
  EXPR
}

flow "deals_to_eaccounting_orders" {
  source  = hubspot.shop.deals
  include = ["line_items", "contacts", "companies"]
  target  = eaccounting.books.orders
  enabled = var.deals_to_orders
  where   = "deal_selected(source)"
  key     = "YourReference"
  mode    = "create"

  ensure "customer" {
    flow  = flow.contacts_to_customers
    input = "deal_contact(source)"
  }
  ensure "articles" {
    flow     = flow.products_to_articles
    for_each = "map(source.line_items ?? [], line_product(#))"
  }

  fields {
    YourReference                       = "var.deal_reference_prefix + string(source.hs_object_id)"
    OurReference                        = "var.our_reference == '' ? nil : var.our_reference"
    CustomerId                          = "order_customer(ensured.customer)?.Id"
    OrderDate                           = "iso_date(source.closedate ?? source.createdate)"
    CurrencyCode                        = "upper(source.deal_currency_code ?? var.default_currency)"
    Status                              = var.eaccounting_order_status
    EuThirdParty                        = "false"
    ReverseChargeOnConstructionServices = "false"
    RotReducedInvoicingType             = "0"
    # A deal has no addresses: eAccounting takes the customer's. Its rows
    # are its line items (order_rows finds no shipping or order discount).
    Rows = "order_rows(source, ensured.articles, order_customer(ensured.customer), 'order')"
  }
}
