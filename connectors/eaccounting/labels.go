package eaccounting

// objectLabels are the label templates of the objects
// (connectors.Schema.Label): write-backs and flows from eAccounting name
// their records by them, and plans name by them the records the ids of
// other records refer to (an order's TermsOfPaymentId, a row's ArticleId
// and CostCenterItemId1), after the id.
var objectLabels = map[string]string{
	"customers":             `customer {CustomerNumber} "{Name}"`,
	"articles":              `article {Number} "{Name}"`,
	"orders":                `order {Number} "{YourReference}"`,
	"customerinvoicedrafts": `invoice draft {Id} "{YourReference}"`,
	"customerinvoices":      `invoice {InvoiceNumber} "{YourReference}"`,

	// Reference data: named as eAccounting's screens list them.
	"termsofpayments":       `terms of payment "{Name}"`,
	"vatcodes":              `VAT code {Code} "{Description}"`,
	"deliverymethods":       `delivery method {Code} "{Name}"`,
	"deliveryterms":         `delivery terms {Code} "{Name}"`,
	"units":                 `unit {Code} "{Name}"`,
	"articleaccountcodings": `account coding "{Name}"`,
	"costcenteritems":       `cost centre item {ShortName} "{Name}"`,
	"projects":              `project {Number} "{Name}"`,
	"customerlabels":        `customer label "{Name}"`,
	"articlelabels":         `article label "{Name}"`,
	"bankaccounts":          `bank account {LedgerAccountNumber} "{Name}"`,
}
