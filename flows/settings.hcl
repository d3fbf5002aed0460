# The HubSpot <-> eAccounting flow library: settings shared by every flow.
#
# A project uses the library with a library block that passes it the two
# connections this requires block names (see examples/webshop):
#
#   library "webshop" {
#     source      = "../../flows"
#     connections = { shop = hubspot.myshop, books = eaccounting.acme }
#   }
#
# Inside the library, hubspot.shop and eaccounting.books are the connections
# the project passes. Every setting below is a variable with a default; set
# it in the library block's vars, or (when vars does not set it) with -var,
# -var-file, KOPLA_VAR_<name> or the project's .kopla.vars file. docs/flows/
# describes each flow, its settings and what to set up once in each system;
# `kopla init -check` reports what an account lacks of what is declared here,
# and `kopla init -create` creates the HubSpot properties.

requires {
  connection "hubspot" "shop" {
    property "contacts" "eaccounting_customer_number" {
      type        = "string"
      unique      = true
      label       = "eAccounting customer number"
      description = "CustomerNumber of the eAccounting customer, written back by kopla."
    }
    property "companies" "eaccounting_customer_number" {
      type        = "string"
      unique      = true
      label       = "eAccounting customer number"
      description = "CustomerNumber of the eAccounting customer, written back by kopla."
    }
    property "orders" "eaccounting_order_number" {
      type        = "string"
      label       = "eAccounting order number"
      description = "Number of the eAccounting order or invoice created from this order, written back by kopla."
    }
    property "orders" "eaccounting_invoice_number" {
      type        = "string"
      label       = "eAccounting invoice number"
      description = "InvoiceNumber of the eAccounting invoice, written back by kopla."
    }
    property "orders" "eaccounting_payment_status" {
      type        = "enumeration"
      options     = ["unpaid", "overdue", "paid"]
      label       = "eAccounting payment status"
      description = "Payment status of the eAccounting invoice, written back by kopla."
    }
    property "invoices" "eaccounting_invoice_id" {
      type        = "string"
      unique      = true
      label       = "eAccounting invoice id"
      description = "Id of the eAccounting invoice this HubSpot invoice mirrors, written by kopla."
    }
    property "companies" "vat_number" {
      type        = "string"
      label       = "VAT number"
      description = "The company's VAT registration number (EU VAT id): an EU company with one is invoiced without VAT (reverse charge)."
    }
    property "products" "gtin" {
      type        = "string"
      label       = "EAN/GTIN"
      description = "GTIN-13 bar code, kept in step with the eAccounting article's barcode."
    }
    property "products" "stock_quantity" {
      type        = "number"
      label       = "Stock quantity"
      description = "Stock balance from eAccounting."
    }
  }

  connection "eaccounting" "books" {
    # Shipping is charged with this article (orders.hcl).
    record "articles" "freight" {
      field       = "Number"
      value       = var.freight_article_number
      description = "The service article that charges shipping (freight_article_number)."
    }
  }
}

variable "home_country" {
  description = "ISO country code of the eAccounting company: orders and customers from this country are domestic sales."
  default     = "SE"
}

variable "default_currency" {
  description = "Currency used when a record carries none (the eAccounting company's currency)."
  default     = "SEK"
}

variable "reference_prefix" {
  description = "Prefix of the HubSpot record id in YourReference of eAccounting orders and invoices: 'HS-4001'. It is how an order that was sent already is recognised (and skipped)."
  default     = "HS-"
}

variable "cost_center" {
  description = "ShortName of the eAccounting cost centre item put on every order row (dimension 1, e.g. \"SALJ\"); empty for none."
  default     = ""
}

variable "cost_unit" {
  description = "ShortName of the eAccounting cost centre item of the second dimension (cost unit, e.g. \"NORD\") put on every order row; empty for none."
  default     = ""
}

variable "default_terms_of_payment" {
  description = "Name of the eAccounting terms of payment new customers get."
  default     = "30 dagar netto"
}

# Which eAccounting customer label a customer gets, by HubSpot lifecycle
# stage (the customer classification). Labels must exist in eAccounting.
lookup "customer_labels" {
  default = "HubSpot"
  values = {
    customer   = "HubSpot"
    evangelist = "VIP"
    other      = "Återförsäljare"
  }
}

# Currency of new customers by country; other countries get default_currency.
lookup "currency_by_country" {
  default = var.default_currency
  values = {
    SE = "SEK"
    NO = "NOK"
    DK = "DKK"
    FI = "EUR"
    DE = "EUR"
    NL = "EUR"
    FR = "EUR"
    US = "USD"
    GB = "GBP"
  }
}

# VAT zone of a country: "domestic", "eu" or "export". eAccounting books a
# sales row on the revenue account its article's account coding has for the
# customer's zone (DomesticSalesSubjectToVatAccountNumber,
# ForeignSalesVatExemptWithinEuAccountNumber,
# ForeignSalesVatExemptOutsideEuAccountNumber, ...): revenue accounts per
# country are set on the codings, and the flows choose the coding of each new
# article (article_coding_by_type, article_coding_by_sku in products.hcl).
function "vat_zone" {
  params = ["country"]
  expr   = "country_code(country ?? var.home_country) == var.home_country ? 'domestic' : (is_eu(country) ? 'eu' : 'export')"
}

# The eAccounting VAT code of each VAT case (zone and customer type). A code
# with rate 0 (reverse charge within the EU, export) makes the flows send
# prices without VAT; otherwise the article coding's rate applies.
lookup "vat_codes" {
  values = {
    domestic_company = "MP1"
    domestic_private = "MP1"
    eu_company       = "VEU"
    eu_private       = "MP1"
    export_company   = "VEX"
    export_private   = "VEX"
  }
}

# vat_case names the VAT treatment of a sale: zone and customer type, the
# key of the vat_codes lookup.
function "vat_case" {
  params = ["country", "private"]
  expr   = "vat_zone(country) + (private ? '_private' : '_company')"
}

# The VAT rate (percent) of a sale of an article with the given account
# coding: the VAT code of the case when it has a rate of 0 (reverse charge,
# export), the coding's rate otherwise.
function "vat_rate" {
  params = ["coding_id", "country", "private"]
  expr   = <<-EXPR
    let code = find(eaccounting.books.vatcodes, "Code", lookup("vat_codes", vat_case(country, private)));
    let coding = find(eaccounting.books.articleaccountcodings, "Id", coding_id);
    code != nil && code.VatRate == 0 ? 0.0 : (coding?.VatRatePercent ?? 0.25) * 100
  EXPR
}

# The id of a record handed over by a read (includes carry "id"; records
# read directly carry hs_object_id).
function "record_id" {
  params = ["record"]
  expr   = "record == nil ? nil : (record.id ?? record.hs_object_id)"
}

# target_value maps a source value through a table written from the target's
# point of view, { target value = [source values] }, as settings screens
# list them: the first target value whose list holds the source value, or
# fallback.
function "target_value" {
  params = ["table", "value", "fallback"]
  expr   = "value == nil ? fallback : (first(filter(keys(table), value in table[#])) ?? fallback)"
}

# The element i of a list, nil when the list is shorter (or nil).
function "at" {
  params = ["list", "i"]
  expr   = "list != nil && i < len(list) ? list[i] : nil"
}

# A value the target system assigns when it creates a record but that a flow
# may also write, such as a customer number. For a record created in the
# same apply the plan knows only that its id is "(known after apply)"; that
# marker stands in for the value, so that apply evaluates the field again
# once the record exists. (The engine marks only read-only fields as known
# after apply.)
function "assigned" {
  params = ["record", "field"]
  expr   = "record == nil ? nil : (record[field] ?? (string(record.id ?? '') contains '(known after apply)' ? record.id : nil))"
}
