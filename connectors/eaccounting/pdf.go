package eaccounting

import (
	"context"
	"fmt"
	"slices"

	"github.com/kopla-dev/kopla/connectors"
)

// fieldPdfURL is a customer invoice's link to its PDF. It is no field of
// CustomerInvoiceApi: GET /v2/customerinvoices/{id}/pdf answers it
// (InvoiceUrlApi.Url), one call per invoice that eAccounting may have to
// render first, so it is read only when a flow names it.
const fieldPdfURL = "PdfUrl"

var pdfURLField = connectors.Field{Name: fieldPdfURL, Type: connectors.TypeString, ReadOnly: true,
	Description: "link to the invoice PDF in eAccounting's temporary storage (GET /v2/customerinvoices/{id}/pdf); read only when a flow uses it, one call per invoice; the link expires, so write it where it is used soon or read it again"}

// wantsPdfLinks reports whether a read of o names PdfUrl; a read of all
// fields (nil) does not fetch them.
func (o *object) wantsPdfLinks(fields []string) bool {
	return o.def.name == "customerinvoices" && slices.Contains(fields, fieldPdfURL)
}

// addPdfLinks fills PdfUrl of each invoice; the caller wraps its error.
func (o *object) addPdfLinks(ctx context.Context, recs []connectors.Record) error {
	for i := range recs {
		var out struct {
			URL string `json:"Url"`
		}
		if err := o.c.client.do(ctx, get("customerinvoices/{invoiceId}/pdf", nil, recs[i].ID), &out); err != nil {
			return fmt.Errorf("PDF link of invoice %s: %w", recs[i].ID, err)
		}
		if recs[i].Fields == nil {
			recs[i].Fields = map[string]any{}
		}
		recs[i].Fields[fieldPdfURL] = out.URL
	}
	return nil
}
