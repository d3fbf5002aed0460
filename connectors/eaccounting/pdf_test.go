package eaccounting

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// TestInvoicePdfURL: customerinvoices.PdfUrl is read from
// GET /v2/customerinvoices/{id}/pdf when, and only when, a read names it.
func TestInvoicePdfURL(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	art := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	orders := e.writer(t, "orders")
	order := write1(t, orders, connectors.Write{Action: connectors.Create, KeyField: "YourReference", Fields: map[string]any{
		"CustomerId": cust.ID, "CurrencyCode": "SEK", "OrderDate": time.Now().UTC().Format(time.DateOnly), "Status": int64(2),
		"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0),
		"YourReference": "deal 4712",
		"Rows": []any{map[string]any{"LineNumber": int64(0), "ArticleId": art.ID, "Quantity": 1.0, "UnitPrice": 100.0,
			"IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}},
	}})
	order = write1(t, orders, connectors.Write{Action: connectors.Update, ID: order.ID, Fields: map[string]any{fieldInvoiced: true}})
	invID := order.Fields[fieldInvoiceID].(string)

	invoices := e.object(t, "customerinvoices")
	const pdfCalls = "GET /v2/customerinvoices/{invoiceId}/pdf"
	read := func(fields []string) []connectors.Record {
		var out []connectors.Record
		if _, err := invoices.Read(t.Context(), connectors.ReadRequest{Fields: fields}, func(p []connectors.Record) error {
			out = append(out, p...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}

	if recs := read(nil); len(recs) != 1 || recs[0].Fields[fieldPdfURL] != nil || e.srv.Requests(pdfCalls) != 0 {
		t.Errorf("read of all fields: %v, %d PDF calls; want no PdfUrl and no call", recs, e.srv.Requests(pdfCalls))
	}
	recs := read([]string{"InvoiceNumber", fieldPdfURL})
	link, _ := recs[0].Fields[fieldPdfURL].(string)
	if len(recs) != 1 || !strings.Contains(link, "/eaccountingstorage/") || e.srv.Requests(pdfCalls) != 1 {
		t.Fatalf("read naming PdfUrl: %v, %d PDF calls; want a storage link from one call", recs, e.srv.Requests(pdfCalls))
	}
	got, err := invoices.GetWith(t.Context(), connectors.GetRequest{IDs: []string{invID}, Fields: []string{fieldPdfURL}})
	if err != nil || len(got) != 1 || !strings.Contains(got[0].Fields[fieldPdfURL].(string), "/eaccountingstorage/") {
		t.Errorf("GetWith PdfUrl = %v, %v", got, err)
	}
	// A link is no key: finding by one matches nothing and fetches no links.
	if found, err := invoices.Find(t.Context(), fieldPdfURL, []any{link}); err != nil || len(found) != 0 || e.srv.Requests(pdfCalls) != 2 {
		t.Errorf("Find by PdfUrl = %v, %v after %d PDF calls; want nothing and no call", found, err, e.srv.Requests(pdfCalls))
	}

	// The link needs no token; in contract mode it names the proxy's host,
	// so it is followed on the fake itself.
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.srv.DirectURL() + u.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(b), "%PDF-") {
		t.Errorf("following PdfUrl = %d %.40q; want the PDF", resp.StatusCode, b)
	}
}
