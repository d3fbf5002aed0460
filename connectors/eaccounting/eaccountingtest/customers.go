package eaccountingtest

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// vatNumberRE is the documented VatNumber format: a two-letter country code
// followed by 8 to 12 characters (digits, plus the letters some countries
// use, such as NL's "B01").
var vatNumberRE = regexp.MustCompile(`^[A-Za-z]{2}[0-9A-Za-z]{8,12}$`)

// emailRE is the e-mail check of the API's model validation: one @, no
// spaces, a dot in the domain.
var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// decodeRequest reads the body and binds it to m; on any failure it has
// answered the request and returns ok false.
func decodeRequest(w http.ResponseWriter, r *http.Request, m *model) (body, rec map[string]any, ok bool) {
	body, ok = readBody(w, r)
	if !ok {
		return nil, nil, false
	}
	rec, errs := m.decode(body, "")
	if len(errs) > 0 {
		validationFailed(w, errs)
		return nil, nil, false
	}
	return body, rec, true
}

func (s *Server) createCustomer(w http.ResponseWriter, r *http.Request) {
	s.writeCustomer(w, r, "")
}

func (s *Server) replaceCustomer(w http.ResponseWriter, r *http.Request) {
	s.writeCustomer(w, r, r.PathValue("customerId"))
}

// writeCustomer creates (id "") or fully replaces a customer.
func (s *Server) writeCustomer(w http.ResponseWriter, r *http.Request, id string) {
	body, rec, ok := decodeRequest(w, r, s.data.m.customer)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data
	customers := st.c("customers")
	var old map[string]any
	if id != "" {
		id = strings.ToLower(id)
		if old, ok = customers.get(id); !ok {
			notFound(w, "Customer", id)
			return
		}
	}
	var errs []fieldError
	if vat, _ := rec["VatNumber"].(string); vat != "" && !vatNumberRE.MatchString(vat) {
		writeError(w, http.StatusBadRequest, codeInvalidVat,
			fmt.Sprintf("InvalidVatNumber - The VatNumber '%s' is not valid: use a two-letter country code followed by 8-12 digits, e.g. SE556123456701.", vat),
			fieldError{Field: "VatNumber", ErrorCode: strconv.Itoa(codeInvalidVat), Message: "The VAT number is not valid."})
		return
	}
	if rec["ReverseChargeOnConstructionServices"] == true && rec["VatNumber"] == nil {
		errs = append(errs, fieldError{Field: "VatNumber", Message: "VatNumber can not be null or empty when using ReverseChargeOnConstructionServices"})
	}
	for _, p := range []string{"EmailAddress", "EmailAddressOrder", "EmailAddressQuote", "ContactPersonEmail"} {
		if v, ok := rec[p].(string); ok && v != "" && !emailRE.MatchString(v) {
			errs = append(errs, fieldError{Field: p, Message: fmt.Sprintf("The %s field is not a valid e-mail address.", p)})
		}
	}
	for i, v := range asList(rec["EmailAddresses"]) {
		if !emailRE.MatchString(v.(string)) {
			errs = append(errs, fieldError{Field: fmt.Sprintf("EmailAddresses[%d]", i), Message: "The EmailAddresses field holds an address that is not a valid e-mail address."})
		}
	}
	if list, ok := rec["EmailAddresses"].([]any); ok {
		if len(list) > 5 {
			errs = append(errs, fieldError{Field: "EmailAddresses", Message: "EmailAddresses can contain at most 5 addresses."})
		}
		if len(list) > 0 && rec["EmailAddress"] == nil {
			errs = append(errs, fieldError{Field: "EmailAddresses", Message: "EmailAddresses can only be set together with EmailAddress."})
		}
	}
	if d, ok := rec["DiscountPercentage"].(float64); ok && math.Abs(d*1e4-math.Round(d*1e4)) > 1e-6 {
		errs = append(errs, fieldError{Field: "DiscountPercentage", Message: "DiscountPercentage can have at most 4 decimals."})
	}
	if rec["DeliveryBasedVat"] == true && (rec["DeliveryCity"] == nil || rec["DeliveryPostalCode"] == nil || rec["DeliveryCountryCode"] == nil) {
		errs = append(errs, fieldError{Field: "DeliveryBasedVat", Message: "DeliveryCity, DeliveryPostalCode and DeliveryCountryCode are required when DeliveryBasedVat is true."})
	}
	if len(errs) > 0 {
		validationFailed(w, errs)
		return
	}
	for _, p := range []string{"InvoiceCountryCode", "DeliveryCountryCode"} {
		if cc, ok := rec[p].(string); ok {
			if _, found := st.c("countries").get(strings.ToUpper(cc)); !found {
				writeError(w, http.StatusBadRequest, codeValidation, fmt.Sprintf("The country code '%s' in %s does not exist; see GET /v2/countries.", cc, p),
					fieldError{Field: p, ErrorCode: strconv.Itoa(codeValidation), Message: "Unknown country code."})
				return
			}
			rec[p] = strings.ToUpper(cc)
		}
	}
	if cur, ok := rec["CurrencyCode"].(string); ok {
		if _, found := st.c("currencies").find("Code", strings.ToUpper(cur)); !found {
			writeError(w, http.StatusBadRequest, codeValidation, fmt.Sprintf("The currency code '%s' does not exist; see GET /v2/currencies.", cur),
				fieldError{Field: "CurrencyCode", ErrorCode: strconv.Itoa(codeValidation), Message: "Unknown currency code."})
			return
		}
		rec["CurrencyCode"] = strings.ToUpper(cur)
	} else {
		rec["CurrencyCode"] = st.company["CurrencyCode"]
	}
	for _, ref := range []struct{ prop, coll, what string }{
		{"TermsOfPaymentId", "termsofpayments", "TermsOfPayment"},
		{"DeliveryMethodId", "deliverymethods", "DeliveryMethod"},
		{"DeliveryTermId", "deliveryterms", "DeliveryTerm"},
	} {
		if !s.refExists(w, rec, ref.prop, ref.coll, ref.what) {
			return
		}
	}
	labels, ferr := s.resolveLabels(body, "CustomerLabels", "customerlabels")
	if ferr != nil {
		writeError(w, http.StatusBadRequest, codeNotFound, ferr.Message, *ferr)
		return
	}
	if labels != nil {
		rec["CustomerLabels"] = labels
	}

	number, _ := rec["CustomerNumber"].(string)
	switch {
	case number == "" && old != nil:
		// A replace without CustomerNumber keeps the number: it is the
		// customer's identity in the books and is never cleared.
		rec["CustomerNumber"] = old["CustomerNumber"]
	case number == "":
		for {
			n := strconv.Itoa(st.next("NextCustomerNumber"))
			if _, taken := customers.find("CustomerNumber", n); !taken {
				rec["CustomerNumber"] = n
				break
			}
		}
	default:
		if other, taken := s.findFold(customers, "CustomerNumber", number); taken && other["Id"] != id {
			writeError(w, http.StatusConflict, codeConflict,
				fmt.Sprintf("Conflict - A customer with CustomerNumber '%s' already exists.", number),
				fieldError{Field: "CustomerNumber", ErrorCode: strconv.Itoa(codeConflict), Message: "The customer number is already in use."})
			return
		}
	}
	if id == "" {
		id = newUUID()
	}
	rec["Id"] = id
	rec["ChangedUtc"] = formatTime(s.now())
	rec["IsFutureInvoiceDateAllowed"] = false
	terms, _ := st.c("termsofpayments").get(rec["TermsOfPaymentId"].(string))
	rec["TermsOfPayment"] = cloneRec(terms)
	customers.put(id, rec)
	status := http.StatusOK
	if old == nil {
		status = http.StatusCreated
	}
	writeJSON(w, status, s.customerView(cloneRec(rec)))
}

// customerView adds the figures derived from the customer's invoices.
func (s *Server) customerView(rec map[string]any) map[string]any {
	unpaid := 0.0
	var last string
	for _, inv := range s.data.c("customerinvoices").recs {
		if inv["CustomerId"] != rec["Id"] {
			continue
		}
		unpaid += num(inv["RemainingAmount"])
		if d, _ := inv["InvoiceDate"].(string); d > last {
			last = d
		}
	}
	rec["UnpaidInvoicesAmount"] = round2(unpaid)
	if last != "" {
		rec["LastInvoiceDate"] = last
	}
	return rec
}

func (s *Server) deleteCustomer(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("customerId"))
	s.mu.Lock()
	defer s.mu.Unlock()
	customers := s.data.c("customers")
	if _, ok := customers.get(id); !ok {
		notFound(w, "Customer", id)
		return
	}
	for _, coll := range []string{"customerinvoices", "orders", "customerinvoicedrafts"} {
		if _, used := s.data.c(coll).find("CustomerId", id); used {
			writeError(w, http.StatusBadRequest, codeCannotDelete,
				"CanNotBeDeleted - The customer has transactions and cannot be deleted; set IsActive to false instead.")
			return
		}
	}
	customers.remove(id)
	w.WriteHeader(http.StatusOK)
}

// refExists checks that rec[prop], when set, is the Id of a record in coll;
// otherwise it answers 400 ResourceNotFound and returns false.
func (s *Server) refExists(w http.ResponseWriter, rec map[string]any, prop, coll, what string) bool {
	v, ok := rec[prop].(string)
	if !ok {
		return true
	}
	if _, found := s.data.c(coll).get(v); found {
		return true
	}
	writeError(w, http.StatusBadRequest, codeNotFound,
		fmt.Sprintf("ResourceNotFoundException - %s with id %s was not found (%s).", what, v, prop),
		fieldError{Field: prop, ErrorCode: strconv.Itoa(codeNotFound), Message: what + " not found."})
	return false
}

// resolveLabels turns the label references of a request (by Id, or by Name
// when no Id is given) into the stored labels. It returns nil, nil when the
// request has no labels.
func (s *Server) resolveLabels(body map[string]any, prop, coll string) ([]any, *fieldError) {
	raw, ok := body[prop].([]any)
	if !ok {
		return nil, nil
	}
	out := []any{}
	for i, e := range raw {
		ref, _ := e.(map[string]any)
		var label map[string]any
		var found bool
		if id, ok := ref["Id"].(string); ok {
			label, found = s.data.c(coll).get(strings.ToLower(id))
		} else if name, ok := ref["Name"].(string); ok {
			label, found = s.findFold(s.data.c(coll), "Name", name)
		}
		if !found {
			return nil, &fieldError{Field: fmt.Sprintf("%s[%d]", prop, i), ErrorCode: strconv.Itoa(codeNotFound),
				Message: fmt.Sprintf("The label in %s[%d] does not exist; create it with POST /v2/%s first.", prop, i, coll)}
		}
		out = append(out, cloneRec(label))
	}
	return out, nil
}

// findFold finds a record by a string property, ignoring case like the
// API's database does.
func (s *Server) findFold(c *collection, prop, v string) (map[string]any, bool) {
	for _, id := range c.order {
		if x, ok := c.recs[id][prop].(string); ok && strings.EqualFold(x, v) {
			return c.recs[id], true
		}
	}
	return nil, false
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// round2 rounds half away from zero to two decimals, the rounding of
// sales-document amounts.
func round2(f float64) float64 {
	// The nudge keeps binary fractions such as 1.005 (1.00499...) rounding
	// the way the decimal arithmetic of the API does.
	return math.Round(f*100+math.Copysign(1e-7, f)) / 100
}
