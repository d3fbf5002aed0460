package eaccountingtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sales documents: orders, customer invoice drafts and customer invoices.
//
// Amounts: rows carry Amount (orders, drafts) or AmountNoVat (invoices),
// the row total after discount. Order.Amount is the net total and VatAmount
// the VAT; draft and invoice TotalAmount is the total to pay including VAT
// and roundings. When IncludesVat is true (private-person customer and the
// company shows prices including VAT) unit prices and row amounts include
// VAT. Domestic-currency totals are rounded to whole units, half away from
// zero (company setting DomesticCurrencyRounding = 1); the difference is
// RoundingsAmount / TotalRoundings.

// salesCtx is what pricing a document needs to know about its customer.
type salesCtx struct {
	customer    map[string]any
	includesVat bool
	rule        vatRule // how the rows are taxed (vat.go)
	country     string  // the customer's country, for OSS rates
	currency    string
}

func (s *Server) salesContext(customer map[string]any, currency string) salesCtx {
	rule, country := s.vatRuleOf(customer)
	return salesCtx{
		customer:    customer,
		includesVat: customer["IsPrivatePerson"] == true && s.data.company["ShowPricesExclVatPC"] != true,
		rule:        rule,
		country:     country,
		currency:    currency,
	}
}

// priceRows validates and completes sales rows in place: article rows get
// their article's number, name, unit and default price; text rows need a
// text. It returns per-row VAT rates and the first problem found.
func (s *Server) priceRows(rows []any, ctx salesCtx, autoNumber bool, amountProp string) ([]float64, *fieldError) {
	st := s.data
	rates := make([]float64, len(rows))
	for i, x := range rows {
		row := x.(map[string]any)
		path := fmt.Sprintf("Rows[%d]", i)
		row["Id"] = newUUID()
		if autoNumber && row["LineNumber"] == nil {
			row["LineNumber"] = float64(i)
		}
		if row["IsTextRow"] == true {
			if t, _ := row["Text"].(string); strings.TrimSpace(t) == "" {
				return nil, &fieldError{Field: path + ".Text", ErrorCode: strconv.Itoa(codeValidation), Message: "A text row must have a Text of at least one character."}
			}
			for _, p := range []string{"ArticleId", "UnitPrice", "Quantity"} {
				delete(row, p)
			}
			row[amountProp] = float64(0)
			continue
		}
		aid, _ := row["ArticleId"].(string)
		if aid == "" {
			return nil, &fieldError{Field: path + ".ArticleId", ErrorCode: strconv.Itoa(codeValidation), Message: "ArticleId is required on rows that are not text rows."}
		}
		art, ok := st.c("articles").get(aid)
		if !ok {
			return nil, &fieldError{Field: path + ".ArticleId", ErrorCode: strconv.Itoa(codeNotFound), Message: fmt.Sprintf("Article with id %s was not found.", aid)}
		}
		codingID, _ := art["CodingId"].(string)
		coding, _ := st.c("articleaccountcodings").get(codingID)
		rates[i] = ctx.rowRate(art, coding)
		row["ArticleNumber"] = art["Number"]
		row["UnitId"] = art["UnitId"]
		row["IsServiceArticle"] = art["IsServiceArticle"]
		if _, ok := row["Text"]; !ok {
			row["Text"] = art["Name"]
		}
		if row["UnitPrice"] == nil {
			if ctx.includesVat {
				row["UnitPrice"] = art["GrossPrice"]
			} else {
				row["UnitPrice"] = art["NetPrice"]
			}
		}
		if row["Quantity"] == nil {
			row["Quantity"] = float64(0)
		}
		if d, ok := row["DiscountPercentage"].(float64); ok && math.Abs(d*1e4-math.Round(d*1e4)) > 1e-6 {
			return nil, &fieldError{Field: path + ".DiscountPercentage", ErrorCode: strconv.Itoa(codeValidation), Message: "DiscountPercentage is a fraction 0-1 with at most 4 decimals."}
		}
		row[amountProp] = round2(num(row["Quantity"]) * num(row["UnitPrice"]) * (1 - num(row["DiscountPercentage"])))
		for _, p := range []string{"CostCenterItemId1", "CostCenterItemId2", "CostCenterItemId3"} {
			if v, ok := row[p].(string); ok {
				if _, found := st.c("costcenteritems").get(v); !found {
					return nil, &fieldError{Field: path + "." + p, ErrorCode: strconv.Itoa(codeNotFound), Message: fmt.Sprintf("Cost center item %s was not found.", v)}
				}
			}
		}
		if v, ok := row["ProjectId"].(string); ok {
			p, found := st.c("projects").get(v)
			if !found {
				return nil, &fieldError{Field: path + ".ProjectId", ErrorCode: strconv.Itoa(codeNotFound), Message: fmt.Sprintf("Project %s was not found.", v)}
			}
			if num(p["Status"]) == 2 {
				return nil, &fieldError{Field: path + ".ProjectId", ErrorCode: "5005", Message: "ProjectEnded - The project has ended."}
			}
		}
	}
	return rates, nil
}

// totals sums priced rows: net, VAT and roundings, plus one VAT
// specification line per rate.
type totals struct {
	net, vat, roundings, gross float64
	spec                       []any
}

func (s *Server) sumRows(rows []any, rates []float64, ctx salesCtx, amountProp string) totals {
	byRate := map[float64][2]float64{}
	var order []float64
	var t totals
	for i, x := range rows {
		row := x.(map[string]any)
		if row["IsTextRow"] == true {
			continue
		}
		amount, rate := num(row[amountProp]), rates[i]
		net := amount
		if ctx.includesVat {
			net = amount / (1 + rate)
		}
		if _, seen := byRate[rate]; !seen {
			order = append(order, rate)
		}
		b := byRate[rate]
		byRate[rate] = [2]float64{b[0] + net, b[1] + net*rate}
	}
	for _, rate := range order {
		b := byRate[rate]
		net, vat := round2(b[0]), round2(b[1])
		t.net += net
		t.vat += vat
		t.spec = append(t.spec, map[string]any{"VatPercent": rate * 100, "AmountInvoiceCurrency": net, "VatAmountInvoiceCurrency": vat})
	}
	t.net, t.vat = round2(t.net), round2(t.vat)
	total := round2(t.net + t.vat)
	if ctx.currency == s.data.company["CurrencyCode"] && num(s.data.company["DomesticCurrencyRounding"]) == 1 {
		rounded := math.Round(total + math.Copysign(1e-7, total))
		t.roundings = round2(rounded - total)
		total = rounded
	}
	t.gross = total
	return t
}

// fillFromCustomer sets the address and delivery properties a request left
// null from the customer, as the API does.
func fillFromCustomer(rec, customer map[string]any, props map[string]string) {
	for to, from := range props {
		if rec[to] == nil && customer[from] != nil {
			rec[to] = customer[from]
		}
	}
}

var orderFromCustomer = map[string]string{
	"InvoiceAddress1": "InvoiceAddress1", "InvoiceAddress2": "InvoiceAddress2", "InvoiceCity": "InvoiceCity",
	"InvoicePostalCode": "InvoicePostalCode", "InvoiceCountryCode": "InvoiceCountryCode", "InvoiceCustomerName": "Name",
	"DeliveryCustomerName": "DeliveryCustomerName", "DeliveryAddress1": "DeliveryAddress1", "DeliveryAddress2": "DeliveryAddress2",
	"DeliveryCity": "DeliveryCity", "DeliveryPostalCode": "DeliveryPostalCode", "DeliveryCountryCode": "DeliveryCountryCode",
}

// deliveryRefs checks DeliveryMethodCode / DeliveryTermCode and fills their names.
func (s *Server) deliveryRefs(rec map[string]any) *fieldError {
	for _, d := range []struct{ prop, name, coll string }{
		{"DeliveryMethodCode", "DeliveryMethodName", "deliverymethods"},
		{"DeliveryTermCode", "DeliveryTermName", "deliveryterms"},
	} {
		code, ok := rec[d.prop].(string)
		if !ok {
			continue
		}
		ref, found := s.findFold(s.data.c(d.coll), "Code", code)
		if !found {
			return &fieldError{Field: d.prop, ErrorCode: strconv.Itoa(codeNotFound), Message: fmt.Sprintf("No %s with code '%s'; see GET /v2/%s.", strings.TrimSuffix(d.coll, "s"), code, d.coll)}
		}
		rec[d.prop] = ref["Code"]
		if rec[d.name] == nil {
			rec[d.name] = ref["Name"]
		}
	}
	return nil
}

func badRef(w http.ResponseWriter, fe *fieldError) {
	code, _ := strconv.Atoi(fe.ErrorCode)
	writeError(w, http.StatusBadRequest, code, fe.Message, *fe)
}

// ---- orders ----

func (s *Server) createOrder(w http.ResponseWriter, r *http.Request) { s.writeOrder(w, r, "") }

func (s *Server) replaceOrder(w http.ResponseWriter, r *http.Request) {
	s.writeOrder(w, r, r.PathValue("id"))
}

func (s *Server) writeOrder(w http.ResponseWriter, r *http.Request, id string) {
	_, rec, ok := decodeRequest(w, r, s.data.m.order)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data
	orders := st.c("orders")
	var old map[string]any
	if id != "" {
		id = strings.ToLower(id)
		if old, ok = orders.get(id); !ok {
			notFound(w, "Order", id)
			return
		}
		if num(old["Status"]) == 4 {
			writeError(w, http.StatusBadRequest, codeCannotWrite, "CanNotBeCreatedOrUpdated - An invoiced order cannot be changed.")
			return
		}
	}
	status := int(num(rec["Status"]))
	if status == 4 {
		writeError(w, http.StatusBadRequest, codeCannotWrite, "CanNotBeCreatedOrUpdated - Status 4 (Invoiced) is set by POST /v2/orders/{id}/convert, not by a write.",
			fieldError{Field: "Status", ErrorCode: strconv.Itoa(codeCannotWrite), Message: "Status 4 cannot be set."})
		return
	}
	if !s.refExists(w, rec, "CustomerId", "customers", "Customer") || !s.refExists(w, rec, "TermsOfPaymentId", "termsofpayments", "TermsOfPayment") {
		return
	}
	customer, _ := st.c("customers").get(rec["CustomerId"].(string))
	cur := strings.ToUpper(rec["CurrencyCode"].(string))
	if _, found := st.c("currencies").find("Code", cur); !found {
		badRef(w, &fieldError{Field: "CurrencyCode", ErrorCode: strconv.Itoa(codeValidation), Message: fmt.Sprintf("The currency code '%s' does not exist; see GET /v2/currencies.", cur)})
		return
	}
	rec["CurrencyCode"] = cur
	if fe := s.deliveryRefs(rec); fe != nil {
		badRef(w, fe)
		return
	}
	ctx := s.salesContext(customer, cur)
	rows := asList(rec["Rows"])
	rates, fe := s.priceRows(rows, ctx, false, "Amount")
	if fe != nil {
		badRef(w, fe)
		return
	}
	t := s.sumRows(rows, rates, ctx, "Amount")
	fillFromCustomer(rec, customer, orderFromCustomer)
	now := formatTime(s.now())
	if old == nil {
		id = newUUID()
		rec["CreatedUtc"] = now
	} else {
		rec["CreatedUtc"] = old["CreatedUtc"]
		rec["Number"] = old["Number"]
	}
	// Order drafts (status 1) have no number; it is given when the order
	// becomes ongoing.
	if rec["Number"] == nil && status >= 2 {
		rec["Number"] = float64(st.next("NextOrderNumber"))
	}
	if rec["Rows"] == nil {
		rec["Rows"] = []any{}
	}
	rec["Id"] = id
	rec["ModifiedUtc"] = now
	rec["Amount"], rec["VatAmount"], rec["RoundingsAmount"] = t.net, t.vat, t.roundings
	if ctx.includesVat {
		rec["Amount"] = round2(t.net + t.vat)
	}
	rec["DeliveredAmount"], rec["DeliveredVatAmount"], rec["DeliveredRoundingsAmount"] = float64(0), float64(0), float64(0)
	rec["CustomerName"], rec["CustomerNumber"] = customer["Name"], customer["CustomerNumber"]
	rec["CustomerIsPrivatePerson"], rec["IncludesVat"] = customer["IsPrivatePerson"], ctx.includesVat
	rec["IsNotDelivered"] = false
	if status == 3 && rec["ShippedDateTime"] == nil {
		rec["ShippedDateTime"] = formatDate(s.now())
	}
	orders.put(id, rec)
	code := http.StatusOK
	if old == nil {
		code = http.StatusCreated
	}
	writeJSON(w, code, cloneRec(rec))
}

func (s *Server) deleteOrder(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("id"))
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.data.c("orders").get(id)
	if !ok {
		notFound(w, "Order", id)
		return
	}
	if st := num(o["Status"]); st >= 3 {
		writeError(w, http.StatusBadRequest, codeCannotDelete, "CanNotBeDeleted - Shipped or invoiced orders cannot be deleted.")
		return
	}
	s.data.c("orders").remove(id)
	w.WriteHeader(http.StatusOK)
}

// orderTransition moves an order from one status to another: completing
// (shipping) an ongoing order, voiding a shipped one back to ongoing, or
// turning an order draft into a numbered ongoing order.
func (s *Server) orderTransition(from, to float64, refusal string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := strings.ToLower(r.PathValue("id"))
		s.mu.Lock()
		defer s.mu.Unlock()
		o, ok := s.data.c("orders").get(id)
		if !ok {
			notFound(w, "Order", id)
			return
		}
		if num(o["Status"]) != from {
			writeError(w, http.StatusBadRequest, codeCannotWrite, "CanNotBeCreatedOrUpdated - "+refusal)
			return
		}
		o["Status"] = to
		switch {
		case to == 3:
			o["ShippedDateTime"] = formatDate(s.now())
			for _, x := range asList(o["Rows"]) {
				row := asObject(x)
				if row["IsTextRow"] != true {
					row["DeliveredQuantity"] = row["Quantity"]
				}
			}
			o["DeliveredAmount"], o["DeliveredVatAmount"], o["DeliveredRoundingsAmount"] = o["Amount"], o["VatAmount"], o["RoundingsAmount"]
		case from == 3:
			delete(o, "ShippedDateTime")
			for _, x := range asList(o["Rows"]) {
				delete(asObject(x), "DeliveredQuantity")
			}
			o["DeliveredAmount"], o["DeliveredVatAmount"], o["DeliveredRoundingsAmount"] = float64(0), float64(0), float64(0)
		case from == 1 && o["Number"] == nil:
			o["Number"] = float64(s.data.next("NextOrderNumber"))
		}
		o["ModifiedUtc"] = formatTime(s.now())
		writeJSON(w, http.StatusOK, cloneRec(o))
	}
}

// convertOrder books an invoice from an ongoing or shipped order and marks
// the order invoiced.
func (s *Server) convertOrder(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("id"))
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.data.c("orders").get(id)
	if !ok {
		notFound(w, "Order", id)
		return
	}
	switch num(o["Status"]) {
	case 1:
		writeError(w, http.StatusBadRequest, codeCannotWrite, "CanNotBeCreatedOrUpdated - An order draft cannot be converted to an invoice; set Status 2 (Ongoing) first.")
		return
	case 4:
		writeError(w, http.StatusBadRequest, codeCannotWrite, "CanNotBeCreatedOrUpdated - The order is already invoiced.")
		return
	}
	hasArticle := false
	for _, x := range asList(o["Rows"]) {
		hasArticle = hasArticle || asObject(x)["ArticleId"] != nil
	}
	if !hasArticle {
		writeError(w, http.StatusBadRequest, codeMissingArticles, "CustomerInvoiceMissingOrderArticles - The order has no article rows to invoice.")
		return
	}
	header := map[string]any{}
	for _, p := range []string{"CustomerId", "CurrencyCode", "EuThirdParty", "RotReducedInvoicingType", "YourReference", "OurReference",
		"BuyersOrderReference", "InvoiceAddress1", "InvoiceAddress2", "InvoiceCity", "InvoicePostalCode", "InvoiceCountryCode",
		"DeliveryCustomerName", "DeliveryAddress1", "DeliveryAddress2", "DeliveryCity", "DeliveryPostalCode", "DeliveryCountryCode",
		"DeliveryMethodCode", "DeliveryMethodName", "DeliveryTermCode", "DeliveryTermName", "DeliveryDate", "UsesGreenTechnology",
		"TermsOfPaymentId"} {
		if v, ok := o[p]; ok {
			header[p] = clone(v)
		}
	}
	var rows []any
	for _, x := range asList(o["Rows"]) {
		src := asObject(x)
		row := map[string]any{}
		for _, p := range []string{"LineNumber", "ArticleId", "IsTextRow", "Text", "UnitPrice", "Quantity", "DiscountPercentage",
			"CostCenterItemId1", "CostCenterItemId2", "CostCenterItemId3", "ProjectId"} {
			if v, ok := src[p]; ok {
				row[p] = v
			}
		}
		rows = append(rows, row)
	}
	header["Rows"] = rows
	header["CreatedFromOrderId"] = id
	inv, fe := s.bookInvoice(header)
	if fe != nil {
		badRef(w, fe)
		return
	}
	o["Status"] = float64(4)
	o["ModifiedUtc"] = formatTime(s.now())
	writeJSON(w, http.StatusOK, s.invoiceView(cloneRec(inv)))
}

// ---- customer invoice drafts ----

func (s *Server) createDraft(w http.ResponseWriter, r *http.Request) { s.writeDraft(w, r, "") }

func (s *Server) replaceDraft(w http.ResponseWriter, r *http.Request) {
	s.writeDraft(w, r, r.PathValue("customerInvoiceDraftId"))
}

func (s *Server) writeDraft(w http.ResponseWriter, r *http.Request, id string) {
	_, rec, ok := decodeRequest(w, r, s.data.m.draft)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data
	drafts := st.c("customerinvoicedrafts")
	var old map[string]any
	if id != "" {
		id = strings.ToLower(id)
		if old, ok = drafts.get(id); !ok {
			notFound(w, "CustomerInvoiceDraft", id)
			return
		}
	}
	if !s.refExists(w, rec, "CustomerId", "customers", "Customer") || !s.refExists(w, rec, "TermsOfPaymentId", "termsofpayments", "TermsOfPayment") {
		return
	}
	customer, _ := st.c("customers").get(rec["CustomerId"].(string))
	if fe := s.deliveryRefs(rec); fe != nil {
		badRef(w, fe)
		return
	}
	cur, _ := customer["CurrencyCode"].(string)
	ctx := s.salesContext(customer, cur)
	if r.URL.Query().Get("overrideCustomerIsPrivatePerson") == "true" {
		ctx.includesVat = false
	}
	rows := asList(rec["Rows"])
	rates, fe := s.priceRows(rows, ctx, true, "Amount")
	if fe != nil {
		badRef(w, fe)
		return
	}
	t := s.sumRows(rows, rates, ctx, "Amount")
	fillFromCustomer(rec, customer, map[string]string{"InvoiceAddress1": "InvoiceAddress1", "InvoiceAddress2": "InvoiceAddress2"})
	rec["InvoiceCity"], rec["InvoicePostalCode"] = customer["InvoiceCity"], customer["InvoicePostalCode"]
	rec["InvoiceCountryCode"], rec["InvoiceCustomerName"] = customer["InvoiceCountryCode"], customer["Name"]
	rec["InvoiceCurrencyCode"] = cur
	if old == nil {
		id = newUUID()
		rec["CreatedUtc"] = formatTime(s.now())
	} else {
		rec["CreatedUtc"] = old["CreatedUtc"]
	}
	if rec["Rows"] == nil {
		rec["Rows"] = []any{}
	}
	rec["Id"] = id
	rec["CustomerNumber"], rec["CustomerName"] = customer["CustomerNumber"], customer["Name"]
	rec["CustomerIsPrivatePerson"], rec["IncludesVat"] = customer["IsPrivatePerson"], ctx.includesVat
	rec["ReverseChargeOnConstructionServices"] = customer["ReverseChargeOnConstructionServices"] == true
	rec["TotalAmount"], rec["TotalVatAmount"], rec["TotalRoundings"] = t.gross, t.vat, t.roundings
	rec["TotalAmountBaseCurrency"], rec["TotalVatAmountBaseCurrency"] = t.gross, t.vat
	drafts.put(id, rec)
	code := http.StatusOK
	if old == nil {
		code = http.StatusCreated
	}
	writeJSON(w, code, cloneRec(rec))
}

func (s *Server) deleteDraft(w http.ResponseWriter, r *http.Request) {
	id := strings.ToLower(r.PathValue("customerInvoiceDraftId"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.data.c("customerinvoicedrafts").get(id); !ok {
		notFound(w, "CustomerInvoiceDraft", id)
		return
	}
	s.data.c("customerinvoicedrafts").remove(id)
	w.WriteHeader(http.StatusOK)
}

// convertDraft books the draft as a numbered invoice and removes the draft.
// The optional body carries the totals the client expects; they must match.
func (s *Server) convertDraft(w http.ResponseWriter, r *http.Request) {
	var expect map[string]any
	if r.ContentLength != 0 {
		_, v, ok := decodeRequest(w, r, s.data.m.draftValidation)
		if !ok {
			return
		}
		expect = v
	}
	id := strings.ToLower(r.PathValue("customerInvoiceDraftId"))
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.data.c("customerinvoicedrafts").get(id)
	if !ok {
		notFound(w, "CustomerInvoiceDraft", id)
		return
	}
	if len(asList(d["Rows"])) == 0 {
		writeError(w, http.StatusBadRequest, codeCannotWrite, "CanNotBeCreatedOrUpdated - A draft without rows cannot be converted to an invoice.")
		return
	}
	if msg := checkDraftTotals(d, expect); msg != "" {
		writeError(w, http.StatusBadRequest, codeValidation, msg)
		return
	}
	q := r.URL.Query()
	keep := s.data.company["KeepOriginalDraftDate"] == true
	if q.Get("overrideCompanyKeepOriginalDraftDate") == "true" {
		keep = q.Get("keepOriginalDraftDate") == "true"
	}
	header := cloneRec(d)
	if !keep || header["InvoiceDate"] == nil {
		header["InvoiceDate"] = formatDate(s.now())
		delete(header, "DueDate")
	}
	header["CreatedFromDraftId"] = id
	header["CurrencyCode"] = d["InvoiceCurrencyCode"]
	inv, fe := s.bookInvoice(header)
	if fe != nil {
		badRef(w, fe)
		return
	}
	s.data.c("customerinvoicedrafts").remove(id)
	writeJSON(w, http.StatusCreated, s.invoiceView(cloneRec(inv)))
}

func checkDraftTotals(d, expect map[string]any) string {
	if expect == nil {
		return ""
	}
	var diffs []string
	for _, p := range [][2]string{{"TotalAmountInvoiceCurrency", "TotalAmount"}, {"TotalVatAmountInvoiceCurrency", "TotalVatAmount"}, {"TotalRoundingsInvoiceCurrency", "TotalRoundings"}} {
		if v, ok := expect[p[0]].(float64); ok && math.Abs(v-num(d[p[1]])) > 0.005 {
			diffs = append(diffs, fmt.Sprintf("%s is %.2f, expected %.2f", p[0], num(d[p[1]]), v))
		}
	}
	rows := map[float64]map[string]any{}
	for _, x := range asList(d["Rows"]) {
		rows[num(asObject(x)["LineNumber"])] = asObject(x)
	}
	for _, x := range asList(expect["Rows"]) {
		e := x.(map[string]any)
		row, ok := rows[num(e["LineNumber"])]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("no row with LineNumber %v", e["LineNumber"]))
			continue
		}
		if v, ok := e["TotalAmountNoVatInvoiceCurrency"].(float64); ok && math.Abs(v-num(row["Amount"])) > 0.005 {
			diffs = append(diffs, fmt.Sprintf("row %v TotalAmountNoVatInvoiceCurrency is %.2f, expected %.2f", e["LineNumber"], num(row["Amount"]), v))
		}
	}
	if diffs == nil {
		return ""
	}
	return "The invoice validation failed: " + strings.Join(diffs, "; ") + "."
}

// ---- customer invoices ----

// createInvoice is POST /v2/customerinvoices: books an invoice directly,
// or books an existing draft when CreatedFromDraftId is given.
func (s *Server) createInvoice(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if did, ok := body["CreatedFromDraftId"].(string); ok {
		d, found := s.data.c("customerinvoicedrafts").get(strings.ToLower(did))
		if !found {
			notFound(w, "CustomerInvoiceDraft", did)
			return
		}
		header := cloneRec(d)
		header["CreatedFromDraftId"] = d["Id"]
		header["CurrencyCode"] = d["InvoiceCurrencyCode"]
		if v, ok := body["SendType"]; ok {
			header["SendType"] = v
		}
		inv, fe := s.bookInvoice(header)
		if fe != nil {
			badRef(w, fe)
			return
		}
		s.data.c("customerinvoicedrafts").remove(d["Id"].(string))
		writeJSON(w, http.StatusCreated, s.invoiceView(cloneRec(inv)))
		return
	}
	rec, errs := s.data.m.invoice.decode(body, "")
	if len(errs) > 0 {
		validationFailed(w, errs)
		return
	}
	// Rows of a booked invoice are read-only in part (LineNumber,
	// IsTextRow): take them from the request as sent.
	for i, x := range asList(rec["Rows"]) {
		src, _ := asList(body["Rows"])[i].(map[string]any)
		row := x.(map[string]any)
		row["LineNumber"] = float64(i)
		row["IsTextRow"] = src["IsTextRow"] == true
	}
	if !s.refExists(w, rec, "CustomerId", "customers", "Customer") {
		return
	}
	inv, fe := s.bookInvoice(rec)
	if fe != nil {
		badRef(w, fe)
		return
	}
	writeJSON(w, http.StatusCreated, s.invoiceView(cloneRec(inv)))
}

// bookInvoice creates a numbered, booked invoice from a header with rows
// (from an order, a draft or a direct POST). It runs under s.mu.
func (s *Server) bookInvoice(h map[string]any) (map[string]any, *fieldError) {
	st := s.data
	cid, _ := h["CustomerId"].(string)
	customer, ok := st.c("customers").get(cid)
	if !ok {
		return nil, &fieldError{Field: "CustomerId", ErrorCode: strconv.Itoa(codeNotFound), Message: fmt.Sprintf("Customer with id %s was not found.", cid)}
	}
	cur, _ := h["CurrencyCode"].(string)
	if cur == "" {
		cur, _ = customer["CurrencyCode"].(string)
	}
	ctx := s.salesContext(customer, cur)
	now := s.now()
	invDate := now
	if d, ok := h["InvoiceDate"].(string); ok {
		invDate, _ = parseDateTime(d)
		if invDate.After(now) {
			return nil, &fieldError{Field: "InvoiceDate", ErrorCode: strconv.Itoa(codeFutureDate), Message: "FutureDateCannotBeSet - The invoice date cannot be in the future."}
		}
	}
	termsID, _ := h["TermsOfPaymentId"].(string)
	if termsID == "" {
		termsID, _ = customer["TermsOfPaymentId"].(string)
	}
	terms, ok := st.c("termsofpayments").get(termsID)
	if !ok {
		return nil, &fieldError{Field: "TermsOfPaymentId", ErrorCode: strconv.Itoa(codeNotFound), Message: fmt.Sprintf("TermsOfPayment with id %s was not found.", termsID)}
	}
	due := invDate.AddDate(0, 0, int(num(terms["NumberOfDays"])))
	if num(terms["TermsOfPaymentTypeId"]) == 1 { // current month + days
		due = time.Date(invDate.Year(), invDate.Month()+1, 0, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(num(terms["NumberOfDays"])))
	}
	if d, ok := h["DueDate"].(string); ok {
		due, _ = parseDateTime(d)
	}

	var rows []any
	for i, x := range asList(h["Rows"]) {
		src := asObject(x)
		row := map[string]any{}
		for _, p := range []string{"LineNumber", "ArticleId", "IsTextRow", "Text", "UnitPrice", "Quantity", "DiscountPercentage",
			"CostCenterItemId1", "CostCenterItemId2", "CostCenterItemId3", "ProjectId", "IsVatFree", "WorkCostType", "WorkHours", "MaterialCosts", "GreenTechnologyType"} {
			if v, ok := src[p]; ok {
				row[p] = clone(v)
			}
		}
		if row["LineNumber"] == nil {
			row["LineNumber"] = float64(i)
		}
		rows = append(rows, row)
	}
	rates, fe := s.priceRows(rows, ctx, true, "AmountNoVat")
	if fe != nil {
		return nil, fe
	}
	for i, x := range rows {
		row := x.(map[string]any)
		row["PercentVat"] = rates[i]
		row["IsWorkCost"] = false
		if row["IsTextRow"] == nil {
			row["IsTextRow"] = false
		}
		if row["IsVatFree"] == nil {
			row["IsVatFree"] = rates[i] == 0
		}
		if u, ok := st.c("units").get(fmt.Sprint(row["UnitId"])); ok {
			row["UnitAbbreviation"], row["UnitAbbreviationEnglish"] = u["Abbreviation"], u["AbbreviationEnglish"]
		}
	}
	t := s.sumRows(rows, rates, ctx, "AmountNoVat")

	number := st.next("NextCustomerInvoiceNumber")
	inv := map[string]any{}
	for _, p := range []string{"CustomerId", "EuThirdParty", "IsCreditInvoice", "RotReducedInvoicingType", "YourReference", "OurReference",
		"BuyersOrderReference", "ElectronicReference", "InvoiceAddress1", "InvoiceAddress2", "InvoiceCity", "InvoicePostalCode", "InvoiceCountryCode",
		"DeliveryCustomerName", "DeliveryAddress1", "DeliveryAddress2", "DeliveryCity", "DeliveryPostalCode", "DeliveryCountryCode",
		"DeliveryMethodCode", "DeliveryMethodName", "DeliveryTermCode", "DeliveryTermName", "DeliveryDate", "UsesGreenTechnology",
		"CreatedFromOrderId", "CreatedFromDraftId", "SendType", "CurrencyRate"} {
		if v, ok := h[p]; ok && v != nil {
			inv[p] = clone(v)
		}
	}
	for _, p := range []string{"EuThirdParty", "IsCreditInvoice", "UsesGreenTechnology"} {
		if inv[p] == nil {
			inv[p] = false
		}
	}
	if inv["RotReducedInvoicingType"] == nil {
		inv["RotReducedInvoicingType"] = float64(0)
	}
	fillFromCustomer(inv, customer, orderFromCustomer)
	rate := 1.0
	if cur != st.company["CurrencyCode"] {
		if r, ok := inv["CurrencyRate"].(float64); ok && r > 0 {
			rate = r
		}
	}
	id := newUUID()
	stamp := formatTime(now)
	inv["Id"] = id
	inv["InvoiceNumber"] = float64(number)
	inv["InvoiceDate"] = formatDate(invDate)
	inv["DueDate"] = formatDate(due)
	inv["TermsOfPaymentId"] = termsID
	inv["CurrencyCode"] = cur
	inv["CurrencyRate"] = rate
	inv["Rows"] = rows
	inv["VatSpecification"] = t.spec
	inv["TotalAmountInvoiceCurrency"], inv["TotalVatAmountInvoiceCurrency"] = t.gross, t.vat
	inv["TotalAmount"], inv["TotalVatAmount"], inv["TotalRoundings"] = round2(t.gross*rate), round2(t.vat*rate), round2(t.roundings*rate)
	inv["RemainingAmountInvoiceCurrency"], inv["RemainingAmount"] = t.gross, round2(t.gross*rate)
	inv["SetOffAmountInvoiceCurrency"] = float64(0)
	inv["PaymentStatus"] = float64(1)
	inv["CustomerName"], inv["CustomerNumber"], inv["InvoiceCustomerName"] = customer["Name"], customer["CustomerNumber"], customer["Name"]
	inv["CustomerEmail"] = customer["EmailAddress"]
	inv["CustomerIsPrivatePerson"], inv["IncludesVat"] = customer["IsPrivatePerson"], ctx.includesVat
	inv["ReverseChargeOnConstructionServices"] = customer["ReverseChargeOnConstructionServices"] == true
	inv["ReversedConstructionVatInvoicing"] = false
	inv["RotReducedInvoicingAutomaticDistribution"] = false
	for _, p := range []string{"HasAutoInvoiceError", "IsNotDelivered", "IsSold", "PaymentReminderIssued"} {
		inv[p] = false
	}
	if st.company["UsesPaymentReferenceNumber"] == true {
		inv["PaymentReferenceNumber"] = ocr(number)
	}
	inv["VoucherId"] = newUUID()
	inv["VoucherNumber"] = fmt.Sprintf("K %d", number)
	inv["CreatedUtc"], inv["ModifiedUtc"] = stamp, stamp
	st.c("customerinvoices").put(id, inv)
	return inv, nil
}

// ocr is a Swedish OCR reference: the number plus a length digit and a
// Luhn check digit.
func ocr(n int) string {
	base := strconv.Itoa(n)
	base += strconv.Itoa((len(base) + 2) % 10)
	sum := 0
	for i := len(base) - 1; i >= 0; i-- {
		d := int(base[i] - '0')
		if (len(base)-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return base + strconv.Itoa((10-sum%10)%10)
}

// invoiceView sets the payment status as of now: unpaid invoices past their
// due date are overdue.
func (s *Server) invoiceView(rec map[string]any) map[string]any {
	if num(rec["PaymentStatus"]) == 1 {
		if due, err := parseDateTime(fmt.Sprint(rec["DueDate"])); err == nil && s.now().After(due.AddDate(0, 0, 1)) {
			rec["PaymentStatus"] = float64(2)
		}
	}
	return rec
}

// listInvoices is GET /v2/customerinvoices with its modifiedSinceUtc filter.
func (s *Server) listInvoices(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if v := r.URL.Query().Get("modifiedSinceUtc"); v != "" {
		t, err := parseDateTime(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, codeInvalidInput, fmt.Sprintf("InvalidInput - modifiedSinceUtc '%s' is not a date-time.", v))
			return
		}
		since = t
	}
	s.mu.Lock()
	var recs []map[string]any
	for _, rec := range s.data.c("customerinvoices").all() {
		if m, err := parseDateTime(fmt.Sprint(rec["ModifiedUtc"])); err == nil && !m.Before(since) {
			recs = append(recs, s.invoiceView(rec))
		}
	}
	now := s.now()
	s.mu.Unlock()
	s.writePage(w, r, s.data.m.invoice, recs, now)
}

func (s *Server) createPayment(w http.ResponseWriter, r *http.Request) {
	_, rec, ok := decodeRequest(w, r, s.data.m.payment)
	if !ok {
		return
	}
	id := strings.ToLower(r.PathValue("invoiceId"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.refExists(w, rec, "CompanyBankAccountId", "bankaccounts", "BankAccount") {
		return
	}
	if status, code, msg := s.pay(id, rec); status != 0 {
		writeError(w, status, code, msg)
		return
	}
	writeJSON(w, http.StatusCreated, cloneRec(rec))
}

// pay registers a payment on an invoice; it returns an HTTP status, error
// code and message when the payment is refused. It runs under s.mu.
func (s *Server) pay(id string, p map[string]any) (int, int, string) {
	inv, ok := s.data.c("customerinvoices").get(id)
	if !ok {
		return http.StatusNotFound, codeNotFound, fmt.Sprintf("ResourceNotFoundException - CustomerInvoice with id %s was not found.", id)
	}
	now := s.now()
	date, _ := parseDateTime(fmt.Sprint(p["PaymentDate"]))
	if date.After(now) {
		return http.StatusBadRequest, codeFutureDate, "FutureDateCannotBeSet - The payment date cannot be in the future."
	}
	if cur, _ := p["PaymentCurrency"].(string); !strings.EqualFold(cur, fmt.Sprint(inv["CurrencyCode"])) {
		return http.StatusBadRequest, codeValidation, fmt.Sprintf("PaymentCurrency '%s' must be the invoice currency %s.", cur, inv["CurrencyCode"])
	}
	amount := num(p["PaymentAmount"])
	remaining := num(inv["RemainingAmountInvoiceCurrency"])
	if amount == 0 || math.Abs(amount) > math.Abs(remaining)+0.005 || amount*remaining < 0 {
		return http.StatusBadRequest, codeValidation, fmt.Sprintf("PaymentAmount %.2f is not valid for an invoice with %.2f remaining.", amount, remaining)
	}
	remaining = round2(remaining - amount)
	rate := num(inv["CurrencyRate"])
	if rate == 0 {
		rate = 1
	}
	inv["RemainingAmountInvoiceCurrency"] = remaining
	inv["RemainingAmount"] = round2(remaining * rate)
	if math.Abs(remaining) < 0.005 {
		inv["PaymentStatus"] = float64(0)
		inv["PaymentDate"] = formatDate(date)
	}
	inv["ModifiedUtc"] = formatTime(now)
	s.data.payments[id] = append(s.data.payments[id], cloneRec(p))
	return 0, 0, ""
}

// PayInvoice registers a payment of amount (invoice currency, dated today,
// to the demo bank account) on an invoice, as a customer paying it would.
func (s *Server) PayInvoice(id string, amount float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.data.c("customerinvoices").get(strings.ToLower(id))
	if !ok {
		return fmt.Errorf("eaccountingtest: pay invoice %s: not found", id)
	}
	p := map[string]any{
		"CompanyBankAccountId": DemoBankAccount, "PaymentDate": formatDate(s.now()), "PaymentAmount": amount,
		"PaymentCurrency": inv["CurrencyCode"], "PaymentType": float64(1),
	}
	if status, _, msg := s.pay(strings.ToLower(id), p); status != 0 {
		return fmt.Errorf("eaccountingtest: pay invoice %s: %s", id, msg)
	}
	return nil
}
