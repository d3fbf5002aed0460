package eaccountingtest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// pdfLinkTTL is how long a link from GET /v2/customerinvoices/{id}/pdf
// serves the file. eAccounting's links point at temporary storage; the
// fake's expire after an hour so that a stored link going stale shows.
const pdfLinkTTL = time.Hour

// pdfLink is one issued storage link.
type pdfLink struct {
	invoiceID string
	expires   time.Time
}

// invoicePdf is GET /v2/customerinvoices/{invoiceId}/pdf: not the PDF but
// InvoiceUrlApi, {"Url": ...}, a link to temporary storage that needs no
// bearer token (Swagger; reference pitfall 16). eAccounting's storage host
// is eaccountingstorage{country}.vismaonline.com; the fake serves the file
// itself, under /eaccountingstorage/{country}/, so that a test can follow it.
func (s *Server) invoicePdf(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("invoiceId"))
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.data.c("customerinvoices").get(id)
	if !ok {
		notFound(w, "CustomerInvoice", r.PathValue("invoiceId"))
		return
	}
	country, _ := s.data.company["CountryCode"].(string)
	if country == "" {
		country = "SE"
	}
	tok := randomHex(16)
	s.pdfLinks[tok] = pdfLink{invoiceID: id, expires: s.now().Add(pdfLinkTTL)}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s/eaccountingstorage/%s/%s/Faktura_%v.pdf", scheme, r.Host, strings.ToUpper(country), tok, inv["InvoiceNumber"])
	writeJSON(w, http.StatusOK, map[string]any{"Url": url})
}

// storedPdf serves a file a link of invoicePdf points at: a one-page PDF
// naming the invoice, its customer and total.
func (s *Server) storedPdf(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	link, ok := s.pdfLinks[r.PathValue("token")]
	var inv map[string]any
	if ok && s.now().Before(link.expires) {
		inv, ok = s.data.c("customerinvoices").get(link.invoiceID)
	} else {
		ok = false
	}
	s.mu.Unlock()
	if !ok {
		// Storage answers expired or unknown links with a plain 404.
		http.Error(w, "The specified blob does not exist.", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	_, _ = w.Write(invoicePDF(fmt.Sprintf("Faktura %v  %v  %v %v", inv["InvoiceNumber"], inv["InvoiceCustomerName"], inv["TotalAmount"], inv["CurrencyCode"])))
}

// invoicePDF is a minimal well-formed one-page PDF showing one line.
func invoicePDF(line string) []byte {
	line = strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`).Replace(line)
	content := fmt.Sprintf("BT /F1 12 Tf 50 800 Td (%s) Tj ET", line)
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return []byte(b.String())
}
