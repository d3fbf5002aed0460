package eaccountingtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// routes registers every endpoint; the patterns are the Swagger's path
// templates, so that Requests keys read like the documentation.
func (s *Server) routes() {
	s.handleIdentity("GET /connect/authorize", s.authorize)
	s.handleIdentity("POST /connect/token", s.token)
	s.handleIdentity("POST /connect/revocation", s.revoke)

	s.handle("GET /v2/customers", s.list("customers", s.customerView))
	s.handle("POST /v2/customers", s.createCustomer)
	s.handle("GET /v2/customers/{customerId}", s.get("customers", "customerId", "Customer", s.customerView))
	s.handle("PUT /v2/customers/{customerId}", s.replaceCustomer)
	s.handle("DELETE /v2/customers/{customerId}", s.deleteCustomer)

	s.handle("GET /v2/articles", s.list("articles", nil))
	s.handle("POST /v2/articles", s.createArticle)
	s.handle("GET /v2/articles/{articleId}", s.get("articles", "articleId", "Article", nil))
	s.handle("PUT /v2/articles/{articleId}", s.replaceArticle)

	for _, l := range []struct{ coll, param, what string }{
		{"customerlabels", "customerLabelId", "CustomerLabel"},
		{"articlelabels", "articleLabelId", "ArticleLabel"},
	} {
		s.handle("GET /v2/"+l.coll, s.list(l.coll, nil))
		s.handle("POST /v2/"+l.coll, s.createLabel(l.coll))
		s.handle("GET /v2/"+l.coll+"/{"+l.param+"}", s.get(l.coll, l.param, l.what, nil))
		s.handle("PUT /v2/"+l.coll+"/{"+l.param+"}", s.replaceLabel(l.coll, l.param, l.what))
		s.handle("DELETE /v2/"+l.coll+"/{"+l.param+"}", s.deleteLabel(l.coll, l.param, l.what))
	}

	for _, ref := range []struct{ coll, param, what string }{
		{"termsofpayments", "id", "TermsOfPayment"},
		{"units", "id", "Unit"},
		{"articleaccountcodings", "articleAccountCodingId", "ArticleAccountCoding"},
		{"deliverymethods", "deliveryMethodId", "DeliveryMethod"},
		{"deliveryterms", "deliveryTermId", "DeliveryTerm"},
		{"projects", "id", "Project"},
		{"fiscalyears", "id", "FiscalYear"},
		{"countries", "countrycode", "Country"},
		{"bankaccounts", "bankAccountId", "BankAccount"},
	} {
		s.handle("GET /v2/"+ref.coll, s.list(ref.coll, nil))
		s.handle("GET /v2/"+ref.coll+"/{"+ref.param+"}", s.get(ref.coll, ref.param, ref.what, nil))
	}
	// The 2023 Swagger types GET /v2/vatcodes/{id} as a page; the current
	// API (OpenAPI 2025+) answers the single VatCodeApi, which is served here.
	s.handle("GET /v2/vatcodes", s.list("vatcodes", nil))
	s.handle("GET /v2/vatcodes/{id}", s.get("vatcodes", "id", "VatCode", nil))
	s.handle("GET /v2/currencies", s.list("currencies", nil))
	s.handle("GET /v2/costcenters", s.list("costcenters", nil))
	s.handle("PUT /v2/costcenters/{id}", s.replaceCostCenter)
	s.handle("POST /v2/costcenteritems", s.createCostCenterItem)
	s.handle("GET /v2/costcenteritems/{itemId}", s.get("costcenteritems", "itemId", "CostCenterItem", nil))
	s.handle("PUT /v2/costcenteritems/{costCenterItemId}", s.replaceCostCenterItem)
	s.handle("POST /v2/projects", s.createProject)
	s.handle("PUT /v2/projects/{id}", s.replaceProject)
	s.handle("GET /v2/accounts", s.list("accounts", nil))
	s.handle("GET /v2/accounts/{fiscalyearId}", s.listAccounts)
	s.handle("GET /v2/accounts/{fiscalyearId}/{accountNumber}", s.getAccount)
	s.handle("GET /v2/companysettings", s.getCompany)
	s.handle("PUT /v2/companysettings", s.replaceCompany)

	s.handle("GET /v2/orders", s.list("orders", nil))
	s.handle("POST /v2/orders", s.createOrder)
	s.handle("GET /v2/orders/{id}", s.get("orders", "id", "Order", nil))
	s.handle("PUT /v2/orders/{id}", s.replaceOrder)
	s.handle("DELETE /v2/orders/{id}", s.deleteOrder)
	s.handle("POST /v2/orders/{id}/convert", s.convertOrder)
	// Status transitions of the current API (OpenAPI 2025+), not in the
	// 2023 Swagger.
	s.handle("POST /v2/orders/{id}/completed", s.orderTransition(2, 3, "Only ongoing orders can be completed."))
	s.handle("POST /v2/orders/{id}/voided", s.orderTransition(3, 2, "Only shipped orders can be voided."))
	s.handle("POST /v2/orders/{id}/converteddrafttoorder", s.orderTransition(1, 2, "Only order drafts can be converted to orders."))

	s.handle("GET /v2/customerinvoicedrafts", s.list("customerinvoicedrafts", nil))
	s.handle("POST /v2/customerinvoicedrafts", s.createDraft)
	s.handle("GET /v2/customerinvoicedrafts/{invoiceDraftId}", s.get("customerinvoicedrafts", "invoiceDraftId", "CustomerInvoiceDraft", nil))
	s.handle("PUT /v2/customerinvoicedrafts/{customerInvoiceDraftId}", s.replaceDraft)
	s.handle("DELETE /v2/customerinvoicedrafts/{customerInvoiceDraftId}", s.deleteDraft)
	s.handle("POST /v2/customerinvoicedrafts/{customerInvoiceDraftId}/convert", s.convertDraft)

	s.handle("GET /v2/customerinvoices", s.listInvoices)
	s.handle("POST /v2/customerinvoices", s.createInvoice)
	s.handle("GET /v2/customerinvoices/{invoiceId}", s.get("customerinvoices", "invoiceId", "CustomerInvoice", s.invoiceView))
	s.handle("POST /v2/customerinvoices/{invoiceId}/payments", s.createPayment)
	s.handle("GET /v2/customerinvoices/{invoiceId}/pdf", s.invoicePdf)
	// Temporary storage, reached without a bearer token (see pdf.go).
	s.handleIdentity("GET /eaccountingstorage/{country}/{token}/{file}", s.storedPdf)

	s.mux.HandleFunc("/", s.noRoute)
}

// noRoute answers paths no endpoint serves: 405 when the path exists for
// other methods, 404 otherwise.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) {
	s.count("*")
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, http.StatusMethodNotAllowed, codeInvalidInput, fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method))
		return
	}
	writeError(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("No HTTP resource was found that matches the request URI '%s'.", r.URL.Path))
}

// view adjusts a stored record for output (values that depend on the time
// of reading, such as an invoice becoming overdue). It runs under s.mu.
type view func(rec map[string]any) map[string]any

func (s *Server) list(coll string, v view) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		c := s.data.c(coll)
		recs := c.all()
		if v != nil {
			for i := range recs {
				recs[i] = v(recs[i])
			}
		}
		now := s.now()
		s.mu.Unlock()
		s.writePage(w, r, c.model, recs, now)
	}
}

func (s *Server) writePage(w http.ResponseWriter, r *http.Request, m *model, recs []map[string]any, now time.Time) {
	p, err := listQuery(m, recs, r.URL.Query(), now)
	if err != nil {
		writeError(w, http.StatusBadRequest, codeQuery, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) get(coll, param, what string, v view) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue(param)
		s.mu.Lock()
		c := s.data.c(coll)
		rec, ok := c.get(strings.ToLower(id)) // GUIDs
		if !ok {
			rec, ok = c.get(strings.ToUpper(id)) // country codes
		}
		var out map[string]any
		if ok {
			out = cloneRec(rec)
			if v != nil {
				out = v(out)
			}
		}
		s.mu.Unlock()
		if !ok {
			notFound(w, what, id)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// readBody decodes a JSON object request body. It answers the error itself
// and returns false when the body is not one.
func readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" && mt != "text/json" {
			writeError(w, http.StatusUnsupportedMediaType, codeInvalidInput,
				fmt.Sprintf("The request entity's media type '%s' is not supported for this resource; send application/json.", ct))
			return nil, false
		}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeInvalidInput, "The request body could not be read.")
		return nil, false
	}
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil || body == nil {
		msg := "The request body is empty; send the object as JSON."
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			msg = fmt.Sprintf("The request body is not valid JSON: %v (at byte %d).", se, se.Offset)
		case errors.As(err, &te):
			msg = "The request body must be a JSON object."
		case err != nil:
			msg = "The request body is not valid JSON: " + err.Error()
		}
		writeError(w, http.StatusBadRequest, codeValidation, msg)
		return nil, false
	}
	return body, true
}
