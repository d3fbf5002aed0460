package eaccounting

// objectLabels are the label templates of the objects records are most
// often read from (connectors.Schema.Label): write-backs and flows from
// eAccounting name their records by them.
var objectLabels = map[string]string{
	"customers":             `customer {CustomerNumber} "{Name}"`,
	"articles":              `article {Number} "{Name}"`,
	"orders":                `order {Number} "{YourReference}"`,
	"customerinvoicedrafts": `invoice draft {Id} "{YourReference}"`,
	"customerinvoices":      `invoice {InvoiceNumber} "{YourReference}"`,
}
