package eaccountingtest

// The API models served, written from the Swagger "Visma eAccounting API V2"
// (property names, kinds, max lengths, required and read-only flags). Only
// what the fake stores or computes is listed; the server ignores unknown
// request properties, as the real model binder does.

type models struct {
	customer, customerLabel, termsOfPayment                  *model
	article, articleLabel, coding, unit                      *model
	order, orderRow, draft, draftRow, invoice, invoiceRow    *model
	payment, draftValidation                                 *model
	vatCode, deliveryMethod, deliveryTerm                    *model
	costCenter, costCenterItem, project, account, fiscalYear *model
	country, currency, company, bankAccount                  *model
}

func newModels() *models {
	var m models
	m.termsOfPayment = mustModel("TermsOfPaymentApi", `
Id u ro
Name s
NameEnglish s
NumberOfDays i
TermsOfPaymentTypeId i
TermsOfPaymentTypeText s
AvailableForSales b
AvailableForPurchase b`)
	m.customerLabel = mustModel("CustomerLabelApi", `
Id u ro
Name s50 req
Description s400`)
	m.customer = mustModel("CustomerApi", `
Id u ro
CustomerNumber s16
CorporateIdentityNumber s20
ContactPersonEmail s255
ContactPersonMobile s50
ContactPersonName s100
ContactPersonPhone s50
CurrencyCode s3
GLN s255
EmailAddress s255
EmailAddressOrder s255
EmailAddressQuote s255
EmailAddresses as
InvoiceAddress1 s50
InvoiceAddress2 s50
InvoiceCity s50 req
InvoiceCountryCode s2
InvoicePostalCode s10 req
DeliveryCustomerName s100
DeliveryAddress1 s50
DeliveryAddress2 s50
DeliveryCity s50
DeliveryCountryCode s2
DeliveryPostalCode s10
DeliveryBasedVat b
DeliveryMethodId u
DeliveryTermId u
PayToAccountId u ro
Name s50 req
Note s4000
ReverseChargeOnConstructionServices b
WebshopCustomerNumber i?
MobilePhone s50
Telephone s50
TermsOfPaymentId u req
TermsOfPayment o:TermsOfPaymentApi ro
VatNumber s20
WwwAddress s255
LastInvoiceDate t ro
IsActive b req
ForceBookkeepVat b
EdiGlnNumber s255
SalesDocumentLanguage s2
ElectronicAddress s255
ElectronicReference s35
EdiServiceDelivererId s255
AutoInvoiceActivationEmailSentDate t
AutoInvoiceRegistrationRequestSentDate t
IsPrivatePerson b req
DiscountPercentage n min=0 max=1
ChangedUtc t ro
IsNorthernIreland b?
CustomerLabels a:CustomerLabelApi
IsFutureInvoiceDateAllowed b ro
SalesPriceListId u
DiscountAgreementId u
UnpaidInvoicesAmount n ro
Iban s`, m.termsOfPayment, m.customerLabel)

	m.articleLabel = mustModel("ArticleLabelApi", `
Id u ro
Name s50 req
Description s400`)
	barcode := mustModel("ArticleBarcodeApi", `
Barcode s
BarcodeType i enum=0`)
	m.article = mustModel("ArticleApi", `
Id u ro
IsActive b req
Number s40 req
Name s50 req
NameEnglish s50
NetPrice n min=0 max=10000000
GrossPrice n min=0 max=10000000
NetPriceWithDiscount n? min=0 max=10000000
DiscountPercentage n?
CodingId u req
CodingName s ro
UnitId u req
UnitName s ro
UnitAbbreviation s ro
StockBalance n
StockBalanceReserved n ro
StockBalanceAvailable n ro
StockBalanceManuallyChangedUtc t ro
StockLocationReference s
Note s4000
StockValue n ro
ShowStockInformation b ro
UpdateStockPrices b
FreightCosts n min=0
FreightCostsManuallyChangedUtc t ro
PurchasePrice n min=0
PurchasePriceManuallyChangedUtc t ro
IsStock b
HouseWorkType i?
GreenTechnologyType i
UsesMoss b
SendToWebshop b
Barcodes a:ArticleBarcodeApi
ArticleLabels a:ArticleLabelApi
IsServiceArticle b ro
ChangedUtc t ro
CreatedUtc t ro`, barcode, m.articleLabel)
	m.coding = mustModel("ArticleAccountCodingAPI", `
Id u ro
Name s
NameEnglish s
Type s
VatRate s
IsActive b
VatRatePercent n
DomesticSalesSubjectToReversedConstructionVatAccountNumber i?
DomesticSalesSubjectToVatAccountNumber i?
DomesticSalesVatExemptAccountNumber i?
DomesticSalesVatCodeExemptAccountNumber i?
ForeignSalesSubjectToMossAccountNumber i?
ForeignSalesSubjectToThirdPartySalesAccountNumber i?
ForeignSalesSubjectToVatWithinEuAccountNumber i?
ForeignSalesVatExemptOutsideEuAccountNumber i?
ForeignSalesVatExemptWithinEuAccountNumber i?
ChangedUtc t ro`)
	m.unit = mustModel("UnitApi", `
Id u
Name s
Code s
Abbreviation s
AbbreviationEnglish s`)

	person := mustModel("SalesDocumentRotRutReductionPersonApi", `
Ssn s50 req
Amount n`)
	margin := mustModel("ContributionMarginApi", `
Amount n
Percentage n`)
	m.orderRow = mustModel("OrderRowApi", `
Id u ro
LineNumber i req min=0 max=1000
DeliveredQuantity n?
ArticleId u
ArticleNumber s40
IsTextRow b req
Text s2000
UnitPrice n?
DiscountPercentage n min=0 max=1
Quantity n?
WorkCostType i?
IsWorkCost b req
EligibleForReverseChargeOnVat b req
CostCenterItemId1 u
CostCenterItemId2 u
CostCenterItemId3 u
UnitId u ro
ProjectId u
WorkHours n?
MaterialCosts n?
GreenTechnologyType i? min=0 max=3
IsServiceArticle b ro
Amount n ro
ContributionMargin o:ContributionMarginApi ro`, margin)
	m.order = mustModel("OrderApi", `
Id u ro
Amount n ro
CustomerId u req
CurrencyCode s3 req
CreatedUtc t ro
VatAmount n ro
RoundingsAmount n ro
DeliveredAmount n ro
DeliveredVatAmount n ro
DeliveredRoundingsAmount n ro
DeliveryCustomerName s50
DeliveryAddress1 s50
DeliveryAddress2 s50
DeliveryPostalCode s10
DeliveryCity s50
DeliveryCountryCode s2
YourReference s100
TermsOfPaymentId u
OurReference s100
InvoiceAddress1 s50
InvoiceAddress2 s50
InvoiceCity s
InvoiceCountryCode s2
InvoiceCustomerName s50
InvoicePostalCode s10
DeliveryMethodName s50
DeliveryMethodCode s20
DeliveryTermName s50
DeliveryTermCode s20
EuThirdParty b req
CustomerIsPrivatePerson b ro
OrderDate t req
Status i req enum=1|2|3|4
Number i? ro
ModifiedUtc t ro
DeliveryDate t
HouseWorkAmount n?
HouseWorkAutomaticDistribution b
HouseWorkCorporateIdentityNumber s20
HouseWorkPropertyName s100
Rows a:OrderRowApi
ShippedDateTime t
RotReducedInvoicingType i req enum=0|1|2
RotPropertyType i?
Persons a:SalesDocumentRotRutReductionPersonApi
ReverseChargeOnConstructionServices b req
UsesGreenTechnology b
CustomerName s ro
CustomerNumber s ro
IncludesVat b ro
IsNotDelivered b ro
BuyersOrderReference s35
ContributionMargin o:ContributionMarginApi ro`, m.orderRow, person, margin)

	m.draftRow = mustModel("CustomerInvoiceDraftRowApi", `
Id u ro
LineNumber i? min=0 max=1000
ArticleId u
ArticleNumber s ro
IsTextRow b req
Text s2000
UnitPrice n?
DiscountPercentage n min=0 max=1
Quantity n?
WorkCostType i?
IsWorkCost b
WorkHours n?
MaterialCosts n?
ReversedConstructionServicesVatFree b req
CostCenterItemId1 u
CostCenterItemId2 u
CostCenterItemId3 u
UnitId u ro
UnitName s ro
UnitAbbreviation s ro
UnitAbbreviationEnglish s ro
VatRateId s ro
ProjectId u
GreenTechnologyType i? min=0 max=3
IsServiceArticle b ro
ContributionMargin o:ContributionMarginApi ro`, margin)
	m.draft = mustModel("CustomerInvoiceDraftApi", `
Id u ro
CustomerId u req
CreatedUtc t ro
IsCreditInvoice b
RotReducedInvoicingType i req enum=0|1|2
RotReducedInvoicingPropertyName s40
RotReducedInvoicingOrgNumber s11
RotReducedInvoicingAmount n?
RotReducedInvoicingAutomaticDistribution b
RotPropertyType i?
HouseWorkOtherCosts n?
Rows a:CustomerInvoiceDraftRowApi
Persons a:SalesDocumentRotRutReductionPersonApi
YourReference s100
TermsOfPaymentId u
OurReference s100
BuyersOrderReference s35
ElectronicReference s100
InvoiceCustomerName s50 ro
InvoiceAddress1 s50
InvoiceAddress2 s50
InvoicePostalCode s10 ro
InvoiceCity s50 ro
InvoiceCountryCode s2 ro
InvoiceCurrencyCode s ro
DeliveryCustomerName s50
DeliveryAddress1 s50
DeliveryAddress2 s50
DeliveryPostalCode s10
DeliveryCity s50
DeliveryCountryCode s2
DeliveryMethodName s50
DeliveryMethodCode s20
DeliveryTermName s50
DeliveryTermCode s20
EuThirdParty b req
CustomerIsPrivatePerson b ro
ReverseChargeOnConstructionServices b ro
IncludesVat b ro
InvoiceDate t
DueDate t
DeliveryDate t
TotalAmount n ro
TotalVatAmount n ro
TotalRoundings n ro
TotalAmountBaseCurrency n ro
TotalVatAmountBaseCurrency n ro
CustomerNumber s16 ro
CustomerName s ro
UsesGreenTechnology b
ReplaceUnitPriceWhenZero b
ContributionMargin o:ContributionMarginApi ro`, m.draftRow, person, margin)

	m.invoiceRow = mustModel("CustomerInvoiceRowApi", `
Id u ro
LineNumber i ro
ArticleId u
ArticleNumber s ro
IsTextRow b ro
Text s
UnitPrice n?
DiscountPercentage n min=0 max=1
Quantity n?
WorkCostType i?
IsWorkCost b ro
WorkHours n?
MaterialCosts n?
IsVatFree b
CostCenterItemId1 u
CostCenterItemId2 u
CostCenterItemId3 u
UnitId u ro
UnitAbbreviation s ro
UnitAbbreviationEnglish s ro
ProjectId u
GreenTechnologyType i? min=0 max=3
IsServiceArticle b ro
AmountNoVat n ro
PercentVat n ro
ContributionMargin o:ContributionMarginApi ro`, margin)
	vatSpec := mustModel("CustomerInvoiceVatApi", `
AmountInvoiceCurrency n ro
VatAmountInvoiceCurrency n ro
VatPercent n ro`)
	creditedBy := mustModel("CreditedByApi", `
CreditInvoiceId u`)
	m.invoice = mustModel("CustomerInvoiceApi", `
Id u ro
EuThirdParty b req
IsCreditInvoice b
CurrencyCode s ro
CurrencyRate n?
CreatedByUserId u ro
TotalAmount n ro
TotalVatAmount n ro
TotalRoundings n ro
TotalAmountInvoiceCurrency n ro
TotalVatAmountInvoiceCurrency n ro
SetOffAmountInvoiceCurrency n ro
CustomerId u req
Rows a:CustomerInvoiceRowApi req
VatSpecification a:CustomerInvoiceVatApi ro
InvoiceDate t
DueDate t
DeliveryDate t
RotReducedInvoicingType i req enum=0|1|2
RotReducedInvoicingAmount n?
RotReducedInvoicingPercent n ro
RotReducedInvoicingPropertyName s
RotReducedInvoicingOrgNumber s11
Persons a:SalesDocumentRotRutReductionPersonApi
RotReducedInvoicingAutomaticDistribution b ro
ElectronicReference s
ElectronicAddress s ro
EdiServiceDelivererId s50
YourReference s100
OurReference s100
BuyersOrderReference s35
InvoiceCustomerName s ro
InvoiceAddress1 s50
InvoiceAddress2 s50
InvoicePostalCode s50
InvoiceCity s50
InvoiceCountryCode s2
DeliveryCustomerName s100
DeliveryAddress1 s50
DeliveryAddress2 s50
DeliveryPostalCode s10
DeliveryCity s50
DeliveryCountryCode s2
DeliveryMethodName s ro
DeliveryTermName s ro
DeliveryMethodCode s ro
DeliveryTermCode s ro
CustomerIsPrivatePerson b ro
TermsOfPaymentId u
CustomerEmail s ro
InvoiceNumber i? ro
CustomerNumber s ro
PaymentReferenceNumber s ro
RotPropertyType i? min=1 max=2
SalesDocumentAttachments as ro
HasAutoInvoiceError b ro
IsNotDelivered b ro
ReverseChargeOnConstructionServices b ro
WorkHouseOtherCosts n?
RemainingAmount n ro
RemainingAmountInvoiceCurrency n ro
ReferringInvoiceId u ro
CreatedFromOrderId u ro
CreatedFromDraftId u
VoucherNumber s ro
VoucherId u ro
CreatedUtc t ro
ModifiedUtc t ro
ReversedConstructionVatInvoicing b ro
IncludesVat b ro
SendType i? enum=0|1|2|3
PaymentReminderIssued b ro
UsesGreenTechnology b
IsSold b ro
PaymentDate t ro
PaymentStatus i ro enum=0|1|2
CreditedBy a:CreditedByApi ro
CustomerName s ro
ContributionMargin o:ContributionMarginApi ro`, m.invoiceRow, vatSpec, creditedBy, person, margin)
	m.payment = mustModel("InvoicePaymentApi", `
BankFeeAmount n? min=0 max=1000000000
BankTransactionId u ro
CompanyBankAccountId u req
DomesticPaymentAmount n?
FactoringFeeAccountNumber i?
FactoringFeeAmount n?
PaymentAmount n req
PaymentCurrency s req
PaymentDate t req
PaymentType i req enum=1|2|3|4
Reference s100`)
	valRow := mustModel("CustomerInvoiceDraftValidationRowApi", `
LineNumber i?
TotalAmountNoVatInvoiceCurrency n?
TotalAmountIncVatInvoiceCurrency n?`)
	m.draftValidation = mustModel("CustomerInvoiceDraftValidationApi", `
Rows a:CustomerInvoiceDraftValidationRowApi
TotalAmountInvoiceCurrency n?
TotalVatAmountInvoiceCurrency n?
TotalRoundingsInvoiceCurrency n?`, valRow)

	related := mustModel("RelatedAccounts", `
AccountNumber1 i?
AccountNumber2 i?
AccountNumber3 i?`)
	m.vatCode = mustModel("VatCodeApi", `
Id u
Code s
Description s
VatRate n
OssCodeType i enum=0|1|2
RelatedAccounts o:RelatedAccounts`, related)
	m.deliveryMethod = mustModel("DeliveryMethodApi", `
Id u ro
Name s100 req
NameEnglish s200
Code s20`)
	m.deliveryTerm = mustModel("DeliveryTermApi", `
Id u ro
Name s100 req
NameEnglish s200
Code s20
Editable b`)
	m.costCenterItem = mustModel("CostCenterItemApi", `
CostCenterId u req
Id u ro
Name s50 req
ShortName s9 req
IsActive b req
CreatedUtc t ro`)
	m.costCenter = mustModel("CostCenterApi", `
Name s20 req
Number i ro
IsActive b
Id u ro
Items a:CostCenterItemApi ro`, m.costCenterItem)
	m.project = mustModel("ProjectApi", `
Id u ro
Number s9 req
Name s200 req
StartDate t req
EndDate t
CustomerId u
CustomerName s ro
Notes s500
Status i? enum=1|2
ModifiedUtc t ro`)
	m.account = mustModel("AccountApi", `
Name s100 req
Number s req
FiscalYearId u req
VatCodeId u
VatCodeDescription s ro
IsActive b req
IsProjectAllowed b
IsCostCenterAllowed b
IsBlockedForManualBooking b
ReferenceCode s ro
Type i? ro
TypeDescription s ro
ModifiedUtc t ro
CreatedUtc t ro`)
	m.fiscalYear = mustModel("FiscalYearApi", `
Id u ro
StartDate t
EndDate t
IsLockedForAccounting b ro
BookkeepingMethod i ro enum=0|1|2`)
	m.country = mustModel("CountryApi", `
Code s
Name s
IsEuMember b`)
	m.currency = mustModel("CurrencyApi", `
Code s`)
	m.company = mustModel("CompanySettingsApi", `
Name s100 req
Email s255
Phone s20 req
MobilePhone s20
Address1 s40 req
Address2 s40
CountryCode s2 req
PostalCode s10 req
City s40 req
Website s255
CurrencyCode s ro
TermsOfPaymentId u ro
CorporateIdentityNumber s ro
VatCode s ro
BankGiro s
PlusGiro s
BankAccount s ro
Iban s ro
Gln s ro
ProductVariant i ro enum=1|2|3|4|5|6
TypeOfBusiness i ro enum=1|2|3|4|5|6|7|9
VatPeriod i ro enum=1|2|3|4|5|6|7|8|9
ActivatedModules as ro
CompanyIdentifier s ro
CompanyStatus i ro enum=0|1|2
DomesticCurrencyRounding i ro enum=0|1
AccountNumberDigits i ro
UsesProject b ro
UsesCostCenter b ro
ShowPricesExclVatPC b ro
ShowContributionMargin b ro
UsesPaymentReferenceNumber b
UsesRotReducedInvoicing b
UsesReverseConstructionVat b
UsesMoss b
UseAutomaticVatCalculation b
UsePaymentFilesForOutgoingPayments b
KeepOriginalDraftDate b
OurReference s100
NextCustomerNumber i ro
NextArticleNumber i ro
NextOrderNumber i ro
NextQuoteNumber i ro
NextSupplierNumber i ro
NextCustomerInvoiceNumber i ro`)
	m.bankAccount = mustModel("BankAccountApi", `
Id u ro
Name s200 req
BankAccountType i req enum=1|2|3|4|5|6|7|8
BankAccountTypeDescription s ro
Bban s35
Iban s35
CurrencyCode s ro
IsActive b
IsDefaultChequeAccount b
LedgerAccountNumber i req
HasActiveBankAgreement b
ModifiedUtc t ro`)
	return &m
}
