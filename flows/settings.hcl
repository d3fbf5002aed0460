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
    # Per customer cost centre and cost unit (ShortName of an eAccounting
    # cost centre item) of the rows of its orders, over the settings
    # cost_center and cost_unit: the company's, else the contact's.
    property "companies" "eaccounting_cost_center" {
      type        = "string"
      label       = "eAccounting cost centre"
      description = "ShortName of the eAccounting cost centre item (dimension 1) the rows of the company's orders are booked on; empty for the setting cost_center."
    }
    property "companies" "eaccounting_cost_unit" {
      type        = "string"
      label       = "eAccounting cost unit"
      description = "ShortName of the eAccounting cost centre item of dimension 2 (cost unit) the rows of the company's orders are booked on; empty for the setting cost_unit."
    }
    property "contacts" "eaccounting_cost_center" {
      type        = "string"
      label       = "eAccounting cost centre"
      description = "ShortName of the eAccounting cost centre item (dimension 1) the rows of the contact's orders are booked on, when their company gives none; empty for the setting cost_center."
    }
    property "contacts" "eaccounting_cost_unit" {
      type        = "string"
      label       = "eAccounting cost unit"
      description = "ShortName of the eAccounting cost centre item of dimension 2 (cost unit) the rows of the contact's orders are booked on, when their company gives none; empty for the setting cost_unit."
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
  description = "ShortName of the eAccounting cost centre item put on every order row (dimension 1, e.g. \"SALJ\") when the order's company and contact have none in eaccounting_cost_center; empty for none."
  default     = ""
}

variable "cost_unit" {
  description = "ShortName of the eAccounting cost centre item of the second dimension (cost unit, e.g. \"NORD\") put on every order row when the order's company and contact have none in eaccounting_cost_unit; empty for none."
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
# ForeignSalesVatExemptOutsideEuAccountNumber,
# ForeignSalesSubjectToMossAccountNumber, ...): sales rows and customers
# carry no account, so revenue accounts are set per zone on the codings, not
# per country or customer, and the flows choose the coding of each new
# article (article_coding_by_type, article_coding_by_sku in products.hcl).
function "vat_zone" {
  params = ["country"]
  expr   = "country_code(country ?? var.home_country) == var.home_country ? 'domestic' : (is_eu(country) ? 'eu' : 'export')"
}

variable "vat_codes" {
  description = <<-EOT
    The eAccounting VAT code of each VAT case, the treatment eAccounting gives a
    sale by the customer's country and type (docs/flows/orders.md, VAT):
    domestic_company and domestic_private (the article coding's rate),
    eu_company (with a VAT number: reverse charge, rate 0),
    eu_company_without_vat_number (Swedish VAT, with a warning in the plan),
    eu_private (Swedish VAT), eu_private_oss (with vat_oss: the destination
    country's rate), export_company and export_private (rate 0). A code's rate
    must agree with the treatment (0 or not): an order it contradicts fails at
    plan.
  EOT
  default = {
    domestic_company              = "MP1"
    domestic_private              = "MP1"
    eu_company                    = "VEU"
    eu_company_without_vat_number = "MP1"
    eu_private                    = "MP1"
    eu_private_oss                = "OSS"
    export_company                = "VEX"
    export_private                = "VEX"
  }
}

variable "vat_code_by_country" {
  description = <<-EOT
    The eAccounting VAT code of sales to a country (ISO code), for every
    customer type, in place of vat_codes: e.g. { NO = "MP1" } books Swedish VAT
    on sales to Norway (services consumed in Sweden), which makes new and
    updated Norwegian customers ForceBookkeepVat. Empty: vat_codes applies.
  EOT
  default     = {}
}

variable "vat_oss" {
  description = "Whether the company reports EU distance sales through OSS (eAccounting company setting UsesMoss): sales to EU private persons of articles that use OSS (new articles do) carry the destination country's rate (oss_vat_rates) instead of Swedish VAT."
  default     = false
}

variable "oss_vat_rates" {
  description = "Standard VAT rate (percent) of each EU country, charged to its private persons under OSS (vat_oss). The defaults are the rates on 1 January 2025; eAccounting's own OSS rates decide, so keep them in step."
  default = {
    AT = 20, BE = 21, BG = 20, CY = 19, CZ = 21, DE = 19, DK = 25, EE = 22, ES = 21
    FI = 25.5, FR = 20, GR = 24, HR = 25, HU = 27, IE = 23, IT = 22, LT = 21, LU = 17
    LV = 21, MT = 18, NL = 21, PL = 23, PT = 23, RO = 19, SE = 25, SI = 22, SK = 23
  }
}

# vat_case names the VAT treatment eAccounting gives the sales of a customer
# (an eAccounting customer record, or the customer as planned): its zone by
# invoice country, its type, and for EU companies whether it has a VAT
# number; the key of vat_codes. A sale without a customer is domestic.
function "vat_case" {
  params = ["customer"]
  expr   = <<-EXPR
    let country = customer?.InvoiceCountryCode ?? var.home_country;
    let zone = vat_zone(country);
    let private = customer?.IsPrivatePerson ?? true;
    zone == "eu" && !private && trim(customer?.VatNumber ?? "") == "" ? "eu_company_without_vat_number" :
    (zone == "eu" && private && var.vat_oss ? "eu_private_oss" : zone + (private ? "_private" : "_company"))
  EXPR
}

# The eAccounting VAT code (a vatcodes record) of a customer's sales:
# vat_code_by_country, else vat_codes of its case.
function "vat_code" {
  params = ["customer"]
  expr   = <<-EXPR
    let country = country_code(customer?.InvoiceCountryCode ?? var.home_country);
    let code = var.vat_code_by_country[country] ?? var.vat_codes[vat_case(customer)];
    find(eaccounting.books.vatcodes, "Code", code) ?? fail("the VAT code " + string(code) + " (vat_codes, vat_code_by_country) does not exist in eAccounting")
  EXPR
}

# Whether a customer in country must be ForceBookkeepVat: outside the EU,
# where eAccounting books no VAT unless told to, with a VAT code with a rate.
function "force_bookkeep_vat" {
  params = ["country"]
  expr   = <<-EXPR
    let code = var.vat_code_by_country[country_code(country ?? var.home_country)];
    vat_zone(country) == "export" && code != nil && (find(eaccounting.books.vatcodes, "Code", code)?.VatRate ?? 0) > 0
  EXPR
}

# The VAT rate (percent) eAccounting applies to a sales row of article (the
# ensured article: CodingId, UsesMoss) for customer: none for reverse charge
# and export, the destination's rate for OSS articles under vat_oss, the
# article coding's otherwise. The flows price rows with it, so that what is
# booked is what the customer paid; a VAT code that contradicts it fails the
# order, and an EU company without a VAT number gets Swedish VAT and a
# warning.
function "vat_rate" {
  params = ["article", "customer"]
  expr   = <<-EXPR
    let case = vat_case(customer);
    let country = country_code(customer?.InvoiceCountryCode ?? var.home_country);
    let code = vat_code(customer);
    let coding_rate = (find(eaccounting.books.articleaccountcodings, "Id", article?.CodingId)?.VatRatePercent ?? 0.25) * 100;
    let zero = case == "eu_company" || (case startsWith "export_" && !(customer?.ForceBookkeepVat ?? false));
    let oss = case == "eu_private_oss" && (article?.UsesMoss ?? false) && coding_rate > 0;
    let rate = zero ? 0.0 : (oss ? (var.oss_vat_rates[country] ?? fail("oss_vat_rates has no rate for " + country)) : coding_rate);
    let checked = case == "eu_private_oss" || (rate == 0) == (code.VatRate == 0) ? rate :
      fail("the VAT code " + code.Code + " (" + case + (var.vat_code_by_country[country] != nil ? ", vat_code_by_country." + country : "") + ") has rate " + string(code.VatRate) +
        " %, but eAccounting books this sale at " + string(rate) + " %: set a code with " + (rate == 0 ? "rate 0" : "a rate") + " in vat_codes or vat_code_by_country");
    oss && coding_rate != 25 ? fail("OSS sales of articles with a reduced VAT rate (" + string(coding_rate) + " %) are not supported: eAccounting's destination rate is not known here") :
    (case == "eu_company_without_vat_number" ?
      warn("EU company without a VAT number (" + country + "): booked with Swedish VAT (" + string(rate) + " %) as the safe treatment; add its VAT number (HubSpot company property vat_number) for reverse charge", checked) :
      checked)
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
