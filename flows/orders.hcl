# Orders, HubSpot -> eAccounting.
#
# A HubSpot order whose payment status is selected (order_payment_statuses,
# default: paid) becomes, depending on order_target,
#   "order"   an eAccounting order             (flow orders_to_eaccounting_orders)
#   "draft"   an eAccounting invoice draft     (flow orders_to_invoice_drafts)
#   "invoice" a booked eAccounting invoice     (flow orders_to_invoices: a draft
#             converted at once)
# The three flows extend one template (template hubspot_orders), and the
# setting selects one of them: each is enabled only for its setting
# (otherwise neither read nor planned). hubspot_orders extends
# hubspot_sales, the part a CRM deal shares (deals.hcl).
#
# For each order, first the customer (flow contacts_to_customers: looked up
# by e-mail, created or updated) and the articles of its lines (flow
# products_to_articles: looked up by SKU, created when missing) are made
# sure of; then the order is created. YourReference holds "HS-<order id>":
# an order that exists already is skipped (mode create). An order without a
# contact goes to the default debtor.
#
# Rows: one per line item (article, quantity, unit price, discount), then a
# freight row (article freight_article_number) when the order has shipping
# costs, then a text row naming the payment terms its payment method maps
# to. The order-level discount (hs_order_discount) is spread over the line
# rows as a percentage, as eAccounting has no order-level discount. Orders
# and drafts take the same rows: the flags eAccounting requires (a row
# without an article is a text row) are the connector's defaults.
#
# Payment terms: every document gets the terms of payment its order's
# payment method maps to (payment_terms; TermsOfPaymentId, which the
# current API has on orders and drafts and which overrides the customer's:
# a card payment is not invoiced at "30 dagar netto"), and the invoice made
# from it keeps them. A sale whose method maps to none has the customer's
# terms (new customers get default_terms_of_payment). The payment row
# (payment_row_text) names them on the document too. With order_target =
# "invoice", a paid order whose method payment_accounts lists (paid at
# checkout) is registered as paid in full on the booked invoice, to that
# bank account: it is no open receivable. An eAccounting order or draft
# cannot be paid (only a booked invoice can): register the payment when
# the invoice is made from it in eAccounting.

variable "order_payment_statuses" {
  description = "HubSpot order payment statuses (hs_payment_status) that are sent to eAccounting."
  default     = ["paid"]
}

variable "order_store" {
  description = "Only orders of this store (hs_source_store) are sent; empty for every store."
  default     = ""
}

variable "order_target" {
  description = "What a HubSpot order becomes in eAccounting: \"order\", \"draft\" (an invoice draft) or \"invoice\" (a draft converted into a booked invoice)."
  default     = "order"
}

variable "allow_empty_orders" {
  description = "Whether an order without line items is sent (as an order with no rows and amount 0); by default it is skipped, with the reason in the plan."
  default     = false
}

variable "eaccounting_order_status" {
  description = "Status of created eAccounting orders: 1 draft, 2 ongoing (the default), 3 shipped."
  default     = 2
}

variable "default_customer_number" {
  description = "CustomerNumber of the eAccounting customer used for orders without a contact (the default debtor). It must exist in eAccounting."
  default     = "1000"
}

variable "freight_article_number" {
  description = "Number of the eAccounting article that charges shipping costs (a service article, e.g. FRAKT, with its own account coding). It must exist in eAccounting."
  default     = "FRAKT"
}

variable "hubspot_prices_include_vat" {
  description = "Whether HubSpot prices (products, line items, shipping) include VAT."
  default     = false
}

variable "private_prices_include_vat" {
  description = "Whether eAccounting shows private persons' prices including VAT (company setting 'Show prices excl. VAT for private persons' off, the default): unit prices sent for private persons then include VAT."
  default     = true
}

variable "delivery_methods" {
  description = "eAccounting delivery method codes and the HubSpot shipping methods (hs_shipping_method) that map to each."
  default = {
    POST = ["standard"]
    BUD  = ["express"]
    HAMT = ["pickup"]
  }
}

variable "default_delivery_method" {
  description = "eAccounting delivery method code for shipping methods delivery_methods does not list; empty for none."
  default     = ""
}

variable "payment_terms" {
  description = "eAccounting terms of payment (by name) and the HubSpot payment methods (hs_payment_processing_method) that map to each."
  default = {
    "Kortbetalning"  = ["card", "paypal"]
    "30 dagar netto" = ["invoice"]
  }
}

variable "payment_accounts" {
  description = "Bank accounts, by ledger account number (e.g. \"1930\"), to which the payment of an order paid at checkout is recorded, and the HubSpot payment methods (hs_payment_processing_method) paid into each. With order_target = \"invoice\", the invoice of a paid order (hs_payment_status paid) whose method is listed is registered as paid in full; other invoices stay open until paid. The accounts must exist in eAccounting (bankaccounts)."
  default = {
    "1930" = ["card", "paypal"]
  }
}

variable "payment_row_text" {
  description = "Text of the row that names an order's payment terms; the terms' name follows it. Empty for no payment row."
  default     = "Betalningsvillkor: "
}

variable "our_reference" {
  description = "OurReference of created orders and invoices (your contact person); empty for none."
  default     = ""
}

# Whether an order is sent at all.
function "order_selected" {
  params = ["order"]
  expr   = "(order.hs_payment_status ?? '') in var.order_payment_statuses && (var.order_store == '' || order.hs_source_store == var.order_store)"
}

# The customer record of a sale: the customer of its contact, else the
# customer of its billing data (buyer, see billing_contact), else, when the
# sale has no buyer at all (no contact, no company, no billing e-mail: a
# guest), the default debtor. A sale with a buyer that has no e-mail address
# to find or create its customer by is an error, never the default debtor.
function "order_customer" {
  params = ["sale", "customer", "buyer"]
  expr   = <<-EXPR
    customer ?? buyer ?? (len(sale.contacts ?? []) + len(sale.companies ?? []) > 0 ?
      fail("the buyer (" + (first(sale.companies ?? [])?.name ?? person_name(first(sale.contacts))) + ") has no e-mail address to find or create its eAccounting customer by: give its contact or the order's billing address (hs_billing_address_email) an e-mail address") :
      find(eaccounting.books.customers, "CustomerNumber", var.default_customer_number))
  EXPR
}

# The buyer of a sale as a HubSpot contact made of its billing data, for
# contacts_to_customers, when its first contact cannot be the customer: the
# sale has no contact (a company order without a person, a contact archived
# since) or its contact has no e-mail address. The customer is still matched
# by e-mail, the billing address's; a sale with a company gets a company
# customer. nil when the contact serves, or when there is no billing e-mail.
function "billing_contact" {
  params = ["sale"]
  expr   = <<-EXPR
    let contact = first(sale.contacts ?? []);
    let email = lower(trim(sale.hs_billing_address_email ?? ''));
    trim(contact?.email ?? '') != '' || email == '' ? nil : {
      email: email,
      firstname: sale.hs_billing_address_firstname ?? contact?.firstname,
      lastname: sale.hs_billing_address_lastname ?? contact?.lastname,
      phone: sale.hs_billing_address_phone ?? contact?.phone,
      address: sale.hs_billing_address_street, zip: sale.hs_billing_address_postal_code,
      city: sale.hs_billing_address_city, country: sale.hs_billing_address_country,
      companies: sale.companies ?? [], orders: [sale]
    }
  EXPR
}

# The eAccounting terms of payment (Id) of a sale: those its payment method
# maps to in payment_terms; nil (the customer's terms) for a method that
# maps to none, or a sale without one (a CRM deal).
function "sale_terms_id" {
  params = ["sale"]
  expr   = <<-EXPR
    let name = target_value(var.payment_terms, sale.hs_payment_processing_method, nil);
    name == nil ? nil : (find(eaccounting.books.termsofpayments, "Name", name)?.Id ??
      fail("the terms of payment " + name + " that payment_terms maps payment method " + sale.hs_payment_processing_method + " to do not exist in eAccounting"))
  EXPR
}

# The payment of an order paid at checkout, for the invoice booked from it
# (Payment: the whole amount, to the bank account payment_accounts maps its
# payment method to, on the day it was processed); nil for an order not
# paid, or paid by a method that leaves the invoice open.
function "order_payment" {
  params = ["order"]
  expr   = <<-EXPR
    let account = target_value(var.payment_accounts, order.hs_payment_processing_method, nil);
    account == nil || (order.hs_payment_status ?? "") != "paid" ? nil : {
      CompanyBankAccountId: find(eaccounting.books.bankaccounts, "LedgerAccountNumber", int(account))?.Id ??
        fail("no eAccounting bank account has ledger account " + account + " (payment_accounts)"),
      PaymentDate: iso_date(order.hs_processed_date ?? order.hs_external_created_date ?? order.hs_createdate),
      Reference: order.hs_external_order_id
    }
  EXPR
}

# The product of a line item as products_to_articles reads products: the
# product the line was made from (so it is planned once however many lines
# sell it), or the line's own SKU and name when it has no product (then
# identified by its SKU, so that lines of several orders selling it are one
# article).
function "line_product" {
  params = ["line"]
  expr   = <<-EXPR
    {
      id: line.hs_product_id ?? (line.hs_sku != nil ? "sku:" + line.hs_sku : "line:" + string(record_id(line))),
      hs_object_id: line.hs_product_id,
      hs_sku: line.hs_sku, name: line.name, price: line.price, description: line.description
    }
  EXPR
}

# A unit price as eAccounting wants it: net, or gross for private persons
# when private_prices_include_vat; rate is the VAT rate in percent.
function "unit_price" {
  params = ["price", "rate", "private"]
  expr   = <<-EXPR
    let net = var.hubspot_prices_include_vat ? net_price(price, rate) : round_money(price);
    private && var.private_prices_include_vat ? gross_price(net, rate) : net
  EXPR
}

# The eAccounting article id of an order line: the ensured article's. A line
# without one (no SKU, or a SKU outside product_sku_prefix/product_types,
# so that products_to_articles leaves it out) is an error of the order: a
# row without an article would be a text row, and the sale would be lost.
function "line_article_id" {
  params = ["line", "article"]
  expr   = "article?.Id ?? fail('line item ' + string(line.name ?? line.hs_sku ?? record_id(line)) + ' has no eAccounting article: its SKU is empty or outside product_sku_prefix or product_types')"
}

# The unit price of an order line. A line without one (HubSpot gives a line
# made from a product the product's price; one without product has only
# its own) is an error of the order: booked at 0, the sale would be lost.
function "line_price" {
  params = ["line"]
  expr   = "line.price ?? fail('line item ' + string(line.name ?? line.hs_sku ?? record_id(line)) + ' has no price (its property price is empty and it has no product to take one from): set the price of the line item in HubSpot')"
}

# Where an order is booked already in eAccounting under another target
# than the current order_target (found by YourReference, as the current
# target's own flow finds its documents): "eAccounting invoice 1042",
# "eAccounting order 17", "an eAccounting invoice draft"; nil when nowhere.
# Switching order_target thus never books an order twice.
function "booked_elsewhere" {
  params = ["order"]
  expr   = <<-EXPR
    let ref = var.reference_prefix + string(order.hs_object_id);
    let invoice = find(eaccounting.books.customerinvoices, "YourReference", ref);
    let booked = var.order_target == "order" ? nil : find(eaccounting.books.orders, "YourReference", ref);
    let draft = var.order_target == "draft" ? nil : find(eaccounting.books.customerinvoicedrafts, "YourReference", ref);
    invoice != nil ? "eAccounting invoice " + string(invoice.InvoiceNumber) :
      (booked != nil ? "eAccounting order " + string(booked.Number) :
      (draft != nil ? "an eAccounting invoice draft" : nil))
  EXPR
}

# The customer of an invoice draft, which takes its currency from the
# customer (InvoiceCurrencyCode is read-only): an order in another
# currency than its customer's is an error of the order, as the draft
# would show the order's figures in the customer's currency.
function "draft_customer" {
  params = ["order", "customer"]
  expr   = <<-EXPR
    let currency = upper(order.hs_currency_code ?? var.default_currency);
    let theirs = upper(customer?.CurrencyCode ?? var.default_currency);
    customer == nil || currency == theirs ? customer : fail(
      "the order is in " + currency + ", but its customer " + string(customer.Name ?? customer.EmailAddress ?? "") +
      " invoices in " + theirs + ": an invoice draft takes its customer's currency (InvoiceCurrencyCode is read-only) and would show the " +
      currency + " figures as " + theirs + ". Book it with order_target = \"order\" (an eAccounting order carries its own CurrencyCode), or change the customer's currency to " + currency + " in eAccounting")
  EXPR
}

# One row shape serves orders and invoice drafts: the flags each model
# requires (IsTextRow from ArticleId, IsWorkCost, ...) are the connector's
# defaults.
function "sales_row" {
  params = ["n", "article_id", "text", "quantity", "price", "discount", "cc1", "cc2"]
  expr   = <<-EXPR
    {
      LineNumber: n, ArticleId: article_id, Text: text, Quantity: quantity, UnitPrice: price,
      DiscountPercentage: discount, CostCenterItemId1: cc1, CostCenterItemId2: cc2
    }
  EXPR
}

# A row's DiscountPercentage (a fraction with at most 4 decimals): the
# line's percentage combined with the order-level discount (an amount on the
# subtotal, spread over the lines as eAccounting has no order discount); nil
# when none.
function "row_discount" {
  params = ["line", "order"]
  expr   = <<-EXPR
    let order_fraction = (order.hs_order_discount ?? 0) > 0 && (order.hs_subtotal_price ?? 0) > 0 ? order.hs_order_discount / order.hs_subtotal_price : 0.0;
    let d = 1 - (1 - (line.hs_discount_percentage ?? 0) / 100) * (1 - order_fraction);
    d <= 0.00005 ? nil : round(d * 10000) / 10000
  EXPR
}

# The cost centre item (Id) of the rows of a sale in one dimension, per
# customer: the ShortName in the HubSpot property (eaccounting_cost_center
# for dimension 1, eaccounting_cost_unit for dimension 2) of the sale's
# company (associated with the sale, else the company its contact works
# for, by name: an included contact carries no associations), else of its
# contact, else the setting (cost_center, cost_unit);
# nil when all are empty. eAccounting customers have no cost centre, so it
# goes on every row. A ShortName eAccounting does not know is an error of
# the sale, naming where it came from: the rows would be booked on no cost
# centre.
function "sale_cost_center" {
  params = ["sale", "property", "setting", "setting_name"]
  expr   = <<-EXPR
    let contact = first(sale.contacts ?? []);
    let works_for = trim(contact?.company ?? "");
    let company = first(sale.companies ?? []) ?? (works_for == "" ? nil : find(hubspot.shop.companies, "name", works_for));
    let from_company = company == nil ? "" : trim(string(company[property] ?? ""));
    let from_contact = contact == nil ? "" : trim(string(contact[property] ?? ""));
    let short = from_company != "" ? from_company : (from_contact != "" ? from_contact : setting);
    let origin = from_company != "" ? "property " + property + " of company " + string(company.name ?? record_id(company)) :
      (from_contact != "" ? "property " + property + " of contact " + string(contact.email ?? record_id(contact)) : "setting " + setting_name);
    short == "" ? nil : (find(eaccounting.books.costcenteritems, "ShortName", short)?.Id ??
      fail("the cost centre item " + short + " (" + origin + ") does not exist in eAccounting: create it under Cost centres, or correct the ShortName"))
  EXPR
}

# The rows of an order: its lines, freight and payment terms.
function "order_rows" {
  params = ["order", "articles", "customer"]
  expr   = <<-EXPR
    let private = customer?.IsPrivatePerson ?? true;
    let cc1 = sale_cost_center(order, "eaccounting_cost_center", var.cost_center, "cost_center");
    let cc2 = sale_cost_center(order, "eaccounting_cost_unit", var.cost_unit, "cost_unit");
    let lines = map(order.line_items ?? [], sales_row(#index,
      line_article_id(#, at(articles, #index)), #.name, #.quantity ?? 1,
      unit_price(line_price(#) - (#.discount ?? 0), vat_rate(at(articles, #index), customer), private),
      row_discount(#, order), cc1, cc2));
    let freight = find(eaccounting.books.articles, "Number", var.freight_article_number);
    let shipping = (order.hs_shipping_cost ?? 0) > 0 ? [sales_row(len(lines),
      freight?.Id ?? fail("the freight article " + var.freight_article_number + " (freight_article_number) does not exist in eAccounting"),
      freight?.Name ?? "Frakt", 1,
      unit_price(order.hs_shipping_cost, vat_rate(freight, customer), private),
      nil, cc1, cc2)] : [];
    let terms = target_value(var.payment_terms, order.hs_payment_processing_method, nil);
    let payment = terms != nil && var.payment_row_text != "" ? [{LineNumber: len(lines) + len(shipping), Text: var.payment_row_text + terms}] : [];
    concat(lines, shipping, payment)
  EXPR
}

# What every eAccounting sales document made from a HubSpot sale has,
# whatever the sale (a web-shop order here, a CRM deal in deals.hcl) and the
# target: the articles of its lines first, its customer (or the default
# debtor), its rows, and the reference (key) that makes a sale sent earlier
# be skipped (mode create). The flags eAccounting requires on every order,
# draft and row are the connector's defaults ("(default)" in the plan).
template "hubspot_sales" {
  include = ["line_items", "contacts", "companies"]
  key     = "YourReference"
  mode    = "create"

  # The buyer: the first contact, as contacts_to_customers reads it (by
  # e-mail address, with its companies, orders and deals).
  ensure "customer" {
    flow = flow.contacts_to_customers
    id   = "first(source.contacts ?? [])?.id"
  }
  # The buyer when the contact cannot be the customer: made of the
  # billing data (billing_contact).
  ensure "buyer" {
    flow  = flow.contacts_to_customers
    input = "billing_contact(source)"
  }
  # An order never changes an article: a missing one is created from the
  # line, an existing one is used as it is (mode create), whatever the
  # line says of its name or price (products_to_articles keeps articles
  # as HubSpot's products have them).
  ensure "articles" {
    flow     = flow.products_to_articles
    for_each = "map(source.line_items ?? [], line_product(#))"
    mode     = "create"
  }

  fields {
    # HS-<HubSpot id>; deals have a prefix of their own, so that a deal and
    # an order never share a reference.
    YourReference = "var.reference_prefix + string(source.hs_object_id)"
    OurReference  = "var.our_reference == '' ? nil : var.our_reference"
    CustomerId    = "order_customer(source, ensured.customer, ensured.buyer)?.Id"
    # The terms the payment method maps to, over the customer's.
    TermsOfPaymentId = "sale_terms_id(source)"
    Rows             = "order_rows(source, ensured.articles, order_customer(source, ensured.customer, ensured.buyer))"
  }
}

# The rule for web-shop orders, whatever the target: which orders, their
# customer and addresses. The three flows below extend it (the draft and
# invoice flows through hubspot_orders_as_drafts); order_target selects one
# of them.
template "hubspot_orders" {
  extends = template.hubspot_sales
  source  = hubspot.shop.orders
  where   = "order_selected(source)"

  # Booked once: an order booked already under another order_target is
  # skipped, and the plan says where it is.
  skip "booked" {
    when   = "booked_elsewhere(source) != nil"
    reason = "'booked already as ' + booked_elsewhere(source)"
  }
  skip "empty" {
    when   = "!var.allow_empty_orders && len(source.line_items ?? []) == 0"
    reason = "'the order has no line items (allow_empty_orders = false)'"
  }

  fields {
    BuyersOrderReference = "source.hs_external_order_id"

    InvoiceAddress1      = "source.hs_billing_address_street"
    DeliveryCustomerName = "source.hs_shipping_address_name"
    DeliveryAddress1     = "source.hs_shipping_address_street"
    DeliveryPostalCode   = "source.hs_shipping_address_postal_code"
    DeliveryCity         = "source.hs_shipping_address_city"
    DeliveryCountryCode  = "country_code(source.hs_shipping_address_country)"
    DeliveryMethodCode   = "target_value(var.delivery_methods, source.hs_shipping_method, var.default_delivery_method == '' ? nil : var.default_delivery_method)"
  }
}

flow "orders_to_eaccounting_orders" {
  extends = template.hubspot_orders
  enabled = var.order_target == "order"
  target  = eaccounting.books.orders

  fields {
    OrderDate    = "iso_date(source.hs_external_created_date ?? source.hs_createdate)"
    CurrencyCode = "upper(source.hs_currency_code ?? var.default_currency)"
    Status       = var.eaccounting_order_status

    InvoiceCustomerName = "source.hs_billing_address_name"
    InvoicePostalCode   = "source.hs_billing_address_postal_code"
    InvoiceCity         = "source.hs_billing_address_city"
    InvoiceCountryCode  = "country_code(source.hs_billing_address_country)"
  }

  # The number eAccounting gives the order goes back to the HubSpot order in
  # the same apply ("(known after apply)" in the plan); an order sent
  # earlier gets the number of the existing eAccounting order. Set up once
  # in HubSpot: the order property eaccounting_order_number (text, unique).
  write_back {
    fields {
      eaccounting_order_number = "result.Number == nil ? nil : string(result.Number)"
    }
  }
}

# An invoice draft: dated by the order's processing, its invoice address's
# city, postal code and country come from the customer (read-only on drafts).
template "hubspot_orders_as_drafts" {
  extends = template.hubspot_orders
  target  = eaccounting.books.customerinvoicedrafts

  fields {
    InvoiceDate = "iso_date(source.hs_processed_date ?? source.hs_external_created_date ?? source.hs_createdate)"
    CustomerId  = "draft_customer(source, order_customer(source, ensured.customer, ensured.buyer))?.Id"
  }
}

flow "orders_to_invoice_drafts" {
  extends = template.hubspot_orders_as_drafts
  enabled = var.order_target == "draft"
}

# "invoice": the draft is converted into a booked invoice in the same write
# (Invoiced = true), and is gone afterwards: an order whose invoice exists
# already is skipped by the skip "booked" of hubspot_orders.
flow "orders_to_invoices" {
  extends = template.hubspot_orders_as_drafts
  enabled = var.order_target == "invoice"

  fields {
    Invoiced = true
    # A sale paid at checkout is booked as paid (order_payment).
    Payment = "order_payment(source)"
  }
}
