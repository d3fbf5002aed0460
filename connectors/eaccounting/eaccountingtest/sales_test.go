package eaccountingtest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// salesSetup creates a customer and two articles (goods 25 % at 100.00,
// freight service at 79.00).
func salesSetup(t *testing.T, opts Options) (*Server, *api, string, string, string) {
	t.Helper()
	s, a := setup(t, opts)
	c := a.must(http.StatusCreated, "POST", "/v2/customers", with(customerBody("S-1", "Sälj AB"),
		"InvoiceAddress1", "Exempelgatan 3", "InvoiceCountryCode", "SE", "EmailAddress", "ekonomi@example.com"))
	goods := a.must(http.StatusCreated, "POST", "/v2/articles", articleBody("W-100", 100))
	freight := a.must(http.StatusCreated, "POST", "/v2/articles", with(articleBody("FRAKT", 79), "CodingId", DemoCodingFreight))
	return s, a, c["Id"].(string), goods["Id"].(string), freight["Id"].(string)
}

func orderBody(customerID, goodsID, freightID string, status int) map[string]any {
	return map[string]any{
		"CustomerId": customerID, "CurrencyCode": "SEK", "OrderDate": "2026-03-02T00:00:00Z", "Status": status,
		"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": 0,
		"YourReference": "HubSpot deal 123", "DeliveryMethodCode": "POST", "DeliveryTermCode": "FVL",
		"Rows": []any{
			map[string]any{"LineNumber": 0, "ArticleId": goodsID, "Quantity": 10, "UnitPrice": 100.0, "DiscountPercentage": 0.05,
				"IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false},
			map[string]any{"LineNumber": 1, "ArticleId": freightID, "Quantity": 1, "IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false},
			map[string]any{"LineNumber": 2, "Text": "Leverans enligt avtal", "IsTextRow": true, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false},
		},
	}
}

func TestOrders(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, a, cid, goods, freight := salesSetup(t, Options{Clock: clock.now, AccessTokenTTL: 1000 * time.Hour})

	o := a.must(http.StatusCreated, "POST", "/v2/orders", orderBody(cid, goods, freight, 2))
	// 10 x 100 - 5 % = 950, freight 79 at the article's price: net 1029, VAT 257.25,
	// total 1286.25 rounded to 1286 (roundings -0.25).
	for k, want := range map[string]any{"Amount": 1029.0, "VatAmount": 257.25, "RoundingsAmount": -0.25, "Number": 1.0,
		"CustomerName": "Sälj AB", "CustomerNumber": "S-1", "InvoiceAddress1": "Exempelgatan 3", "InvoiceCity": "Stockholm",
		"DeliveryMethodName": "Postpaket", "IncludesVat": false, "OrderDate": "2026-03-02T00:00:00Z"} {
		if o[k] != want {
			t.Errorf("order %s = %v; want %v", k, o[k], want)
		}
	}
	rows := asList(o["Rows"])
	if r := rows[1].(map[string]any); r["UnitPrice"] != 79.0 || r["Text"] != "Artikel FRAKT" || r["Amount"] != 79.0 {
		t.Errorf("freight row = %v; want the article's price and name", r)
	}
	if r := rows[0].(map[string]any); r["Amount"] != 950.0 || r["ArticleNumber"] != "W-100" {
		t.Errorf("first row = %v", r)
	}

	draftOrder := a.must(http.StatusCreated, "POST", "/v2/orders", orderBody(cid, goods, freight, 1))
	if _, ok := draftOrder["Number"]; ok {
		t.Errorf("order draft Number = %v; want none", draftOrder["Number"])
	}
	a.wantError(http.StatusBadRequest, 4002, "POST", "/v2/orders/"+draftOrder["Id"].(string)+"/convert", nil)

	errs := []struct {
		name         string
		body         map[string]any
		status, code int
	}{
		{"unknown customer", with(orderBody(cid, goods, freight, 2), "CustomerId", "00000000-0000-0000-0000-000000000009"), 400, 3000},
		{"missing OrderDate", with(orderBody(cid, goods, freight, 2), "OrderDate", nil), 400, 2000},
		{"bad status", with(orderBody(cid, goods, freight, 2), "Status", 7), 400, 2000},
		{"invoiced status", with(orderBody(cid, goods, freight, 2), "Status", 4), 400, 4002},
		{"unknown delivery method", with(orderBody(cid, goods, freight, 2), "DeliveryMethodCode", "ZEPPELIN"), 400, 3000},
		{"unknown article", with(orderBody(cid, goods, freight, 2), "Rows", []any{map[string]any{"LineNumber": 0, "ArticleId": "00000000-0000-0000-0000-000000000008", "Quantity": 1, "IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}}), 400, 3000},
		{"row without LineNumber", with(orderBody(cid, goods, freight, 2), "Rows", []any{map[string]any{"ArticleId": goods, "Quantity": 1, "IsTextRow": false, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}}), 400, 2000},
		{"empty text row", with(orderBody(cid, goods, freight, 2), "Rows", []any{map[string]any{"LineNumber": 0, "IsTextRow": true, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}}), 400, 2000},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) { a.on(t).wantError(tt.status, tt.code, "POST", "/v2/orders", tt.body) })
	}

	// PUT replaces the whole order: YourReference left out is gone.
	id := o["Id"].(string)
	put := a.must(http.StatusOK, "PUT", "/v2/orders/"+id, with(orderBody(cid, goods, freight, 2), "YourReference", nil))
	if _, ok := put["YourReference"]; ok || put["Number"] != 1.0 {
		t.Errorf("after PUT YourReference = %v, Number = %v; want null and 1", put["YourReference"], put["Number"])
	}

	clock.advance(time.Hour)
	inv := a.must(http.StatusOK, "POST", "/v2/orders/"+id+"/convert", nil)
	if inv["InvoiceNumber"] != 1.0 || inv["CreatedFromOrderId"] != id || inv["TotalAmount"] != 1286.0 || inv["TotalVatAmount"] != 257.25 ||
		inv["TotalRoundings"] != -0.25 || inv["RemainingAmount"] != 1286.0 || inv["PaymentStatus"] != 1.0 ||
		inv["InvoiceDate"] != "2026-03-02T00:00:00Z" || inv["DueDate"] != "2026-04-01T00:00:00Z" {
		t.Errorf("converted invoice = %v", inv)
	}
	if got := a.must(http.StatusOK, "GET", "/v2/orders/"+id, nil); got["Status"] != 4.0 {
		t.Errorf("order Status after convert = %v; want 4", got["Status"])
	}
	a.wantError(http.StatusBadRequest, 4002, "POST", "/v2/orders/"+id+"/convert", nil)
	a.wantError(http.StatusBadRequest, 4002, "PUT", "/v2/orders/"+id, orderBody(cid, goods, freight, 2))
	a.wantError(http.StatusBadRequest, 4001, "DELETE", "/v2/orders/"+id, nil)
	a.must(http.StatusOK, "DELETE", "/v2/orders/"+draftOrder["Id"].(string), nil)

	// An order with only text rows cannot be invoiced.
	textOnly := a.must(http.StatusCreated, "POST", "/v2/orders", with(orderBody(cid, goods, freight, 2), "Rows", []any{
		map[string]any{"LineNumber": 0, "Text": "Bara text", "IsTextRow": true, "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}}))
	a.wantError(http.StatusBadRequest, 4031, "POST", "/v2/orders/"+textOnly["Id"].(string)+"/convert", nil)
	if n := s.Requests("POST /v2/orders/{id}/convert"); n != 4 {
		t.Errorf("Requests(convert) = %d; want 4", n)
	}

	// Status transitions of the current API; they are not in the 2023
	// Swagger, so they bypass the contract proxy.
	b := a.bypass()
	ord := b.must(http.StatusCreated, "POST", "/v2/orders", orderBody(cid, goods, freight, 1))
	oid := ord["Id"].(string)
	b.wantError(http.StatusBadRequest, 4002, "POST", "/v2/orders/"+oid+"/completed", nil)
	ord = b.must(http.StatusOK, "POST", "/v2/orders/"+oid+"/converteddrafttoorder", nil)
	if ord["Status"] != 2.0 || ord["Number"] == nil {
		t.Errorf("order draft converted: Status=%v Number=%v; want 2 and a number", ord["Status"], ord["Number"])
	}
	ord = b.must(http.StatusOK, "POST", "/v2/orders/"+oid+"/completed", nil)
	if ord["Status"] != 3.0 || ord["ShippedDateTime"] != "2026-03-02T00:00:00Z" || ord["DeliveredAmount"] != ord["Amount"] {
		t.Errorf("completed order = Status %v ShippedDateTime %v DeliveredAmount %v", ord["Status"], ord["ShippedDateTime"], ord["DeliveredAmount"])
	}
	ord = b.must(http.StatusOK, "POST", "/v2/orders/"+oid+"/voided", nil)
	if _, shipped := ord["ShippedDateTime"]; ord["Status"] != 2.0 || shipped {
		t.Errorf("voided order = Status %v ShippedDateTime %v; want 2 and none", ord["Status"], ord["ShippedDateTime"])
	}
	b.wantError(http.StatusBadRequest, 4002, "POST", "/v2/orders/"+oid+"/voided", nil)

	// Dates may be sent as the documented "YYYY-MM-DD" (outside the
	// Swagger's date-time format, hence not through the contract proxy).
	plain := a.bypass().must(http.StatusCreated, "POST", "/v2/orders", with(orderBody(cid, goods, freight, 2), "OrderDate", "2026-03-01", "DeliveryDate", "2026-03-09"))
	if plain["OrderDate"] != "2026-03-01T00:00:00Z" || plain["DeliveryDate"] != "2026-03-09T00:00:00Z" {
		t.Errorf("plain dates stored as %v / %v", plain["OrderDate"], plain["DeliveryDate"])
	}
}

func TestDraftsAndInvoices(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	s, a, cid, goods, freight := salesSetup(t, Options{Clock: clock.now, AccessTokenTTL: 1000 * time.Hour})

	d := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts", draftBody(cid, goods, 3))
	if d["TotalAmount"] != 375.0 || d["TotalVatAmount"] != 75.0 || d["InvoiceCity"] != "Stockholm" || d["CustomerNumber"] != "S-1" {
		t.Errorf("draft = %v", d)
	}
	if r := asList(d["Rows"])[0].(map[string]any); r["LineNumber"] != 0.0 || r["UnitPrice"] != 100.0 {
		t.Errorf("draft row = %v; want LineNumber 0 and the article's price", r)
	}
	id := d["Id"].(string)

	// Replace adds the freight row.
	body := draftBody(cid, goods, 3)
	body["Rows"] = append(asList(body["Rows"]), map[string]any{"ArticleId": freight, "Quantity": 1, "IsTextRow": false, "ReversedConstructionServicesVatFree": false})
	d = a.must(http.StatusOK, "PUT", "/v2/customerinvoicedrafts/"+id, body)
	if d["TotalAmount"] != 474.0 || d["TotalRoundings"] != 0.25 {
		t.Errorf("draft totals after PUT = %v / %v; want 474 / 0.25", d["TotalAmount"], d["TotalRoundings"])
	}

	// Validation totals that do not match are refused; matching ones book.
	a.wantError(http.StatusBadRequest, 2000, "POST", "/v2/customerinvoicedrafts/"+id+"/convert", map[string]any{"TotalAmountInvoiceCurrency": 500.0})
	inv := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts/"+id+"/convert", map[string]any{
		"TotalAmountInvoiceCurrency": 474.0, "TotalVatAmountInvoiceCurrency": 94.75,
		"Rows": []any{map[string]any{"LineNumber": 0, "TotalAmountNoVatInvoiceCurrency": 300.0}},
	})
	if inv["InvoiceNumber"] != 1.0 || inv["CreatedFromDraftId"] != id || inv["PaymentReferenceNumber"] != ocr(1) {
		t.Errorf("invoice from draft = %v", inv)
	}
	a.wantError(http.StatusNotFound, 3000, "GET", "/v2/customerinvoicedrafts/"+id, nil)

	// Numbering continues across drafts and direct invoices.
	d2 := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts", draftBody(cid, goods, 1))
	inv2 := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts/"+d2["Id"].(string)+"/convert", map[string]any{})
	inv3 := a.must(http.StatusCreated, "POST", "/v2/customerinvoices", map[string]any{
		"CustomerId": cid, "EuThirdParty": false, "RotReducedInvoicingType": 0,
		"Rows": []any{map[string]any{"ArticleId": goods, "Quantity": 2, "UnitPrice": 50.0}},
	})
	if inv2["InvoiceNumber"] != 2.0 || inv3["InvoiceNumber"] != 3.0 || inv3["TotalAmount"] != 125.0 {
		t.Errorf("numbers = %v, %v (total %v); want 2, 3 (125)", inv2["InvoiceNumber"], inv3["InvoiceNumber"], inv3["TotalAmount"])
	}

	// A future invoice date cannot be booked.
	future := with(draftBody(cid, goods, 1), "InvoiceDate", "2026-04-01T00:00:00Z")
	d3 := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts", future)
	a.wantError(http.StatusBadRequest, 4023, "POST", "/v2/customerinvoicedrafts/"+d3["Id"].(string)+"/convert?keepOriginalDraftDate=true&overrideCompanyKeepOriginalDraftDate=true", map[string]any{})
	a.must(http.StatusOK, "DELETE", "/v2/customerinvoicedrafts/"+d3["Id"].(string), nil)

	// Payments: partial, then the rest.
	invID := inv["Id"].(string)
	pay := map[string]any{"CompanyBankAccountId": DemoBankAccount, "PaymentDate": "2026-03-02T00:00:00Z", "PaymentAmount": 74.0, "PaymentCurrency": "SEK", "PaymentType": 1}
	a.must(http.StatusCreated, "POST", "/v2/customerinvoices/"+invID+"/payments", pay)
	got := a.must(http.StatusOK, "GET", "/v2/customerinvoices/"+invID, nil)
	if got["RemainingAmount"] != 400.0 || got["PaymentStatus"] != 1.0 {
		t.Errorf("after partial payment RemainingAmount=%v PaymentStatus=%v; want 400 and 1", got["RemainingAmount"], got["PaymentStatus"])
	}
	a.wantError(http.StatusBadRequest, 2000, "POST", "/v2/customerinvoices/"+invID+"/payments", with(pay, "PaymentAmount", 1000.0))
	a.wantError(http.StatusBadRequest, 4023, "POST", "/v2/customerinvoices/"+invID+"/payments", with(pay, "PaymentDate", "2026-03-03T00:00:00Z"))
	a.wantError(http.StatusBadRequest, 3000, "POST", "/v2/customerinvoices/"+invID+"/payments", with(pay, "CompanyBankAccountId", "00000000-0000-0000-0000-000000000007"))
	if err := s.PayInvoice(invID, 400); err != nil {
		t.Fatal(err)
	}
	got = a.must(http.StatusOK, "GET", "/v2/customerinvoices/"+invID, nil)
	if got["RemainingAmount"] != 0.0 || got["PaymentStatus"] != 0.0 || got["PaymentDate"] != "2026-03-02T00:00:00Z" {
		t.Errorf("after full payment = RemainingAmount %v PaymentStatus %v PaymentDate %v", got["RemainingAmount"], got["PaymentStatus"], got["PaymentDate"])
	}
	if err := s.PayInvoice(invID, 1); err == nil {
		t.Errorf("PayInvoice on a paid invoice = nil; want an error")
	}

	// Unpaid invoices become overdue after their due date.
	clock.advance(40 * 24 * time.Hour)
	got = a.must(http.StatusOK, "GET", "/v2/customerinvoices/"+inv2["Id"].(string), nil)
	if got["PaymentStatus"] != 2.0 {
		t.Errorf("PaymentStatus 40 days later = %v; want 2 (overdue)", got["PaymentStatus"])
	}
	cust := a.must(http.StatusOK, "GET", "/v2/customers/"+cid, nil)
	if cust["UnpaidInvoicesAmount"] != 250.0 {
		t.Errorf("UnpaidInvoicesAmount = %v; want 250 (invoices 2 and 3)", cust["UnpaidInvoicesAmount"])
	}
	list := a.must(http.StatusOK, "GET", "/v2/customerinvoices?$filter=PaymentStatus%20eq%200", nil)
	if n := len(asList(list["Data"])); n != 1 {
		t.Errorf("paid invoices = %d; want 1", n)
	}
	for _, tt := range []struct {
		filter string
		want   int
	}{
		{"Rows/any(r: contains(r/Text,'frakt'))", 1},
		{"Rows/any(r: r/ArticleNumber eq 'W-100' and r/Quantity ge 2)", 2},
		{"Rows/all(r: r/Quantity eq 1)", 1},
		{"Rows/any()", 3},
	} {
		list = a.must(http.StatusOK, "GET", "/v2/customerinvoices?$filter="+url.QueryEscape(tt.filter), nil)
		if n := len(asList(list["Data"])); n != tt.want {
			t.Errorf("invoices with %s = %d; want %d", tt.filter, n, tt.want)
		}
	}
	a.wantError(http.StatusBadRequest, 6000, "GET", "/v2/customerinvoices?$filter="+url.QueryEscape("Rows/any(r: CustomerName eq 'x')"), nil)
	a.wantError(http.StatusBadRequest, 6000, "GET", "/v2/customerinvoices?$filter="+url.QueryEscape("Rows/any(r: r/Nope eq 1)"), nil)
	a.wantError(http.StatusBadRequest, 6000, "GET", "/v2/customerinvoices?$filter="+url.QueryEscape("CustomerName/any(r: r/Text eq 'x')"), nil)
	list = a.must(http.StatusOK, "GET", "/v2/customerinvoices?modifiedSinceUtc=2026-03-02T09:30:00Z", nil)
	if n := len(asList(list["Data"])); n != 0 {
		t.Errorf("invoices modified since 09:30 = %d; want 0", n)
	}
}

func TestPrivatePersonPricesIncludeVat(t *testing.T) {
	_, a, _, goods, _ := salesSetup(t, Options{})
	p := a.must(http.StatusCreated, "POST", "/v2/customers", with(customerBody("P-1", "Privat Person"), "IsPrivatePerson", true))
	d := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts", draftBody(p["Id"].(string), goods, 2))
	r := asList(d["Rows"])[0].(map[string]any)
	if d["IncludesVat"] != true || r["UnitPrice"] != 125.0 || d["TotalAmount"] != 250.0 || d["TotalVatAmount"] != 50.0 {
		t.Errorf("private draft: IncludesVat=%v UnitPrice=%v TotalAmount=%v TotalVatAmount=%v; want true 125 250 50",
			d["IncludesVat"], r["UnitPrice"], d["TotalAmount"], d["TotalVatAmount"])
	}
}

func TestForeignBusinessHasNoVat(t *testing.T) {
	_, a, _, goods, _ := salesSetup(t, Options{})
	de := a.must(http.StatusCreated, "POST", "/v2/customers", with(customerBody("DE-1", "Beispiel GmbH"),
		"InvoiceCountryCode", "DE", "VatNumber", "DE123456789", "CurrencyCode", "EUR"))
	d := a.must(http.StatusCreated, "POST", "/v2/customerinvoicedrafts", draftBody(de["Id"].(string), goods, 2))
	// EUR is not the company currency: no rounding to whole units either.
	if d["TotalVatAmount"] != 0.0 || d["TotalAmount"] != 200.0 || d["InvoiceCurrencyCode"] != "EUR" {
		t.Errorf("EU business draft: TotalVatAmount=%v TotalAmount=%v InvoiceCurrencyCode=%v; want 0, 200, EUR",
			d["TotalVatAmount"], d["TotalAmount"], d["InvoiceCurrencyCode"])
	}
}
