package eaccountingtest

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestInvoicePdfLink: GET /v2/customerinvoices/{id}/pdf answers the
// Swagger's InvoiceUrlApi ({"Url": ...}), not PDF bytes; the link serves the
// PDF without a bearer token until it expires.
func TestInvoicePdfLink(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	_, a, cid, goods, _ := salesSetup(t, Options{Clock: clock.now, AccessTokenTTL: 1000 * time.Hour})
	inv := a.must(http.StatusCreated, "POST", "/v2/customerinvoices", map[string]any{
		"CustomerId": cid, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"Rows": []any{map[string]any{"ArticleId": goods, "Quantity": 2, "UnitPrice": 50.0}},
	})
	body := a.must(http.StatusOK, "GET", "/v2/customerinvoices/"+inv["Id"].(string)+"/pdf", nil)
	if len(body) != 1 {
		t.Errorf("pdf answer = %v; want only Url (InvoiceUrlApi)", body)
	}
	link, err := url.Parse(body["Url"].(string))
	if err != nil || !strings.HasPrefix(link.Path, "/eaccountingstorage/SE/") || !strings.HasSuffix(link.Path, ".pdf") {
		t.Fatalf("Url = %v (%v); want a storage link to a .pdf", body["Url"], err)
	}
	fetch := func() (int, string, []byte) {
		// Storage is no API endpoint: fetched directly, with no token.
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, a.direct+link.Path, nil)
		resp, err := a.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), b
	}
	status, ctype, pdf := fetch()
	if status != http.StatusOK || ctype != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("Faktura 1")) {
		t.Errorf("stored file = %d %s %.60q; want the invoice as a PDF", status, ctype, pdf)
	}
	clock.advance(pdfLinkTTL + time.Second)
	if status, _, _ := fetch(); status != http.StatusNotFound {
		t.Errorf("expired link = %d; want 404", status)
	}
	a.wantError(http.StatusNotFound, 3000, "GET", "/v2/customerinvoices/00000000-0000-0000-0000-000000000009/pdf", nil)
}
