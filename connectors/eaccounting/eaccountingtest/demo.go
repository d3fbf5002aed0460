package eaccountingtest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// demoID is a stable GUID for a demo record, so that IDs are the same in
// every run (golden files, sandbox scripts).
func demoID(kind, key string) string {
	sum := sha256.Sum256([]byte("kopla-eaccounting-demo/" + kind + "/" + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Stable IDs of demo records tests commonly need (demoID of their keys,
// checked by TestDemoIDs).
const (
	DemoTermsOfPayment30 = "56926999-e553-5d10-b3eb-da527f26eab0" // "30 dagar netto"
	DemoUnitPiece        = "e4ed2e2e-374b-5e72-994e-cdff4b6337c4" // "Styck"
	DemoUnitHour         = "85f6d281-6506-5322-8903-b7ed2f3ec70f" // "Timme"
	DemoCodingGoods25    = "59598642-2779-574c-b6be-3712e9ba3814" // goods 25 %, revenue account 3001
	DemoCodingGoods12    = "25e721a1-946b-5e5f-935e-c7a78a9fbe6d" // goods 12 %, revenue account 3002
	DemoCodingGoods6     = "906da178-9f97-5018-885c-06ee7e407195" // goods 6 %, revenue account 3003
	DemoCodingServices25 = "41077805-7838-5a77-9433-56ee8316b484" // services 25 %, revenue account 3041
	DemoCodingExempt     = "161f7913-1870-53bf-9f66-d46bb840d331" // VAT exempt, revenue account 3004
	DemoCodingFreight    = "b78743b7-3f33-54ba-89a1-970899d761c1" // freight charged, 25 %, account 3520
	DemoBankAccount      = "9dc8659e-07b5-562e-afc0-d3cdb1fe06a2" // Företagskonto, ledger account 1930
)

// SeedDemoCompany fills the server with a fictional Swedish company
// ("Exempelbolaget Kopla AB"): company settings, VAT codes, terms of
// payment, units, article account codings, accounts of the previous and
// current fiscal year, delivery methods and terms, cost centres with items,
// projects, customer and article labels, countries, currencies and a bank
// account. It adds no customers, articles or sales documents.
func (s *Server) SeedDemoCompany() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data
	now := s.now().UTC()
	stamp := formatTime(now)
	put := func(coll, id string, rec map[string]any) {
		rec["Id"] = id
		st.c(coll).put(id, rec)
	}

	for _, c := range []struct {
		code, name string
		eu         bool
	}{
		{"SE", "Sverige", true}, {"NO", "Norge", false}, {"DK", "Danmark", true}, {"FI", "Finland", true},
		{"DE", "Tyskland", true}, {"NL", "Nederländerna", true}, {"FR", "Frankrike", true}, {"PL", "Polen", true},
		{"EE", "Estland", true}, {"IS", "Island", false}, {"GB", "Storbritannien", false}, {"US", "USA", false},
		{"CH", "Schweiz", false}, {"CN", "Kina", false},
	} {
		st.c("countries").put(c.code, map[string]any{"Code": c.code, "Name": c.name, "IsEuMember": c.eu})
	}
	for _, c := range []string{"SEK", "EUR", "NOK", "DKK", "USD", "GBP", "CHF", "PLN"} {
		st.c("currencies").put(c, map[string]any{"Code": c})
	}

	for _, t := range []struct {
		key, name, nameEN string
		days, typ         int
		typeText          string
	}{
		{"10", "10 dagar netto", "10 days net", 10, 0, "Normal"},
		{"20", "20 dagar netto", "20 days net", 20, 0, "Normal"},
		{"30", "30 dagar netto", "30 days net", 30, 0, "Normal"},
		{"60", "60 dagar netto", "60 days net", 60, 0, "Normal"},
		{"lm30", "Löpande månad + 30 dagar", "Current month + 30 days", 30, 1, "CurrentMonth"},
		{"cash", "Kontant", "Cash", 0, 2, "Cash"},
		{"card", "Kortbetalning", "Card payment", 0, 3, "CardPayment"},
	} {
		put("termsofpayments", demoID("termsofpayments", t.key), map[string]any{
			"Name": t.name, "NameEnglish": t.nameEN, "NumberOfDays": float64(t.days),
			"TermsOfPaymentTypeId": float64(t.typ), "TermsOfPaymentTypeText": t.typeText,
			"AvailableForSales": true, "AvailableForPurchase": t.typ != 3,
		})
	}

	for _, u := range []struct{ code, name, abbr, abbrEN string }{
		{"st", "Styck", "st", "pcs"}, {"tim", "Timme", "tim", "h"}, {"kg", "Kilogram", "kg", "kg"},
		{"m", "Meter", "m", "m"}, {"paket", "Paket", "pkt", "pkg"}, {"man", "Månad", "mån", "mth"},
	} {
		put("units", demoID("units", u.code), map[string]any{"Name": u.name, "Code": u.code, "Abbreviation": u.abbr, "AbbreviationEnglish": u.abbrEN})
	}

	vat := map[string]string{}
	for _, v := range []struct {
		code, desc string
		rate       float64
		oss        int
		accounts   []int
	}{
		{"MP1", "Utgående moms 25 %", 25, 0, []int{2611}},
		{"MP2", "Utgående moms 12 %", 12, 0, []int{2621}},
		{"MP3", "Utgående moms 6 %", 6, 0, []int{2631}},
		{"MF", "Momsfri försäljning", 0, 0, nil},
		{"VEU", "Försäljning av varor till annat EU-land", 0, 0, []int{3108}},
		{"TEU", "Försäljning av tjänster till annat EU-land", 0, 0, []int{3308}},
		{"VEX", "Export av varor utanför EU", 0, 0, []int{3105}},
		{"TEX", "Försäljning av tjänster utanför EU", 0, 0, []int{3305}},
		{"OSS", "Distansförsäljning av varor inom EU (OSS)", 0, 1, []int{3106}},
		{"OBY", "Försäljning med omvänd betalningsskyldighet, byggtjänster", 0, 0, []int{3231}},
		{"I", "Ingående moms", 25, 0, []int{2641}},
	} {
		id := demoID("vatcodes", v.code)
		vat[v.code] = id
		rel := map[string]any{}
		for i, a := range v.accounts {
			rel["AccountNumber"+strconv.Itoa(i+1)] = float64(a)
		}
		put("vatcodes", id, map[string]any{"Code": v.code, "Description": v.desc, "VatRate": v.rate, "OssCodeType": float64(v.oss), "RelatedAccounts": rel})
	}

	for _, c := range []struct {
		key, name, nameEN, typ string
		rate                   float64
		domestic               int
		service                bool
	}{
		{"goods25", "Varor 25 %", "Goods 25 %", "Goods", 0.25, 3001, false},
		{"goods12", "Varor 12 %", "Goods 12 %", "Goods", 0.12, 3002, false},
		{"goods6", "Varor 6 %", "Goods 6 %", "Goods", 0.06, 3003, false},
		{"services25", "Tjänster 25 %", "Services 25 %", "Service", 0.25, 3041, true},
		{"exempt", "Momsfri försäljning", "VAT exempt sales", "Goods", 0, 3004, false},
		{"freight", "Frakt", "Freight", "Service", 0.25, 3520, true},
	} {
		rec := map[string]any{
			"Name": c.name, "NameEnglish": c.nameEN, "Type": c.typ, "IsActive": true,
			"VatRate": fmt.Sprintf("%g%%", c.rate*100), "VatRatePercent": c.rate, "ChangedUtc": stamp,
			"DomesticSalesSubjectToVatAccountNumber":                     float64(c.domestic),
			"DomesticSalesSubjectToReversedConstructionVatAccountNumber": float64(3231),
			"DomesticSalesVatExemptAccountNumber":                        float64(3004),
			"DomesticSalesVatCodeExemptAccountNumber":                    float64(3004),
			"ForeignSalesSubjectToMossAccountNumber":                     float64(3106),
			"ForeignSalesSubjectToThirdPartySalesAccountNumber":          float64(3108),
			"ForeignSalesSubjectToVatWithinEuAccountNumber":              float64(3108),
			"ForeignSalesVatExemptOutsideEuAccountNumber":                float64(3105),
			"ForeignSalesVatExemptWithinEuAccountNumber":                 float64(3108),
		}
		if c.service {
			rec["ForeignSalesSubjectToVatWithinEuAccountNumber"] = float64(3308)
			rec["ForeignSalesVatExemptWithinEuAccountNumber"] = float64(3308)
			rec["ForeignSalesVatExemptOutsideEuAccountNumber"] = float64(3305)
		}
		put("articleaccountcodings", demoID("codings", c.key), rec)
	}

	for y := now.Year() - 1; y <= now.Year(); y++ {
		fy := demoID("fiscalyears", strconv.Itoa(y))
		put("fiscalyears", fy, map[string]any{
			"StartDate":             formatDate(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)),
			"EndDate":               formatDate(time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)),
			"IsLockedForAccounting": y < now.Year(),
			"BookkeepingMethod":     float64(0),
		})
		for _, a := range []struct {
			number int
			name   string
			vat    string
		}{
			{1510, "Kundfordringar", ""}, {1910, "Kassa", ""}, {1930, "Företagskonto", ""},
			{2440, "Leverantörsskulder", ""}, {2611, "Utgående moms på försäljning inom Sverige, 25 %", ""},
			{2621, "Utgående moms på försäljning inom Sverige, 12 %", ""}, {2631, "Utgående moms på försäljning inom Sverige, 6 %", ""},
			{2641, "Debiterad ingående moms", ""}, {3001, "Försäljning inom Sverige, 25 % moms", "MP1"},
			{3002, "Försäljning inom Sverige, 12 % moms", "MP2"}, {3003, "Försäljning inom Sverige, 6 % moms", "MP3"},
			{3004, "Försäljning inom Sverige, momsfri", "MF"}, {3041, "Försäljning tjänster inom Sverige, 25 % moms", "MP1"},
			{3105, "Försäljning varor till land utanför EU", "VEX"}, {3106, "Försäljning varor till annat EU-land, momspliktig", "OSS"},
			{3108, "Försäljning varor till annat EU-land, momsfri", "VEU"}, {3231, "Försäljning inom byggsektorn, omvänd skattskyldighet moms", "OBY"},
			{3305, "Försäljning tjänster till land utanför EU", "TEX"}, {3308, "Försäljning tjänster till annat EU-land", "TEU"},
			{3520, "Fakturerade frakter", "MP1"}, {3740, "Öres- och kronutjämning", ""},
			{4010, "Inköp material och varor", "I"}, {6570, "Bankkostnader", ""},
		} {
			rec := map[string]any{
				"Number": strconv.Itoa(a.number), "Name": a.name, "FiscalYearId": fy, "IsActive": true,
				"IsProjectAllowed": a.number >= 3000, "IsCostCenterAllowed": a.number >= 3000,
				"IsBlockedForManualBooking": a.number == 1510 || a.number == 2440, "CreatedUtc": stamp, "ModifiedUtc": stamp,
			}
			if a.vat != "" {
				rec["VatCodeId"] = vat[a.vat]
				rec["VatCodeDescription"] = st.c("vatcodes").recs[vat[a.vat]]["Description"]
			}
			st.c("accounts").put(fy+"/"+strconv.Itoa(a.number), rec)
		}
	}

	for _, d := range []struct{ code, name, nameEN string }{
		{"POST", "Postpaket", "Parcel post"}, {"BUD", "Bud", "Courier"}, {"HAMT", "Hämtas av kund", "Collected by customer"},
		{"FRAKT", "Fraktbolag", "Freight carrier"},
	} {
		put("deliverymethods", demoID("deliverymethods", d.code), map[string]any{"Code": d.code, "Name": d.name, "NameEnglish": d.nameEN})
	}
	for _, d := range []struct{ code, name, nameEN string }{
		{"FVL", "Fritt vårt lager", "Free our warehouse"}, {"FKL", "Fritt kundens lager", "Free customer's warehouse"},
		{"EXW", "Ex works", "Ex works"}, {"DAP", "Levererat till plats", "Delivered at place"},
	} {
		put("deliveryterms", demoID("deliveryterms", d.code), map[string]any{"Code": d.code, "Name": d.name, "NameEnglish": d.nameEN, "Editable": true})
	}

	for i, cc := range []struct {
		name  string
		items [][2]string
	}{
		{"Avdelning", [][2]string{{"SALJ", "Försäljning"}, {"SUPP", "Support"}, {"ADM", "Administration"}}},
		{"Region", [][2]string{{"NORD", "Region Nord"}, {"SYD", "Region Syd"}}},
	} {
		ccID := demoID("costcenters", cc.name)
		var items []any
		for _, it := range cc.items {
			item := map[string]any{"Id": demoID("costcenteritems", it[0]), "CostCenterId": ccID, "ShortName": it[0], "Name": it[1], "IsActive": true, "CreatedUtc": stamp}
			st.c("costcenteritems").put(item["Id"].(string), item)
			items = append(items, cloneRec(item))
		}
		put("costcenters", ccID, map[string]any{"Name": cc.name, "Number": float64(i + 1), "IsActive": true, "Items": items})
	}

	for _, p := range []struct{ number, name string }{{"1001", "Webbutik"}, {"1002", "Intern utveckling"}} {
		put("projects", demoID("projects", p.number), map[string]any{
			"Number": p.number, "Name": p.name, "Status": float64(1), "ModifiedUtc": stamp,
			"StartDate": formatDate(time.Date(now.Year(), 1, 1, 0, 0, 0, 0, time.UTC)),
		})
	}
	for _, l := range [][2]string{{"HubSpot", "Kunder synkade från HubSpot"}, {"Återförsäljare", "Återförsäljare och partner"}, {"VIP", "Prioriterade kunder"}} {
		put("customerlabels", demoID("customerlabels", l[0]), map[string]any{"Name": l[0], "Description": l[1]})
	}
	for _, l := range [][2]string{{"Nyhet", "Nya artiklar"}, {"Utförsäljning", "Artiklar som utgår"}} {
		put("articlelabels", demoID("articlelabels", l[0]), map[string]any{"Name": l[0], "Description": l[1]})
	}
	put("bankaccounts", DemoBankAccount, map[string]any{
		"Name": "Företagskonto", "BankAccountType": float64(1), "LedgerAccountNumber": float64(1930),
		"Bban": "9999-1234567", "CurrencyCode": "SEK", "IsActive": true, "IsDefaultChequeAccount": true,
		"BankAccountTypeDescription": "ChequeAccount", "ModifiedUtc": stamp,
	})

	st.company = map[string]any{
		"Name": "Exempelbolaget Kopla AB", "CorporateIdentityNumber": "559999-0001", "VatCode": "SE559999000101",
		"Address1": "Exempelgatan 1", "PostalCode": "111 22", "City": "Stockholm", "CountryCode": "SE",
		"Phone": "08-000 00 00", "Email": "info@example.com", "Website": "https://www.example.com",
		"CurrencyCode": "SEK", "TermsOfPaymentId": DemoTermsOfPayment30, "BankGiro": "9999-9999",
		"ProductVariant": float64(1), "TypeOfBusiness": float64(1), "VatPeriod": float64(3), "CompanyStatus": float64(1),
		"CompanyIdentifier": demoID("company", "identifier"), "DomesticCurrencyRounding": float64(1),
		"AccountNumberDigits": float64(4), "UsesProject": true, "UsesCostCenter": true,
		"ShowPricesExclVatPC": false, "ShowContributionMargin": false, "UsesPaymentReferenceNumber": true,
		"UsesRotReducedInvoicing": false, "UsesReverseConstructionVat": false, "UsesMoss": false,
		"UseAutomaticVatCalculation": true, "UsePaymentFilesForOutgoingPayments": false, "KeepOriginalDraftDate": false,
		"ActivatedModules":   []any{"api_standard", "sales_standard", "accounting_standard"},
		"NextCustomerNumber": float64(1001), "NextArticleNumber": float64(1), "NextOrderNumber": float64(1),
		"NextQuoteNumber": float64(1), "NextSupplierNumber": float64(1), "NextCustomerInvoiceNumber": float64(1),
	}
	return nil
}
