package eaccounting

// The field tables below follow the field names, types, read-only flags,
// required lists, maximum lengths (maxLength) and integer enumerations (enum,
// with the value meanings the document gives) of the official eAccounting
// API v2 Swagger document (the *Api definitions). Keys, sensitivity and pseudo-fields are added in
// objects.go, so that these tables stay a plain transcription of the API's
// shapes.

import "github.com/kopla-dev/kopla/connectors"

// customersFields are the fields of CustomerApi.
func customersFields() []connectors.Field {
	return []connectors.Field{
		{Name: "AutoInvoiceActivationEmailSentDate", Type: connectors.TypeDateTime},
		{Name: "AutoInvoiceRegistrationRequestSentDate", Type: connectors.TypeDateTime},
		{Name: "ChangedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "ContactPersonEmail", Type: connectors.TypeString, MaxLength: 255, Format: connectors.FormatEmail},
		{Name: "ContactPersonMobile", Type: connectors.TypeString, MaxLength: 50},
		{Name: "ContactPersonName", Type: connectors.TypeString, MaxLength: 100},
		{Name: "ContactPersonPhone", Type: connectors.TypeString, MaxLength: 50},
		{Name: "CorporateIdentityNumber", Type: connectors.TypeString, MaxLength: 20},
		{Name: "CurrencyCode", Type: connectors.TypeString, MaxLength: 3},
		{Name: "CustomerLabels", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Description", Type: connectors.TypeString, MaxLength: 400},
			{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
			{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
		}}},
		{Name: "CustomerNumber", Type: connectors.TypeString, MaxLength: 16},
		{Name: "DeliveryAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryBasedVat", Type: connectors.TypeBool},
		{Name: "DeliveryCity", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryCountryCode", Type: connectors.TypeString, MaxLength: 2},
		{Name: "DeliveryCustomerName", Type: connectors.TypeString, MaxLength: 100},
		{Name: "DeliveryMethodId", Type: connectors.TypeString},
		{Name: "DeliveryPostalCode", Type: connectors.TypeString, MaxLength: 10},
		{Name: "DeliveryTermId", Type: connectors.TypeString},
		{Name: "DirectDebitCustomerSettings", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "EndDate", Type: connectors.TypeDate},
			{Name: "LatestDirectDebit", Type: connectors.TypeDate},
			{Name: "MandateId", Type: connectors.TypeString},
			{Name: "MandateType", Type: connectors.TypeInteger, Options: []string{"1", "2"}},
			{Name: "SequenceType", Type: connectors.TypeInteger, Options: []string{"1", "2", "3"}},
			{Name: "SigningDate", Type: connectors.TypeDate},
		}},
		{Name: "DiscountAgreementId", Type: connectors.TypeString},
		{Name: "DiscountPercentage", Type: connectors.TypeNumber},
		{Name: "EdiGlnNumber", Type: connectors.TypeString, MaxLength: 255},
		{Name: "EdiServiceDelivererId", Type: connectors.TypeString, MaxLength: 255},
		{Name: "ElectronicAddress", Type: connectors.TypeString, MaxLength: 255},
		{Name: "ElectronicReference", Type: connectors.TypeString, MaxLength: 35},
		{Name: "EmailAddress", Type: connectors.TypeString, MaxLength: 255, Format: connectors.FormatEmail},
		{Name: "EmailAddressOrder", Type: connectors.TypeString, MaxLength: 255, Format: connectors.FormatEmail},
		{Name: "EmailAddressQuote", Type: connectors.TypeString, MaxLength: 255, Format: connectors.FormatEmail},
		{Name: "EmailAddresses", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeString, Format: connectors.FormatEmail}},
		{Name: "ForceBookkeepVat", Type: connectors.TypeBool},
		{Name: "GLN", Type: connectors.TypeString, MaxLength: 255},
		{Name: "Iban", Type: connectors.TypeString},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "InvoiceAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceCity", Type: connectors.TypeString, MaxLength: 50, Required: true},
		{Name: "InvoiceCountryCode", Type: connectors.TypeString, MaxLength: 2},
		{Name: "InvoicePostalCode", Type: connectors.TypeString, MaxLength: 10, Required: true},
		{Name: "IsActive", Type: connectors.TypeBool, Required: true},
		{Name: "IsFutureInvoiceDateAllowed", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "IsNorthernIreland", Type: connectors.TypeBool},
		{Name: "IsPrivatePerson", Type: connectors.TypeBool, Required: true},
		{Name: "LastInvoiceDate", Type: connectors.TypeDate, ReadOnly: true},
		{Name: "MessageThreads", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "MobilePhone", Type: connectors.TypeString, MaxLength: 50},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
		{Name: "Note", Type: connectors.TypeString, MaxLength: 4000},
		{Name: "Notes", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "PayToAccountId", Type: connectors.TypeString, ReadOnly: true},
		{Name: "ReverseChargeOnConstructionServices", Type: connectors.TypeBool},
		{Name: "SalesDocumentLanguage", Type: connectors.TypeString, MaxLength: 2},
		{Name: "SalesPriceListId", Type: connectors.TypeString},
		{Name: "Telephone", Type: connectors.TypeString, MaxLength: 50},
		{Name: "TermsOfPayment", Type: connectors.TypeObject, ReadOnly: true, Fields: []connectors.Field{
			{Name: "AvailableForPurchase", Type: connectors.TypeBool},
			{Name: "AvailableForSales", Type: connectors.TypeBool},
			{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
			{Name: "Name", Type: connectors.TypeString},
			{Name: "NameEnglish", Type: connectors.TypeString},
			{Name: "NumberOfDays", Type: connectors.TypeInteger},
			{Name: "TermsOfPaymentTypeId", Type: connectors.TypeInteger},
			{Name: "TermsOfPaymentTypeText", Type: connectors.TypeString},
		}},
		{Name: "TermsOfPaymentId", Type: connectors.TypeString, Required: true},
		{Name: "UnpaidInvoicesAmount", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "VatNumber", Type: connectors.TypeString, MaxLength: 20, Format: connectors.FormatVATNumber},
		{Name: "WebshopCustomerNumber", Type: connectors.TypeInteger},
		{Name: "WwwAddress", Type: connectors.TypeString, MaxLength: 255},
	}
}

// articlesFields are the fields of ArticleApi.
func articlesFields() []connectors.Field {
	return []connectors.Field{
		{Name: "ArticleLabels", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Description", Type: connectors.TypeString, MaxLength: 400},
			{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
			{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
		}}},
		{Name: "Barcodes", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Barcode", Type: connectors.TypeString},
			{Name: "BarcodeType", Type: connectors.TypeInteger, Options: []string{"0"}},
		}}},
		{Name: "ChangedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "CodingId", Type: connectors.TypeString, Required: true},
		{Name: "CodingName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CreatedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "DiscountPercentage", Type: connectors.TypeNumber},
		{Name: "FreightCosts", Type: connectors.TypeNumber},
		{Name: "FreightCostsManuallyChangedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "GreenTechnologyType", Type: connectors.TypeInteger},
		{Name: "GrossPrice", Type: connectors.TypeNumber},
		{Name: "HouseWorkType", Type: connectors.TypeInteger},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IsActive", Type: connectors.TypeBool, Required: true},
		{Name: "IsServiceArticle", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "IsStock", Type: connectors.TypeBool},
		{Name: "MessageThreads", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
		{Name: "NameEnglish", Type: connectors.TypeString, MaxLength: 50},
		{Name: "NetPrice", Type: connectors.TypeNumber},
		{Name: "NetPriceWithDiscount", Type: connectors.TypeNumber},
		{Name: "Notes", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "Number", Type: connectors.TypeString, MaxLength: 40, Required: true},
		{Name: "PurchasePrice", Type: connectors.TypeNumber},
		{Name: "PurchasePriceManuallyChangedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "SendToWebshop", Type: connectors.TypeBool},
		{Name: "ShowStockInformation", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "StockBalance", Type: connectors.TypeNumber},
		{Name: "StockBalanceAvailable", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "StockBalanceManuallyChangedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "StockBalanceReserved", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "StockLocationReference", Type: connectors.TypeString},
		{Name: "StockValue", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "UnitAbbreviation", Type: connectors.TypeString, ReadOnly: true},
		{Name: "UnitId", Type: connectors.TypeString, Required: true},
		{Name: "UnitName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "UpdateStockPrices", Type: connectors.TypeBool},
		{Name: "UsesMoss", Type: connectors.TypeBool},
	}
}

// ordersFields are the fields of OrderApi.
func ordersFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Amount", Type: connectors.TypeNumber},
		{Name: "BuyersOrderReference", Type: connectors.TypeString, MaxLength: 35},
		{Name: "ContributionMargin", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Amount", Type: connectors.TypeNumber},
			{Name: "Percentage", Type: connectors.TypeNumber},
		}},
		{Name: "CreatedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "CurrencyCode", Type: connectors.TypeString, MaxLength: 3, Required: true},
		{Name: "CustomerId", Type: connectors.TypeString, Required: true},
		{Name: "CustomerIsPrivatePerson", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "CustomerName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CustomerNumber", Type: connectors.TypeString, ReadOnly: true},
		{Name: "DeliveredAmount", Type: connectors.TypeNumber},
		{Name: "DeliveredRoundingsAmount", Type: connectors.TypeNumber},
		{Name: "DeliveredVatAmount", Type: connectors.TypeNumber},
		{Name: "DeliveryAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryCity", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryCountryCode", Type: connectors.TypeString, MaxLength: 2},
		{Name: "DeliveryCustomerName", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryDate", Type: connectors.TypeDate},
		{Name: "DeliveryMethodCode", Type: connectors.TypeString, MaxLength: 20},
		{Name: "DeliveryMethodName", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryPostalCode", Type: connectors.TypeString, MaxLength: 10},
		{Name: "DeliveryTermCode", Type: connectors.TypeString, MaxLength: 20},
		{Name: "DeliveryTermName", Type: connectors.TypeString, MaxLength: 50},
		{Name: "EuThirdParty", Type: connectors.TypeBool, Required: true},
		{Name: "HouseWorkAmount", Type: connectors.TypeNumber},
		{Name: "HouseWorkAutomaticDistribution", Type: connectors.TypeBool},
		{Name: "HouseWorkCorporateIdentityNumber", Type: connectors.TypeString, MaxLength: 20},
		{Name: "HouseWorkPropertyName", Type: connectors.TypeString, MaxLength: 100},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IncludesVat", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "InvoiceAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceCity", Type: connectors.TypeString},
		{Name: "InvoiceCountryCode", Type: connectors.TypeString, MaxLength: 2},
		{Name: "InvoiceCustomerName", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoicePostalCode", Type: connectors.TypeString, MaxLength: 10},
		{Name: "IsNotDelivered", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "MessageThreads", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "ModifiedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "Notes", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "Number", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "OrderDate", Type: connectors.TypeDate, Required: true},
		{Name: "OurReference", Type: connectors.TypeString, MaxLength: 100},
		{Name: "Persons", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Amount", Type: connectors.TypeNumber},
			{Name: "Ssn", Type: connectors.TypeString, MaxLength: 50, Required: true},
		}}},
		{Name: "ReverseChargeOnConstructionServices", Type: connectors.TypeBool, Required: true},
		{Name: "RotPropertyType", Type: connectors.TypeInteger},
		{Name: "RotReducedInvoicingPercent", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "RotReducedInvoicingType", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, Description: "0 = None, 1 = Rot, 2 = Rut", Required: true},
		{Name: "RoundingsAmount", Type: connectors.TypeNumber},
		{Name: "Rows", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Amount", Type: connectors.TypeNumber},
			{Name: "ArticleId", Type: connectors.TypeString},
			{Name: "ArticleNumber", Type: connectors.TypeString, MaxLength: 40},
			{Name: "ContributionMargin", Type: connectors.TypeObject, Fields: []connectors.Field{
				{Name: "Amount", Type: connectors.TypeNumber},
				{Name: "Percentage", Type: connectors.TypeNumber},
			}},
			{Name: "CostCenterItemId1", Type: connectors.TypeString},
			{Name: "CostCenterItemId2", Type: connectors.TypeString},
			{Name: "CostCenterItemId3", Type: connectors.TypeString},
			{Name: "DeliveredQuantity", Type: connectors.TypeNumber},
			{Name: "DiscountPercentage", Type: connectors.TypeNumber},
			{Name: "EligibleForReverseChargeOnVat", Type: connectors.TypeBool, Required: true},
			{Name: "GreenTechnologyType", Type: connectors.TypeInteger},
			{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
			{Name: "IsServiceArticle", Type: connectors.TypeBool, ReadOnly: true},
			{Name: "IsTextRow", Type: connectors.TypeBool, Required: true},
			{Name: "IsWorkCost", Type: connectors.TypeBool, Required: true},
			{Name: "LineNumber", Type: connectors.TypeInteger, Required: true},
			{Name: "MaterialCosts", Type: connectors.TypeNumber},
			{Name: "ProjectId", Type: connectors.TypeString},
			{Name: "Quantity", Type: connectors.TypeNumber},
			{Name: "Text", Type: connectors.TypeString, MaxLength: 2000},
			{Name: "UnitId", Type: connectors.TypeString, ReadOnly: true},
			{Name: "UnitPrice", Type: connectors.TypeNumber},
			{Name: "WorkCostType", Type: connectors.TypeInteger},
			{Name: "WorkHours", Type: connectors.TypeNumber},
		}}},
		{Name: "SalesDocumentAttachments", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "ShippedDateTime", Type: connectors.TypeDate},
		{Name: "Status", Type: connectors.TypeInteger, Options: []string{"1", "2", "3", "4"}, Description: "1 = Draft, 2 = Ongoing, 3 = Shipped, 4 = Invoiced", Required: true},
		{Name: "UsesGreenTechnology", Type: connectors.TypeBool},
		{Name: "VatAmount", Type: connectors.TypeNumber},
		{Name: "YourReference", Type: connectors.TypeString, MaxLength: 100},
	}
}

// customerinvoicedraftsFields are the fields of CustomerInvoiceDraftApi.
func customerinvoicedraftsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "BuyersOrderReference", Type: connectors.TypeString, MaxLength: 35},
		{Name: "ContributionMargin", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Amount", Type: connectors.TypeNumber},
			{Name: "Percentage", Type: connectors.TypeNumber},
		}},
		{Name: "CreatedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "CustomerId", Type: connectors.TypeString, Required: true},
		{Name: "CustomerIsPrivatePerson", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "CustomerName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CustomerNumber", Type: connectors.TypeString, MaxLength: 16, ReadOnly: true},
		{Name: "DeliveryAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryCity", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryCountryCode", Type: connectors.TypeString, MaxLength: 2},
		{Name: "DeliveryCustomerName", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryDate", Type: connectors.TypeDate},
		{Name: "DeliveryMethodCode", Type: connectors.TypeString, MaxLength: 20},
		{Name: "DeliveryMethodName", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryPostalCode", Type: connectors.TypeString, MaxLength: 10},
		{Name: "DeliveryTermCode", Type: connectors.TypeString, MaxLength: 20},
		{Name: "DeliveryTermName", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DueDate", Type: connectors.TypeDate},
		{Name: "ElectronicReference", Type: connectors.TypeString, MaxLength: 100},
		{Name: "EuThirdParty", Type: connectors.TypeBool, Required: true},
		{Name: "HouseWorkOtherCosts", Type: connectors.TypeNumber},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IncludesVat", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "InvoiceAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceCity", Type: connectors.TypeString, MaxLength: 50, ReadOnly: true},
		{Name: "InvoiceCountryCode", Type: connectors.TypeString, MaxLength: 2, ReadOnly: true},
		{Name: "InvoiceCurrencyCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "InvoiceCustomerName", Type: connectors.TypeString, MaxLength: 50, ReadOnly: true},
		{Name: "InvoiceDate", Type: connectors.TypeDate},
		{Name: "InvoicePostalCode", Type: connectors.TypeString, MaxLength: 10, ReadOnly: true},
		{Name: "IsCreditInvoice", Type: connectors.TypeBool},
		{Name: "IsDirectDebit", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "MessageThreads", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "Notes", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "OurReference", Type: connectors.TypeString, MaxLength: 100},
		{Name: "Persons", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Amount", Type: connectors.TypeNumber},
			{Name: "Ssn", Type: connectors.TypeString, MaxLength: 50, Required: true},
		}}},
		{Name: "ReplaceUnitPriceWhenZero", Type: connectors.TypeBool},
		{Name: "ReverseChargeOnConstructionServices", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "RotPropertyType", Type: connectors.TypeInteger},
		{Name: "RotReducedInvoicingAmount", Type: connectors.TypeNumber},
		{Name: "RotReducedInvoicingAutomaticDistribution", Type: connectors.TypeBool},
		{Name: "RotReducedInvoicingOrgNumber", Type: connectors.TypeString, MaxLength: 11},
		{Name: "RotReducedInvoicingPropertyName", Type: connectors.TypeString, MaxLength: 40},
		{Name: "RotReducedInvoicingType", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, Description: "0 = Normal, 1 = Rot, 2 = Rut", Required: true},
		{Name: "Rows", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "ArticleId", Type: connectors.TypeString},
			{Name: "ArticleNumber", Type: connectors.TypeString},
			{Name: "ContributionMargin", Type: connectors.TypeObject, Fields: []connectors.Field{
				{Name: "Amount", Type: connectors.TypeNumber},
				{Name: "Percentage", Type: connectors.TypeNumber},
			}},
			{Name: "CostCenterItemId1", Type: connectors.TypeString},
			{Name: "CostCenterItemId2", Type: connectors.TypeString},
			{Name: "CostCenterItemId3", Type: connectors.TypeString},
			{Name: "DiscountPercentage", Type: connectors.TypeNumber},
			{Name: "GreenTechnologyType", Type: connectors.TypeInteger},
			{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
			{Name: "IsServiceArticle", Type: connectors.TypeBool, ReadOnly: true},
			{Name: "IsTextRow", Type: connectors.TypeBool, Required: true},
			{Name: "IsWorkCost", Type: connectors.TypeBool},
			{Name: "LineNumber", Type: connectors.TypeInteger},
			{Name: "MaterialCosts", Type: connectors.TypeNumber},
			{Name: "ProjectId", Type: connectors.TypeString},
			{Name: "Quantity", Type: connectors.TypeNumber},
			{Name: "ReversedConstructionServicesVatFree", Type: connectors.TypeBool, Required: true},
			{Name: "Text", Type: connectors.TypeString, MaxLength: 2000},
			{Name: "UnitAbbreviation", Type: connectors.TypeString},
			{Name: "UnitAbbreviationEnglish", Type: connectors.TypeString},
			{Name: "UnitId", Type: connectors.TypeString, ReadOnly: true},
			{Name: "UnitName", Type: connectors.TypeString},
			{Name: "UnitPrice", Type: connectors.TypeNumber},
			{Name: "VatRateId", Type: connectors.TypeString, ReadOnly: true},
			{Name: "WorkCostType", Type: connectors.TypeInteger},
			{Name: "WorkHours", Type: connectors.TypeNumber},
		}}},
		{Name: "SalesDocumentAttachments", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "TotalAmount", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalAmountBaseCurrency", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalRoundings", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalVatAmount", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalVatAmountBaseCurrency", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "UsesGreenTechnology", Type: connectors.TypeBool},
		{Name: "YourReference", Type: connectors.TypeString, MaxLength: 100},
	}
}

// customerinvoicesFields are the fields of CustomerInvoiceApi.
func customerinvoicesFields() []connectors.Field {
	return []connectors.Field{
		{Name: "BuyersOrderReference", Type: connectors.TypeString, MaxLength: 35},
		{Name: "ContributionMargin", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Amount", Type: connectors.TypeNumber},
			{Name: "Percentage", Type: connectors.TypeNumber},
		}},
		{Name: "CreatedByUserId", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CreatedFromDraftId", Type: connectors.TypeString},
		{Name: "CreatedFromOrderId", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CreatedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "CreditedBy", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "CreditInvoiceId", Type: connectors.TypeString},
		}}},
		{Name: "CurrencyCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CurrencyRate", Type: connectors.TypeNumber},
		{Name: "CustomerEmail", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CustomerId", Type: connectors.TypeString, Required: true},
		{Name: "CustomerIsPrivatePerson", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "CustomerName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CustomerNumber", Type: connectors.TypeString, ReadOnly: true},
		{Name: "DeliveryAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryCity", Type: connectors.TypeString, MaxLength: 50},
		{Name: "DeliveryCountryCode", Type: connectors.TypeString, MaxLength: 2},
		{Name: "DeliveryCustomerName", Type: connectors.TypeString, MaxLength: 100},
		{Name: "DeliveryDate", Type: connectors.TypeDate},
		{Name: "DeliveryMethodCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "DeliveryMethodName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "DeliveryPostalCode", Type: connectors.TypeString, MaxLength: 10},
		{Name: "DeliveryTermCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "DeliveryTermName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "DueDate", Type: connectors.TypeDate},
		{Name: "EdiServiceDelivererId", Type: connectors.TypeString, MaxLength: 50},
		{Name: "ElectronicAddress", Type: connectors.TypeString, ReadOnly: true},
		{Name: "ElectronicReference", Type: connectors.TypeString},
		{Name: "EuThirdParty", Type: connectors.TypeBool, Required: true},
		{Name: "FactoringInvoiceStatus", Type: connectors.TypeInteger, Options: []string{"0", "3", "4", "6", "7", "8", "9", "10", "11", "12", "13"}, ReadOnly: true},
		{Name: "HasAutoInvoiceError", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IncludesVat", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "InvoiceAddress1", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceAddress2", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceCity", Type: connectors.TypeString, MaxLength: 50},
		{Name: "InvoiceCountryCode", Type: connectors.TypeString, MaxLength: 2},
		{Name: "InvoiceCustomerName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "InvoiceDate", Type: connectors.TypeDate},
		{Name: "InvoiceNumber", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "InvoicePostalCode", Type: connectors.TypeString, MaxLength: 50},
		{Name: "IsCreditInvoice", Type: connectors.TypeBool},
		{Name: "IsDirectDebit", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "IsNotDelivered", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "IsSold", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "MessageThreads", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "ModifiedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "Notes", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "OurReference", Type: connectors.TypeString, MaxLength: 100},
		{Name: "PaymentDate", Type: connectors.TypeDate, ReadOnly: true},
		{Name: "PaymentReferenceNumber", Type: connectors.TypeString, ReadOnly: true},
		{Name: "PaymentReminderIssued", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "PaymentStatus", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, Description: "0 = Paid, 1 = Unpaid, 2 = Overdue", ReadOnly: true},
		{Name: "Persons", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "Amount", Type: connectors.TypeNumber},
			{Name: "Ssn", Type: connectors.TypeString, MaxLength: 50, Required: true},
		}}},
		{Name: "ReferringInvoiceId", Type: connectors.TypeString, ReadOnly: true},
		{Name: "RemainingAmount", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "RemainingAmountInvoiceCurrency", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "ReverseChargeOnConstructionServices", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "ReversedConstructionVatInvoicing", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "RotPropertyType", Type: connectors.TypeInteger},
		{Name: "RotReducedInvoicingAmount", Type: connectors.TypeNumber},
		{Name: "RotReducedInvoicingAutomaticDistribution", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "RotReducedInvoicingOrgNumber", Type: connectors.TypeString, MaxLength: 11},
		{Name: "RotReducedInvoicingPercent", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "RotReducedInvoicingPropertyName", Type: connectors.TypeString},
		{Name: "RotReducedInvoicingType", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, Description: "0 = Normal, 1 = Rot, 2 = Rut", Required: true},
		{Name: "Rows", Type: connectors.TypeList, Required: true, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "AmountNoVat", Type: connectors.TypeNumber, ReadOnly: true},
			{Name: "ArticleId", Type: connectors.TypeString},
			{Name: "ArticleNumber", Type: connectors.TypeString, ReadOnly: true},
			{Name: "ContributionMargin", Type: connectors.TypeObject, Fields: []connectors.Field{
				{Name: "Amount", Type: connectors.TypeNumber},
				{Name: "Percentage", Type: connectors.TypeNumber},
			}},
			{Name: "CostCenterItemId1", Type: connectors.TypeString},
			{Name: "CostCenterItemId2", Type: connectors.TypeString},
			{Name: "CostCenterItemId3", Type: connectors.TypeString},
			{Name: "DiscountPercentage", Type: connectors.TypeNumber},
			{Name: "GreenTechnologyType", Type: connectors.TypeInteger},
			{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
			{Name: "IsServiceArticle", Type: connectors.TypeBool, ReadOnly: true},
			{Name: "IsTextRow", Type: connectors.TypeBool, ReadOnly: true},
			{Name: "IsVatFree", Type: connectors.TypeBool},
			{Name: "IsWorkCost", Type: connectors.TypeBool, ReadOnly: true},
			{Name: "LineNumber", Type: connectors.TypeInteger, ReadOnly: true},
			{Name: "MaterialCosts", Type: connectors.TypeNumber},
			{Name: "PercentVat", Type: connectors.TypeNumber, ReadOnly: true},
			{Name: "ProjectId", Type: connectors.TypeString},
			{Name: "Quantity", Type: connectors.TypeNumber},
			{Name: "Text", Type: connectors.TypeString},
			{Name: "UnitAbbreviation", Type: connectors.TypeString, ReadOnly: true},
			{Name: "UnitAbbreviationEnglish", Type: connectors.TypeString, ReadOnly: true},
			{Name: "UnitId", Type: connectors.TypeString, ReadOnly: true},
			{Name: "UnitPrice", Type: connectors.TypeNumber},
			{Name: "WorkCostType", Type: connectors.TypeInteger},
			{Name: "WorkHours", Type: connectors.TypeNumber},
		}}},
		{Name: "SalesDocumentAttachments", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "SendType", Type: connectors.TypeInteger, Options: []string{"0", "1", "2", "3"}},
		{Name: "SetOffAmountInvoiceCurrency", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TermsOfPaymentId", Type: connectors.TypeString},
		{Name: "TotalAmount", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalAmountInvoiceCurrency", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalRoundings", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalVatAmount", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "TotalVatAmountInvoiceCurrency", Type: connectors.TypeNumber, ReadOnly: true},
		{Name: "UsesGreenTechnology", Type: connectors.TypeBool},
		{Name: "VatSpecification", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "AmountInvoiceCurrency", Type: connectors.TypeNumber, ReadOnly: true},
			{Name: "VatAmountInvoiceCurrency", Type: connectors.TypeNumber, ReadOnly: true},
			{Name: "VatPercent", Type: connectors.TypeNumber, ReadOnly: true},
		}}},
		{Name: "VoucherId", Type: connectors.TypeString, ReadOnly: true},
		{Name: "VoucherNumber", Type: connectors.TypeString, ReadOnly: true},
		{Name: "WorkHouseOtherCosts", Type: connectors.TypeNumber},
		{Name: "YourReference", Type: connectors.TypeString, MaxLength: 100},
	}
}

// vatcodesFields are the fields of VatCodeApi.
func vatcodesFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Code", Type: connectors.TypeString},
		{Name: "Description", Type: connectors.TypeString},
		{Name: "Id", Type: connectors.TypeString},
		{Name: "OssCodeType", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, Description: "0 = None, 1 = Sales, 2 = Vat"},
		{Name: "RelatedAccounts", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "AccountNumber1", Type: connectors.TypeInteger},
			{Name: "AccountNumber2", Type: connectors.TypeInteger},
			{Name: "AccountNumber3", Type: connectors.TypeInteger},
		}},
		{Name: "VatRate", Type: connectors.TypeNumber},
	}
}

// termsofpaymentsFields are the fields of TermsOfPaymentApi.
func termsofpaymentsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "AvailableForPurchase", Type: connectors.TypeBool},
		{Name: "AvailableForSales", Type: connectors.TypeBool},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString},
		{Name: "NameEnglish", Type: connectors.TypeString},
		{Name: "NumberOfDays", Type: connectors.TypeInteger},
		{Name: "TermsOfPaymentTypeId", Type: connectors.TypeInteger},
		{Name: "TermsOfPaymentTypeText", Type: connectors.TypeString},
	}
}

// deliverymethodsFields are the fields of DeliveryMethodApi.
func deliverymethodsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Code", Type: connectors.TypeString, MaxLength: 20},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 100, Required: true},
		{Name: "NameEnglish", Type: connectors.TypeString, MaxLength: 200},
	}
}

// deliverytermsFields are the fields of DeliveryTermApi.
func deliverytermsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Code", Type: connectors.TypeString, MaxLength: 20},
		{Name: "Editable", Type: connectors.TypeBool},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 100, Required: true},
		{Name: "NameEnglish", Type: connectors.TypeString, MaxLength: 200},
	}
}

// unitsFields are the fields of UnitApi.
func unitsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Abbreviation", Type: connectors.TypeString},
		{Name: "AbbreviationEnglish", Type: connectors.TypeString},
		{Name: "Code", Type: connectors.TypeString},
		{Name: "Id", Type: connectors.TypeString},
		{Name: "Name", Type: connectors.TypeString},
	}
}

// articleaccountcodingsFields are the fields of ArticleAccountCodingAPI.
func articleaccountcodingsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "ChangedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "DomesticSalesSubjectToReversedConstructionVatAccountNumber", Type: connectors.TypeInteger},
		{Name: "DomesticSalesSubjectToVatAccountNumber", Type: connectors.TypeInteger},
		{Name: "DomesticSalesVatCodeExemptAccountNumber", Type: connectors.TypeInteger},
		{Name: "DomesticSalesVatExemptAccountNumber", Type: connectors.TypeInteger},
		{Name: "ForeignSalesSubjectToMossAccountNumber", Type: connectors.TypeInteger},
		{Name: "ForeignSalesSubjectToThirdPartySalesAccountNumber", Type: connectors.TypeInteger},
		{Name: "ForeignSalesSubjectToVatWithinEuAccountNumber", Type: connectors.TypeInteger},
		{Name: "ForeignSalesVatExemptOutsideEuAccountNumber", Type: connectors.TypeInteger},
		{Name: "ForeignSalesVatExemptWithinEuAccountNumber", Type: connectors.TypeInteger},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IsActive", Type: connectors.TypeBool},
		{Name: "Name", Type: connectors.TypeString},
		{Name: "NameEnglish", Type: connectors.TypeString},
		{Name: "Type", Type: connectors.TypeString},
		{Name: "VatRate", Type: connectors.TypeString},
		{Name: "VatRatePercent", Type: connectors.TypeNumber},
	}
}

// accountsFields are the fields of AccountApi.
func accountsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "CreatedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "FiscalYearId", Type: connectors.TypeString, Required: true},
		{Name: "IsActive", Type: connectors.TypeBool, Required: true},
		{Name: "IsBlockedForManualBooking", Type: connectors.TypeBool},
		{Name: "IsCostCenterAllowed", Type: connectors.TypeBool},
		{Name: "IsProjectAllowed", Type: connectors.TypeBool},
		{Name: "ModifiedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 100, Required: true},
		{Name: "Number", Type: connectors.TypeString, Required: true},
		{Name: "ReferenceCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Type", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "TypeDescription", Type: connectors.TypeString, ReadOnly: true},
		{Name: "VatCodeDescription", Type: connectors.TypeString, ReadOnly: true},
		{Name: "VatCodeId", Type: connectors.TypeString},
	}
}

// costcentersFields are the fields of CostCenterApi.
func costcentersFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IsActive", Type: connectors.TypeBool},
		{Name: "Items", Type: connectors.TypeList, Elem: &connectors.Field{Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "CostCenterId", Type: connectors.TypeString, Required: true},
			{Name: "CreatedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
			{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
			{Name: "IsActive", Type: connectors.TypeBool, Required: true},
			{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
			{Name: "ShortName", Type: connectors.TypeString, MaxLength: 9, Required: true},
		}}},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 20, Required: true},
		{Name: "Number", Type: connectors.TypeInteger, ReadOnly: true},
	}
}

// costcenteritemsFields are the fields of CostCenterItemApi.
func costcenteritemsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "CostCenterId", Type: connectors.TypeString, Required: true},
		{Name: "CreatedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IsActive", Type: connectors.TypeBool, Required: true},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
		{Name: "ShortName", Type: connectors.TypeString, MaxLength: 9, Required: true},
	}
}

// projectsFields are the fields of ProjectApi.
func projectsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "CustomerId", Type: connectors.TypeString},
		{Name: "CustomerName", Type: connectors.TypeString, ReadOnly: true},
		{Name: "EndDate", Type: connectors.TypeDate},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "ModifiedUtc", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 200, Required: true},
		{Name: "Notes", Type: connectors.TypeString, MaxLength: 500},
		{Name: "Number", Type: connectors.TypeString, MaxLength: 9, Required: true},
		{Name: "StartDate", Type: connectors.TypeDate, Required: true},
		{Name: "Status", Type: connectors.TypeInteger, Options: []string{"1", "2"}, Description: "1 = Ongoing, 2 = Finished"},
	}
}

// customerlabelsFields are the fields of CustomerLabelApi.
func customerlabelsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Description", Type: connectors.TypeString, MaxLength: 400},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
	}
}

// articlelabelsFields are the fields of ArticleLabelApi.
func articlelabelsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Description", Type: connectors.TypeString, MaxLength: 400},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 50, Required: true},
	}
}

// countriesFields are the fields of CountryApi.
func countriesFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Code", Type: connectors.TypeString},
		{Name: "IsEuMember", Type: connectors.TypeBool},
		{Name: "Name", Type: connectors.TypeString},
	}
}

// currenciesFields are the fields of CurrencyApi.
func currenciesFields() []connectors.Field {
	return []connectors.Field{
		{Name: "Code", Type: connectors.TypeString},
	}
}

// fiscalyearsFields are the fields of FiscalYearApi.
func fiscalyearsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "BookkeepingMethod", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, ReadOnly: true},
		{Name: "EndDate", Type: connectors.TypeDate},
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IsLockedForAccounting", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "StartDate", Type: connectors.TypeDate},
	}
}

// companysettingsFields are the fields of CompanySettingsApi.
func companysettingsFields() []connectors.Field {
	return []connectors.Field{
		{Name: "AccountNumberDigits", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "AccountingLockInterval", Type: connectors.TypeInteger, Options: []string{"0", "1", "2", "3", "4"}, Description: "0 = None, 1 = Month, 2 = Quarter, 3 = Year, 4 = TaxDeclaration", ReadOnly: true},
		{Name: "AccountingLockedTo", Type: connectors.TypeDateTime, ReadOnly: true},
		{Name: "ActivatedModules", Type: connectors.TypeList, ReadOnly: true, Elem: &connectors.Field{Type: connectors.TypeString}},
		{Name: "Address1", Type: connectors.TypeString, MaxLength: 40, Required: true},
		{Name: "Address2", Type: connectors.TypeString, MaxLength: 40},
		{Name: "ApprovalSettings", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "UsesSupplierInvoiceApproval", Type: connectors.TypeBool, ReadOnly: true},
			{Name: "UsesVatReportApproval", Type: connectors.TypeBool, ReadOnly: true},
		}},
		{Name: "AutoInvoice", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "AutoInvoiceActivationStatus", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, Description: "0 = Unregistered, 1 = Registered, 2 = Activated", ReadOnly: true},
			{Name: "AutoInvoiceB2CStatus", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, ReadOnly: true},
			{Name: "AutoInvoiceInboundStatus", Type: connectors.TypeInteger, Options: []string{"0", "1"}, Description: "0 = Deactivated, 1 = Activated", ReadOnly: true},
		}},
		{Name: "BankAccount", Type: connectors.TypeString, ReadOnly: true},
		{Name: "BankGiro", Type: connectors.TypeString},
		{Name: "BankgiroNumberPrint", Type: connectors.TypeString},
		{Name: "City", Type: connectors.TypeString, MaxLength: 40, Required: true},
		{Name: "CompanyGreenTechnologySettings", Type: connectors.TypeObject, ReadOnly: true, Fields: []connectors.Field{
			{Name: "GreenTechnologyDeductionMaxAmount", Type: connectors.TypeNumber, ReadOnly: true},
			{Name: "SollarCellDiscountPercentage", Type: connectors.TypeNumber, ReadOnly: true},
		}},
		{Name: "CompanyIdentifier", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CompanyRotRutSettings", Type: connectors.TypeObject, ReadOnly: true, Fields: []connectors.Field{
			{Name: "RotReducedInvoicingMaxAmount", Type: connectors.TypeNumber},
			{Name: "RotReducedInvoicingPercent", Type: connectors.TypeNumber},
			{Name: "RutMaxAmountForPersBelow65Year", Type: connectors.TypeNumber},
			{Name: "RutMaxAmountForPersOver65Year", Type: connectors.TypeNumber},
			{Name: "RutReducedInvoicingPercent", Type: connectors.TypeNumber},
		}},
		{Name: "CompanyStatus", Type: connectors.TypeInteger, Options: []string{"0", "1", "2"}, Description: "0 = Inactive, Active = 1, ReadOnly = 2", ReadOnly: true},
		{Name: "CompanyText", Type: connectors.TypeObject, Fields: []connectors.Field{
			{Name: "CustomerInvoiceTextDomestic", Type: connectors.TypeString, MaxLength: 180},
			{Name: "CustomerInvoiceTextForeign", Type: connectors.TypeString, MaxLength: 180},
			{Name: "OrderTextDomestic", Type: connectors.TypeString, MaxLength: 180},
			{Name: "OrderTextForeign", Type: connectors.TypeString, MaxLength: 180},
			{Name: "OverDueTextDomestic", Type: connectors.TypeString, MaxLength: 180},
			{Name: "OverDueTextForeign", Type: connectors.TypeString, MaxLength: 180},
		}},
		{Name: "CorporateIdentityNumber", Type: connectors.TypeString, ReadOnly: true},
		{Name: "CountryCode", Type: connectors.TypeString, MaxLength: 2, Required: true},
		{Name: "CurrencyCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "DomesticCurrencyRounding", Type: connectors.TypeInteger, Options: []string{"0", "1"}, Description: "0 = None, HalfAwayFromZero = 1", ReadOnly: true},
		{Name: "Email", Type: connectors.TypeString, MaxLength: 255},
		{Name: "Gln", Type: connectors.TypeString, ReadOnly: true},
		{Name: "HasProportionalVatEnabled", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "Iban", Type: connectors.TypeString, ReadOnly: true},
		{Name: "IsPayslipActivated", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "KeepOriginalDraftDate", Type: connectors.TypeBool},
		{Name: "MobilePhone", Type: connectors.TypeString, MaxLength: 20},
		{Name: "Name", Type: connectors.TypeString, MaxLength: 100, Required: true},
		{Name: "NextArticleNumber", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "NextCustomerInvoiceNumber", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "NextCustomerNumber", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "NextOrderNumber", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "NextQuoteNumber", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "NextSupplierNumber", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "OurReference", Type: connectors.TypeString, MaxLength: 100},
		{Name: "PeppolId", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Phone", Type: connectors.TypeString, MaxLength: 20, Required: true},
		{Name: "PlusGiro", Type: connectors.TypeString},
		{Name: "PostalCode", Type: connectors.TypeString, MaxLength: 10, Required: true},
		{Name: "ProductVariant", Type: connectors.TypeInteger, Options: []string{"1", "2", "3", "4", "5", "6"}, ReadOnly: true},
		{Name: "ProportionalVatValue", Type: connectors.TypeInteger, ReadOnly: true},
		{Name: "ShowContributionMargin", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "ShowCostCenterReminder", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "ShowPricesExclVatPC", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "ShowProjectReminder", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "TaxDeclarationDate", Type: connectors.TypeObject, ReadOnly: true, Fields: []connectors.Field{
			{Name: "Day", Type: connectors.TypeInteger},
			{Name: "Month", Type: connectors.TypeInteger},
		}},
		{Name: "TermsOfPaymentId", Type: connectors.TypeString, ReadOnly: true},
		{Name: "TypeOfBusiness", Type: connectors.TypeInteger, Options: []string{"1", "2", "3", "4", "5", "6", "7", "9"}, Description: "1 = Corporation, 2 = SoleProprietorship, 3 = EconomicAssociation, 4 = NonProfitOrganization, 5 = GeneralPartnership, 6 = LimitedPartnership, 7 = Cooperatives, 9 = PublicLimited", ReadOnly: true},
		{Name: "UseAutomaticVatCalculation", Type: connectors.TypeBool},
		{Name: "UsePaymentFilesForOutgoingPayments", Type: connectors.TypeBool},
		{Name: "UsesCostCenter", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "UsesGreenTechnology", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "UsesMoss", Type: connectors.TypeBool},
		{Name: "UsesPaymentReferenceNumber", Type: connectors.TypeBool},
		{Name: "UsesProject", Type: connectors.TypeBool, ReadOnly: true},
		{Name: "UsesReverseConstructionVat", Type: connectors.TypeBool},
		{Name: "UsesRotReducedInvoicing", Type: connectors.TypeBool},
		{Name: "VatCode", Type: connectors.TypeString, ReadOnly: true},
		{Name: "VatPeriod", Type: connectors.TypeInteger, Options: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}, ReadOnly: true},
		{Name: "Website", Type: connectors.TypeString, MaxLength: 255},
	}
}
