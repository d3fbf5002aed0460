package eaccounting

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/kopla-dev/kopla/connectors"
)

// salesObject is a sales document (order, invoice draft, invoice): it can
// say what a document it is sent must total, and what a stored one totals
// (connectors.Verifier).
//
// The expected totals are computed from the sent rows as eAccounting
// prices them: a row's amount is Quantity x UnitPrice x (1 -
// DiscountPercentage), rounded to cents; its VAT rate is the rate of its
// article's account coding (VatRatePercent), or 0 for a zero-rated sale;
// unit prices include VAT when the customer is a private person and the
// company shows private persons prices including VAT (IncludesVat); the
// total of a document in the company's currency is rounded to whole units
// when the company setting DomesticCurrencyRounding is 1.
//
// The VAT treatment follows the customer card, as eAccounting's does
// (vatTreatment): zero-rated outside the EU (export, companies and private
// persons alike, unless the customer has ForceBookkeepVat) and to an EU
// company with a VAT number (reverse charge); the coding's VAT at home, to
// EU companies without a VAT number (the safe treatment) and to EU private
// persons, who pay the destination country's standard rate instead for an
// article that uses OSS when the company does (UsesMoss).
type salesObject struct {
	*writableObject
}

var _ connectors.PlannedVerifier = (*salesObject)(nil)

// salesDocuments are the objects that are salesObjects.
var salesDocuments = map[string]bool{"orders": true, "customerinvoicedrafts": true, "customerinvoices": true}

// pricing is the reference data verification needs, read once per
// connection: the VAT rate of every account coding and the company
// settings that change how documents are priced.
type pricing struct {
	once      sync.Once
	err       error
	rates     map[string]float64 // coding id -> VAT rate (0.25)
	country   string
	currency  string
	exclVatPC bool // ShowPricesExclVatPC
	rounding  bool // DomesticCurrencyRounding == 1
	oss       bool // UsesMoss
}

func (c *conn) pricing(ctx context.Context) (*pricing, error) {
	p := &c.prices
	p.once.Do(func() {
		codings, err := c.objects["articleaccountcodings"].(*object).all(ctx)
		if err != nil {
			p.err = fmt.Errorf("read article account codings: %w", err)
			return
		}
		p.rates = make(map[string]float64, len(codings))
		for _, r := range codings {
			p.rates[r.ID] = number(r.Fields["VatRatePercent"])
		}
		settings, err := c.objects["companysettings"].(*object).all(ctx)
		if err != nil || len(settings) == 0 {
			p.err = fmt.Errorf("read company settings: %w", err)
			return
		}
		s := settings[0].Fields
		p.country, _ = s["CountryCode"].(string)
		p.currency, _ = s["CurrencyCode"].(string)
		p.exclVatPC, _ = s["ShowPricesExclVatPC"].(bool)
		p.rounding = number(s["DomesticCurrencyRounding"]) == 1
		p.oss, _ = s["UsesMoss"].(bool)
	})
	return p, p.err
}

// ExpectedTotals computes what a document with the given fields must total.
func (o *salesObject) ExpectedTotals(ctx context.Context, fields map[string]any) (connectors.Totals, bool, error) {
	t, ok, err := o.expectedTotals(ctx, fields, nil, nil)
	return t.Totals, ok, err
}

// ExpectedTotalsPlanned computes what a document with the given fields
// must total, with the customer and articles the same apply creates as
// planned: a planned customer must say whether it is a private person, a
// planned article its account coding (CodingId), and under OSS whether it
// uses OSS (UsesMoss); the others are read.
func (o *salesObject) ExpectedTotalsPlanned(ctx context.Context, fields map[string]any, planned map[string]map[string]any) (connectors.DocumentTotals, bool, error) {
	return o.expectedTotals(ctx, fields, planned, nil)
}

var _ connectors.TotalsPreparer = (*salesObject)(nil)

// documentReads are the customers and articles a batch of documents
// needs, read at once (PrepareTotals), by id; nil for an id asked that
// does not exist.
type documentReads struct {
	customers, articles map[string]*connectors.Record
}

// PrepareTotals reads the customers and the articles of the documents in
// one Get each (split only as the $filter length requires), so that a plan
// of many documents prices each without reads of its own.
func (o *salesObject) PrepareTotals(ctx context.Context, docs []map[string]any) (connectors.Verifier, error) {
	var customerIDs, articleIDs []string
	for _, fields := range docs {
		if id, ok := fields["CustomerId"].(string); ok && id != "" {
			customerIDs = append(customerIDs, id)
		}
		articleIDs = appendArticleIDs(articleIDs, fields)
	}
	if _, err := o.c.pricing(ctx); err != nil {
		return nil, err
	}
	reads := &documentReads{}
	var err error
	if reads.customers, err = readByID(ctx, o.c.objects["customers"].(*writableObject), customerIDs); err != nil {
		return nil, err
	}
	if reads.articles, err = readByID(ctx, o.c.objects["articles"].(*writableObject), articleIDs); err != nil {
		return nil, err
	}
	return &preparedSales{o, reads}, nil
}

// readByID gets the records with the given ids, by id; an id with no
// record maps to nil.
func readByID(ctx context.Context, obj *writableObject, ids []string) (map[string]*connectors.Record, error) {
	out := make(map[string]*connectors.Record, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	recs, err := obj.Get(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		out[id] = nil
	}
	for i := range recs {
		out[recs[i].ID] = &recs[i]
	}
	return out, nil
}

// readThrough returns the records with the given ids, from reads when it
// asked for them already (nil reads: none did), else from one Get.
func readThrough(ctx context.Context, obj *writableObject, reads map[string]*connectors.Record, ids []string) ([]connectors.Record, error) {
	var out []connectors.Record
	var missing []string
	for _, id := range ids {
		rec, asked := reads[id]
		switch {
		case !asked:
			missing = append(missing, id)
		case rec != nil:
			out = append(out, *rec)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	recs, err := obj.Get(ctx, missing)
	if err != nil {
		return nil, err
	}
	return append(out, recs...), nil
}

// appendArticleIDs appends the article ids of a document's rows.
func appendArticleIDs(ids []string, fields map[string]any) []string {
	rows, _ := fields["Rows"].([]any)
	for _, x := range rows {
		if row, ok := x.(map[string]any); ok {
			if id, ok := row["ArticleId"].(string); ok && id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// preparedSales prices documents from the reads of PrepareTotals.
type preparedSales struct {
	o     *salesObject
	reads *documentReads
}

func (p *preparedSales) ExpectedTotals(ctx context.Context, fields map[string]any) (connectors.Totals, bool, error) {
	t, ok, err := p.o.expectedTotals(ctx, fields, nil, p.reads)
	return t.Totals, ok, err
}

func (p *preparedSales) ExpectedTotalsPlanned(ctx context.Context, fields map[string]any, planned map[string]map[string]any) (connectors.DocumentTotals, bool, error) {
	return p.o.expectedTotals(ctx, fields, planned, p.reads)
}

func (p *preparedSales) StoredTotals(rec connectors.Record) (connectors.Totals, bool) {
	return p.o.StoredTotals(rec)
}

// expectedTotals computes what a document with the given fields must
// total, with the records the same apply creates as planned, and the
// others from reads where they hold them.
func (o *salesObject) expectedTotals(ctx context.Context, fields map[string]any, planned map[string]map[string]any, reads *documentReads) (connectors.DocumentTotals, bool, error) {
	var t connectors.DocumentTotals
	customerID, _ := fields["CustomerId"].(string)
	rows, _ := fields["Rows"].([]any)
	if customerID == "" {
		return t, false, nil
	}
	p, err := o.c.pricing(ctx)
	if err != nil {
		return t, false, err
	}
	if reads == nil {
		reads = &documentReads{}
	}
	cust, isPlanned := planned[customerID]
	if isPlanned {
		if _, ok := cust["IsPrivatePerson"].(bool); !ok {
			return t, false, fmt.Errorf("the new customer's IsPrivatePerson: %w", connectors.ErrTotalsUnknown)
		}
	} else {
		customers, err := readThrough(ctx, o.c.objects["customers"].(*writableObject), reads.customers, []string{customerID})
		if err != nil {
			return t, false, err
		}
		if len(customers) == 0 {
			return t, false, fmt.Errorf("customer %s of the document does not exist", customerID)
		}
		cust = customers[0].Fields
	}
	private, _ := cust["IsPrivatePerson"].(bool)
	treatment := vatTreatmentOf(p, cust)
	includesVat := private && !p.exclVatPC

	t.Currency = documentCurrency(o.def.name, fields, cust, p.currency)
	var articleIDs []string
	codingOf := map[string]string{}
	ossArticle := map[string]bool{}
	for _, x := range rows {
		row, ok := x.(map[string]any)
		if !ok {
			continue
		}
		id, ok := row["ArticleId"].(string)
		if !ok || id == "" {
			continue
		}
		a, isPlanned := planned[id]
		if !isPlanned {
			articleIDs = append(articleIDs, id)
			continue
		}
		coding, ok := a["CodingId"].(string)
		if !ok || coding == "" {
			return t, false, fmt.Errorf("the account coding of new article %v: %w", a["Number"], connectors.ErrTotalsUnknown)
		}
		codingOf[id] = coding
		oss, known := a["UsesMoss"].(bool)
		if !known && treatment.ossRate > 0 {
			return t, false, fmt.Errorf("whether new article %v uses OSS: %w", a["Number"], connectors.ErrTotalsUnknown)
		}
		ossArticle[id] = oss
	}
	if len(articleIDs) > 0 {
		arts, err := readThrough(ctx, o.c.objects["articles"].(*writableObject), reads.articles, articleIDs)
		if err != nil {
			return t, false, err
		}
		for _, a := range arts {
			codingOf[a.ID], _ = a.Fields["CodingId"].(string)
			ossArticle[a.ID], _ = a.Fields["UsesMoss"].(bool)
		}
	}
	// Net and VAT are summed per rate, as the document's VAT
	// specification is, and rounded per rate.
	type sums struct{ net, vat float64 }
	byRate := map[float64]*sums{}
	var rates []float64
	for i, x := range rows {
		row, ok := x.(map[string]any)
		if !ok || row["IsTextRow"] == true {
			continue
		}
		id, _ := row["ArticleId"].(string)
		if id == "" {
			continue
		}
		coding, known := codingOf[id]
		if !known {
			return t, false, fmt.Errorf("article %s of the document does not exist", id)
		}
		rate := treatment.rate(p.rates[coding], ossArticle[id])
		amount := round2(number(row["Quantity"]) * number(row["UnitPrice"]) * (1 - number(row["DiscountPercentage"])))
		t.Rows = append(t.Rows, connectors.RowTotal{Row: i, Amount: amount, VATRate: rate})
		net := amount
		if includesVat {
			net = amount / (1 + rate)
		}
		s := byRate[rate]
		if s == nil {
			s = &sums{}
			byRate[rate] = s
			rates = append(rates, rate)
		}
		s.net += net
		s.vat += net * rate
	}
	for _, r := range rates {
		t.Net += round2(byRate[r].net)
		t.VAT += round2(byRate[r].vat)
	}
	t.Net, t.VAT = round2(t.Net), round2(t.VAT)
	t.Gross = round2(t.Net + t.VAT)
	if p.rounding && strings.EqualFold(t.Currency, p.currency) {
		t.Gross = math.Round(t.Gross + math.Copysign(1e-7, t.Gross)) // half away from zero
	}
	return t, true, nil
}

// documentCurrency is the currency a document is in: an order's
// CurrencyCode; a draft's or invoice's is the customer's (read-only).
func documentCurrency(object string, fields, customer map[string]any, home string) string {
	if object == "orders" {
		if c, ok := fields["CurrencyCode"].(string); ok && c != "" {
			return strings.ToUpper(c)
		}
	}
	if c, ok := customer["CurrencyCode"].(string); ok && c != "" {
		return strings.ToUpper(c)
	}
	return strings.ToUpper(home)
}

// vatTreatment is how the rows of a customer's documents are taxed.
type vatTreatment struct {
	zero    bool    // reverse charge or export
	ossRate float64 // the destination's standard rate for OSS articles; 0 when OSS does not apply
}

// vatTreatmentOf is the treatment of a customer's sales for a company in
// p.country.
func vatTreatmentOf(p *pricing, cust map[string]any) vatTreatment {
	country, _ := cust["InvoiceCountryCode"].(string)
	country = strings.ToUpper(strings.TrimSpace(country))
	if country == "" || strings.EqualFold(country, p.country) {
		return vatTreatment{}
	}
	private, _ := cust["IsPrivatePerson"].(bool)
	if !euCountries[country] {
		force, _ := cust["ForceBookkeepVat"].(bool)
		return vatTreatment{zero: !force} // export
	}
	if private {
		if p.oss {
			return vatTreatment{ossRate: ossStandardRates[country]}
		}
		return vatTreatment{}
	}
	vatNumber, _ := cust["VatNumber"].(string)
	return vatTreatment{zero: strings.TrimSpace(vatNumber) != ""}
}

// rate is the VAT rate of a row whose article's coding has codingRate.
func (v vatTreatment) rate(codingRate float64, ossArticle bool) float64 {
	switch {
	case v.zero:
		return 0
	case ossArticle && v.ossRate > 0 && codingRate > 0:
		return v.ossRate
	}
	return codingRate
}

// ossStandardRates are the EU member states' standard VAT rates on
// 1 January 2025: the rates of OSS sales to private persons in them.
var ossStandardRates = map[string]float64{
	"AT": 0.20, "BE": 0.21, "BG": 0.20, "CY": 0.19, "CZ": 0.21, "DE": 0.19, "DK": 0.25, "EE": 0.22, "ES": 0.21,
	"FI": 0.255, "FR": 0.20, "GR": 0.24, "HR": 0.25, "HU": 0.27, "IE": 0.23, "IT": 0.22, "LT": 0.21, "LU": 0.17,
	"LV": 0.21, "MT": 0.18, "NL": 0.21, "PL": 0.23, "PT": 0.23, "RO": 0.19, "SE": 0.25, "SI": 0.22, "SK": 0.23,
}

// euCountries are the EU member states by ISO code.
var euCountries = map[string]bool{
	"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "DK": true, "EE": true, "ES": true,
	"FI": true, "FR": true, "GR": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true, "LU": true,
	"LV": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SE": true, "SI": true, "SK": true,
}

// StoredTotals reads a stored document's totals. An order's Amount is its
// net total, or its total including VAT when IncludesVat; drafts and
// invoices carry the total to pay (TotalAmount, on invoices
// TotalAmountInvoiceCurrency) with their VAT and roundings.
func (o *salesObject) StoredTotals(rec connectors.Record) (connectors.Totals, bool) {
	f := rec.Fields
	var t connectors.Totals
	switch o.def.name {
	case "orders":
		amount, ok := f["Amount"]
		if !ok {
			return t, false
		}
		t.Currency, _ = f["CurrencyCode"].(string)
		t.VAT = number(f["VatAmount"])
		t.Net = number(amount)
		if f["IncludesVat"] == true {
			t.Net = round2(t.Net - t.VAT)
		}
		t.Gross = round2(t.Net + t.VAT + number(f["RoundingsAmount"]))
	case "customerinvoicedrafts":
		gross, ok := f["TotalAmount"]
		if !ok {
			return t, false
		}
		t.Currency, _ = f["InvoiceCurrencyCode"].(string)
		t.Gross, t.VAT = number(gross), number(f["TotalVatAmount"])
		t.Net = round2(t.Gross - t.VAT - number(f["TotalRoundings"]))
	case "customerinvoices":
		gross, ok := f["TotalAmountInvoiceCurrency"]
		if !ok {
			return t, false
		}
		t.Currency, _ = f["CurrencyCode"].(string)
		t.Gross, t.VAT = number(gross), number(f["TotalVatAmountInvoiceCurrency"])
		t.Net = round2(t.Gross - t.VAT - number(f["TotalRoundings"]))
	default:
		return t, false
	}
	t.Currency = strings.ToUpper(t.Currency)
	return t, true
}

func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	case int:
		return float64(x)
	}
	return 0
}

// round2 rounds to cents, half away from zero.
func round2(x float64) float64 {
	return math.Round(x*100+math.Copysign(1e-7, x)) / 100
}
