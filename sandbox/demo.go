package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// DefaultSeed is the demo generator seed used when Options.Seed is 0.
const DefaultSeed = 20260301

// HubSpot ids of the demo records start at these numbers.
const (
	firstContactID  = 1001
	firstCompanyID  = 2001
	firstProductID  = 3001
	firstOrderID    = 4001
	firstLineItemID = 5001
	firstDealID     = 6001
)

// HubSpot-defined association type ids the demo uses (reference section 8.2).
const (
	assocContactToCompanyPrimary = 1
	assocDealToContact           = 3
	assocDealToCompanyPrimary    = 5
	assocDealToLineItem          = 19
	assocOrderToContact          = 507
	assocOrderToCompanyPrimary   = 509
	assocOrderToLineItem         = 513
)

// hsSeed is the JSON hubspottest.Server.Seed reads.
type hsSeed struct {
	Properties   map[string][]hsProperty `json:"properties"`
	Objects      map[string][]hsObject   `json:"objects"`
	Associations []hsAssociation         `json:"associations"`
}

type hsProperty struct {
	Name           string     `json:"name"`
	Label          string     `json:"label"`
	Type           string     `json:"type"`
	FieldType      string     `json:"fieldType"`
	GroupName      string     `json:"groupName"`
	Description    string     `json:"description,omitempty"`
	HasUniqueValue bool       `json:"hasUniqueValue,omitempty"`
	Options        []hsOption `json:"options,omitempty"`
}

type hsOption struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type hsObject struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
}

type hsAssociation struct {
	From   string `json:"from"`
	To     string `json:"to"`
	TypeID int    `json:"typeId"`
}

// eaInput is what the demo adds to the eAccounting demo company, as API
// request bodies: the sandbox creates them through the fake's own API so
// that every derived value (prices, totals, VAT, OCR numbers) is the fake's.
type eaInput struct {
	Customers []map[string]any `json:"customers"`
	Articles  []map[string]any `json:"articles"`
	Invoices  []eaInvoice      `json:"customerinvoices"`
}

// eaInvoice is one customer invoice and the payment registered on it.
type eaInvoice struct {
	Body map[string]any `json:"invoice"`
	// Paid is the amount paid (invoice currency); 0 leaves it unpaid.
	Paid float64 `json:"paid,omitempty"`
}

// demo is the generated demo data.
type demo struct {
	HubSpot     hsSeed  `json:"hubspot"`
	EAccounting eaInput `json:"eaccounting"`
}

// customProperties are the HubSpot properties the flows need beyond the
// standard ones; the package documentation lists them.
func customProperties() map[string][]hsProperty {
	group := "kopla"
	text := func(name, label, desc string, unique bool) hsProperty {
		return hsProperty{Name: name, Label: label, Type: "string", FieldType: "text", GroupName: group, Description: desc, HasUniqueValue: unique}
	}
	customerNo := text("eaccounting_customer_number", "eAccounting customer number", "CustomerNumber of the eAccounting customer, written back by kopla.", true)
	costCenter := text("eaccounting_cost_center", "eAccounting cost centre", "ShortName of the eAccounting cost centre item the rows of the orders are booked on.", false)
	costUnit := text("eaccounting_cost_unit", "eAccounting cost unit", "ShortName of the eAccounting cost centre item of dimension 2 the rows of the orders are booked on.", false)
	return map[string][]hsProperty{
		"contacts":  {customerNo, costCenter, costUnit},
		"companies": {customerNo, text("vat_number", "VAT number", "EU VAT registration number.", false), costCenter, costUnit},
		"products": {
			text("gtin", "EAN/GTIN", "GTIN-13 bar code.", true),
			{Name: "stock_quantity", Label: "Stock quantity", Type: "number", FieldType: "number", GroupName: group, Description: "Stock balance from eAccounting."},
		},
		"orders": {
			text("eaccounting_order_number", "eAccounting order number", "Number of the eAccounting order or invoice created from this order, written back by kopla.", true),
			text("eaccounting_invoice_number", "eAccounting invoice number", "InvoiceNumber of the eAccounting invoice, written back by kopla.", false),
			{Name: "eaccounting_payment_status", Label: "eAccounting payment status", Type: "enumeration", FieldType: "select", GroupName: group,
				Description: "Payment status of the eAccounting invoice.",
				Options:     []hsOption{{"Unpaid", "unpaid"}, {"Overdue", "overdue"}, {"Paid", "paid"}}},
		},
		"invoices": {
			text("eaccounting_invoice_id", "eAccounting invoice id", "Id of the eAccounting invoice this HubSpot invoice mirrors, written by kopla.", true),
		},
	}
}

// generator builds the demo from a seed; it is deterministic for a given
// seed and time.
type generator struct {
	r    *rand.Rand
	now  time.Time
	out  demo
	used map[string]bool // e-mail addresses and names already taken

	companies []*company
	persons   []*person
	nextLine  int
	badRecord bool // the gift wrap line has invalidSKU, not giftWrapSKU
}

type company struct {
	id, name, domain, phone, vat string
	addr                         address
	c                            *country
	contacts                     []*person
}

type person struct {
	id, first, last, email, phone, title string
	addr                                 address
	c                                    *country
	company                              *company
}

type address struct {
	street string
	city   city
}

func (p *person) name() string { return p.first + " " + p.last }

// generate returns the demo for seed at time now; badRecord gives order
// 4002's gift wrap line the SKU eAccounting cannot take (Options.BadRecord).
func generate(seed int64, now time.Time, badRecord bool) *demo {
	g := &generator{
		r:         rand.New(rand.NewPCG(uint64(seed), 0x6b6f706c61)),
		now:       now.UTC().Truncate(time.Minute),
		used:      map[string]bool{},
		badRecord: badRecord,
	}
	g.out.HubSpot = hsSeed{Properties: customProperties(), Objects: map[string][]hsObject{}}
	g.people()
	g.products()
	g.orders()
	g.deals()
	g.eaccounting()
	return &g.out
}

func (g *generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

// past returns a time between min and max days before now, on a whole minute.
func (g *generator) past(minDays, maxDays int) time.Time {
	minutes := minDays*24*60 + g.r.IntN((maxDays-minDays)*24*60+1)
	return g.now.Add(-time.Duration(minutes) * time.Minute)
}

func (g *generator) add(typ string, id int, props map[string]string, created time.Time) {
	updated := created
	if d := g.now.Sub(created); d > time.Hour {
		updated = created.Add(time.Duration(g.r.Int64N(int64(d/time.Minute))) * time.Minute)
	}
	g.out.HubSpot.Objects[typ] = append(g.out.HubSpot.Objects[typ], hsObject{
		ID: strconv.Itoa(id), Properties: props, CreatedAt: created, UpdatedAt: updated,
	})
}

func (g *generator) link(from string, fromID int, to string, toID, typeID int) {
	g.linkID(from, fromID, to, strconv.Itoa(toID), typeID)
}

// linkID links to a record by its ID as the demo stores it.
func (g *generator) linkID(from string, fromID int, to, toID string, typeID int) {
	g.out.HubSpot.Associations = append(g.out.HubSpot.Associations, hsAssociation{
		From: from + "/" + strconv.Itoa(fromID), To: to + "/" + toID, TypeID: typeID,
	})
}

func (g *generator) address(c *country) address {
	return address{street: fmt.Sprintf("%s %d", g.pick(c.streets), 1+g.r.IntN(98)), city: c.cities[g.r.IntN(len(c.cities))]}
}

func (g *generator) phone(c *country) string { return fmt.Sprintf("%s%02d", c.phone, g.r.IntN(100)) }

// newPerson draws a person whose name and e-mail address are not taken yet.
func (g *generator) newPerson(c *country, domain string) *person {
	for {
		p := &person{c: c, first: g.pick(c.first), last: g.pick(c.last)}
		email := slug(p.first) + "." + slug(p.last) + "@" + domain
		if g.used[p.name()] || g.used[email] {
			continue
		}
		g.used[p.name()], g.used[email] = true, true
		p.email, p.phone = email, g.phone(c)
		return p
	}
}

var jobTitles = []string{"VD", "Inköpare", "Ekonomiansvarig", "Butikschef", "Projektledare", "Purchasing manager", "CFO", "Office manager"}

// people makes the companies, their contacts and the private persons.
func (g *generator) people() {
	for _, c := range countries {
		stems := slices.Clone(c.stems)
		g.r.Shuffle(len(stems), func(i, j int) { stems[i], stems[j] = stems[j], stems[i] })
		for i := range c.companies {
			co := &company{
				c: c, name: stems[i] + " " + g.pick(c.forms), domain: slug(stems[i]) + ".example.com",
				phone: g.phone(c), addr: g.address(c),
			}
			if c.vatDigits > 0 {
				co.vat = c.code + digits(g.r, c.vatDigits)
				if c.code == "SE" {
					co.vat = "SE559" + digits(g.r, 7) + "01" // an organisation number, then 01
				}
			}
			for range 2 {
				p := g.newPerson(c, co.domain)
				p.company, p.addr, p.title = co, co.addr, g.pick(jobTitles)
				co.contacts = append(co.contacts, p)
				g.persons = append(g.persons, p)
			}
			g.companies = append(g.companies, co)
		}
		for range c.privates {
			p := g.newPerson(c, "example.org")
			p.addr = g.address(c)
			g.persons = append(g.persons, p)
		}
	}
	industries := []string{"RETAIL", "RESTAURANTS", "CONSTRUCTION", "DESIGN", "SPORTING_GOODS", "APPAREL_FASHION", "WHOLESALE"}
	for i, co := range g.companies {
		co.id = strconv.Itoa(firstCompanyID + i)
		props := map[string]string{
			"name": co.name, "domain": co.domain, "phone": co.phone, "address": co.addr.street, "city": co.addr.city.name,
			"zip": co.addr.city.zip, "country": co.c.name, "industry": g.pick(industries), "lifecyclestage": "customer",
			"numberofemployees": strconv.Itoa(2 + g.r.IntN(80)), "website": "https://www." + co.domain,
		}
		if co.vat != "" {
			props["vat_number"] = co.vat
		}
		// Some companies book their sales on a cost centre and cost unit
		// of their own (the demo's cost centre items); the rest fall back
		// to the settings. Drawn from the index, not the random source, so
		// that the rest of the demo stays as it was.
		switch i % 4 {
		case 1:
			props["eaccounting_cost_center"], props["eaccounting_cost_unit"] = "SALJ", "NORD"
		case 3:
			props["eaccounting_cost_center"], props["eaccounting_cost_unit"] = "SUPP", "SYD"
		}
		g.add("companies", firstCompanyID+i, props, g.past(120, 700))
	}
	for i, p := range g.persons {
		p.id = strconv.Itoa(firstContactID + i)
		props := map[string]string{
			"email": p.email, "firstname": p.first, "lastname": p.last, "phone": p.phone,
			"address": p.addr.street, "city": p.addr.city.name, "zip": p.addr.city.zip, "country": p.c.name,
			"lifecyclestage": "customer",
		}
		if p.company != nil {
			props["company"], props["jobtitle"] = p.company.name, p.title
		}
		g.add("contacts", firstContactID+i, props, g.past(60, 600))
		if p.company != nil {
			g.link("contacts", firstContactID+i, "companies", firstCompanyID+slices.Index(g.companies, p.company), assocContactToCompanyPrimary)
		}
	}
}

// products makes the store's catalogue.
func (g *generator) products() {
	for i, it := range catalog {
		props := map[string]string{
			"name": it.name, "hs_sku": sku(i), "price": money(it.price), "description": it.description,
		}
		switch {
		case it.coding == "services25":
			props["hs_product_type"] = "service"
		case it.cost == 0:
			props["hs_product_type"] = "non_inventory"
		default:
			props["hs_product_type"] = "inventory"
			props["hs_cost_of_goods_sold"] = money(it.cost)
			props["gtin"] = gtin(g.r)
			props["stock_quantity"] = strconv.Itoa(g.r.IntN(120))
		}
		g.add("products", firstProductID+i, props, g.past(200, 900))
	}
}

func sku(i int) string { return "ART-" + strconv.Itoa(1001+i) }

// line is one order or deal line.
type line struct {
	item            int // catalog index; -1 for the gift wrap line (invalid with Options.BadRecord)
	qty             int
	price           float64 // unit price in the document currency
	pct, unitDisc   float64
	amount, taxRate float64
}

func (g *generator) newLine(item int, c *country) line {
	l := line{item: item, qty: 1 + g.r.IntN(3), price: round2(catalog[item].price / c.sekRate)}
	if g.r.IntN(10) == 0 {
		l.qty += 3
	}
	switch g.r.IntN(10) {
	case 0, 1:
		l.pct = 10
	case 2:
		l.unitDisc = round2(l.price * 0.05)
	}
	return l
}

// lineItem adds a line item and returns its id.
func (g *generator) lineItem(l line, currency string, created time.Time) int {
	id := firstLineItemID + g.nextLine
	g.nextLine++
	props := map[string]string{
		"quantity": strconv.Itoa(l.qty), "price": money(l.price), "hs_line_item_currency_code": currency,
	}
	if l.item >= 0 {
		props["name"], props["hs_sku"], props["hs_product_id"] = catalog[l.item].name, sku(l.item), strconv.Itoa(firstProductID+l.item)
	} else {
		props["name"], props["hs_sku"] = "Presentinslagning med hälsning", giftWrapSKU
		if g.badRecord {
			props["hs_sku"] = invalidSKU
		}
	}
	if l.pct > 0 {
		props["hs_discount_percentage"] = money(l.pct)
	}
	if l.unitDisc > 0 {
		props["discount"] = money(l.unitDisc)
	}
	if l.taxRate > 0 {
		props["hs_tax_rate"] = money(l.taxRate * 100)
		props["hs_tax_amount"] = money(round2(l.amount * l.taxRate))
	}
	g.add("line_items", id, props, created)
	return id
}

func vatRate(item int) float64 {
	if item < 0 || catalog[item].coding == "goods12" {
		return 0.12 // the invalid line is a gift wrap sold with food
	}
	return 0.25
}

// orders makes the 20 web-shop orders with their line items.
func (g *generator) orders() {
	plan := slices.Clone(paymentPlan[3:])
	g.r.Shuffle(len(plan), func(i, j int) { plan[i], plan[j] = plan[j], plan[i] })
	statuses := append([]string{"paid", "paid", "paid"}, plan...)
	methods := []string{"card", "card", "invoice", "paypal"}
	for i, code := range orderCountries {
		c := mustCountry(code)
		id := firstOrderID + i
		var buyer *person
		switch i {
		case 0: // the contact whose company is already an eAccounting customer
			buyer = g.companiesIn("SE")[0].contacts[0]
		case 1, 2: // 1: a private person, with the invalid line; 2: a guest without contact
			buyer = g.privatesIn("SE")[0]
		default:
			in := g.personsIn(code)
			buyer = in[g.r.IntN(len(in))]
		}
		created := g.past(1, 45)
		taxable := code == "SE" || (c.eu && buyer.company == nil)
		status := statuses[i]

		// Lines: distinct goods from the catalogue (not services).
		n := 1 + g.r.IntN(4)
		items := g.r.Perm(27)[:n]
		var lines []line
		for _, it := range items {
			lines = append(lines, g.newLine(it, c))
		}
		if i == 1 {
			lines = append(lines, line{item: -1, qty: 1, price: 49})
		}
		var subtotal, lineTax float64
		for k := range lines {
			l := &lines[k]
			l.amount = round2(float64(l.qty) * (l.price - l.unitDisc) * (1 - l.pct/100))
			if taxable {
				l.taxRate = vatRate(l.item)
			}
			subtotal += l.amount
			lineTax += l.amount * l.taxRate
		}
		subtotal = round2(subtotal)
		discount, codes := 0.0, ""
		if i > 2 && g.r.IntN(4) == 0 {
			discount, codes = round2(subtotal*0.10), "WELCOME10"
		}
		method := []string{"standard", "standard", "standard", "express", "pickup"}[g.r.IntN(5)]
		shipping := c.shipping
		switch {
		case method == "express":
			shipping *= 2
		case method == "pickup" || (code == "SE" && subtotal >= 1000):
			shipping = 0
		}
		tax := 0.0
		if taxable {
			tax = round2(lineTax*(1-discount/subtotal) + shipping*0.25)
		}
		props := map[string]string{
			"hs_order_name": fmt.Sprintf("Webborder %d", 1001+i), "hs_external_order_id": fmt.Sprintf("WEB-%d", 1001+i),
			"hs_source_store": "Kopla Demo Store", "hs_currency_code": c.currency,
			"hs_payment_status": status, "hs_fulfillment_status": fulfillment(g.r, status),
			"hs_payment_processing_method": g.pick(methods), "hs_shipping_method": method,
			"hs_subtotal_price": money(subtotal), "hs_shipping_cost": money(shipping), "hs_tax": money(tax),
			"hs_total_price":             money(round2(subtotal - discount + shipping + tax)),
			"hs_external_created_date":   created.Format(time.RFC3339),
			"hs_buyer_accepts_marketing": strconv.FormatBool(g.r.IntN(2) == 0),
		}
		if c.currency != "SEK" {
			props["hs_exchange_rate"] = money(c.sekRate)
		}
		if discount > 0 {
			props["hs_order_discount"], props["hs_discount_codes"] = money(discount), codes
		}
		if status == "paid" || status == "partially_refunded" || status == "refunded" {
			props["hs_processed_date"] = created.Add(10 * time.Minute).Format(time.RFC3339)
		}
		// Billing address: the buyer's; shipping address: the same, or now
		// and then somewhere else.
		billName := buyer.name()
		if buyer.company != nil {
			billName = buyer.company.name
		}
		bill := map[string]string{
			"firstname": buyer.first, "lastname": buyer.last, "name": billName, "email": buyer.email, "phone": buyer.phone,
			"street": buyer.addr.street, "city": buyer.addr.city.name, "postal_code": buyer.addr.city.zip, "country": c.code,
		}
		if i == 2 { // a guest: a name and address, but no e-mail and no contact
			bill = map[string]string{"firstname": "Gäst", "lastname": "Kund", "name": "Gäst Kund", "street": "Torget 3",
				"city": "Stockholm", "postal_code": "111 22", "country": "SE"}
		}
		for k, v := range bill {
			props["hs_billing_address_"+k] = v
		}
		ship := address{street: bill["street"], city: city{bill["city"], bill["postal_code"]}}
		shipName := bill["firstname"] + " " + bill["lastname"]
		if i > 2 && g.r.IntN(5) == 0 {
			ship, shipName = g.address(c), g.newPerson(c, "example.org").name()
		}
		props["hs_shipping_address_name"], props["hs_shipping_address_street"] = shipName, ship.street
		props["hs_shipping_address_city"], props["hs_shipping_address_postal_code"] = ship.city.name, ship.city.zip
		props["hs_shipping_address_country"], props["hs_shipping_address_phone"] = c.code, bill["phone"]
		if props["hs_shipping_address_phone"] == "" {
			delete(props, "hs_shipping_address_phone")
		}
		g.add("orders", id, props, created)

		for _, l := range lines {
			g.link("orders", id, "line_items", g.lineItem(l, c.currency, created), assocOrderToLineItem)
		}
		if i != 2 {
			g.linkID("orders", id, "contacts", buyer.id, assocOrderToContact)
			if buyer.company != nil {
				g.linkID("orders", id, "companies", buyer.company.id, assocOrderToCompanyPrimary)
			}
		}
	}
}

func fulfillment(r *rand.Rand, payment string) string {
	switch payment {
	case "paid":
		return []string{"packing", "shipped", "delivered"}[r.IntN(3)]
	case "pending":
		return "unfulfilled"
	case "failed":
		return "cancelled"
	case "refunded":
		return "returned"
	}
	return "delivered"
}

// deals makes a few B2B deals with line items (services and goods).
func (g *generator) deals() {
	stages := []string{"closedwon", "closedwon", "contractsent", "presentationscheduled"}
	cos := g.companiesIn("SE")
	for i, stage := range stages {
		co := cos[1+i]
		id := firstDealID + i
		created := g.past(10, 90)
		lines := []line{{item: 27 + g.r.IntN(3), qty: 2 + g.r.IntN(6)}, g.newLine(g.r.IntN(27), mustCountry("SE"))}
		lines[0].price = catalog[lines[0].item].price
		total := 0.0
		for k := range lines {
			l := &lines[k]
			l.amount = round2(float64(l.qty) * (l.price - l.unitDisc) * (1 - l.pct/100))
			total += l.amount
		}
		closeDate := g.now.AddDate(0, 0, 14*(i-1)).Truncate(24 * time.Hour)
		g.add("deals", id, map[string]string{
			"dealname": co.name + " – " + catalog[lines[0].item].name, "pipeline": "default", "dealstage": stage,
			"amount": money(round2(total)), "deal_currency_code": "SEK", "closedate": closeDate.Format(time.RFC3339),
		}, created)
		for _, l := range lines {
			g.link("deals", id, "line_items", g.lineItem(l, "SEK", created), assocDealToLineItem)
		}
		g.linkID("deals", id, "contacts", co.contacts[0].id, assocDealToContact)
		g.linkID("deals", id, "companies", co.id, assocDealToCompanyPrimary)
	}
}

// eaccounting makes the customers, articles and invoices the demo company
// has before kopla runs.
func (g *generator) eaccounting() {
	out := &g.out.EAccounting
	customer := func(number, name string, private bool, email string, a address, c *country, vat string) {
		rec := map[string]any{
			"CustomerNumber": number, "Name": name, "IsPrivatePerson": private, "IsActive": true,
			"InvoiceAddress1": a.street, "InvoicePostalCode": a.city.zip,
			"InvoiceCity": a.city.name, "InvoiceCountryCode": c.code, "CurrencyCode": c.currency,
			"TermsOfPaymentId": eaccountingtest.DemoTermsOfPayment30,
		}
		if email != "" {
			rec["EmailAddress"] = email
		}
		if vat != "" {
			rec["VatNumber"] = vat
		}
		out.Customers = append(out.Customers, rec)
	}
	se := mustCountry("SE")
	// 1000 is the default debtor: orders without a customer go there.
	customer("1000", "Diverse webbkunder", true, "", address{"Exempelgatan 1", city{"Stockholm", "111 22"}}, se, "")
	co := g.companiesIn("SE")[0]
	customer("1001", co.name, false, co.contacts[0].email, co.addr, se, co.vat)
	out.Customers[1]["ContactPersonName"] = co.contacts[0].name()
	pp := g.privatesIn("SE")[0]
	customer("1002", pp.name(), true, pp.email, pp.addr, se, "")
	// Customers that are not in HubSpot, from the stems no company took.
	taken := map[string]bool{}
	for _, c := range g.companiesIn("SE") {
		taken[strings.Fields(c.name)[0]] = true
	}
	n := 1003
	for _, stem := range se.stems {
		if taken[stem] || n > 1005 {
			continue
		}
		domain := slug(stem) + ".example.com"
		customer(strconv.Itoa(n), stem+" Konsult AB", false, "info@"+domain, g.address(se), se, "SE559"+digits(g.r, 7)+"01")
		n++
	}

	// Articles: the first six HubSpot products (one at an older price),
	// three the web shop does not sell, and the freight article.
	codings := map[string]string{
		"goods25": eaccountingtest.DemoCodingGoods25, "goods12": eaccountingtest.DemoCodingGoods12,
		"services25": eaccountingtest.DemoCodingServices25, "freight": eaccountingtest.DemoCodingFreight,
	}
	article := func(number, name string, price float64, coding string, stock int, barcode string) {
		rec := map[string]any{
			"Number": number, "Name": name, "NetPrice": price, "CodingId": codings[coding], "IsActive": true,
			"UnitId": eaccountingtest.DemoUnitPiece, "IsStock": stock >= 0,
		}
		if coding == "services25" {
			rec["UnitId"] = eaccountingtest.DemoUnitHour
		}
		if stock >= 0 {
			rec["StockBalance"] = float64(stock)
		}
		if barcode != "" {
			rec["Barcodes"] = []any{map[string]any{"Barcode": barcode, "BarcodeType": float64(0)}}
		}
		out.Articles = append(out.Articles, rec)
	}
	products := g.out.HubSpot.Objects["products"]
	for i := range 6 {
		price := catalog[i].price
		if i == 2 {
			price -= 20 // the web shop raised it since: the articles flow updates it
		}
		article(sku(i), catalog[i].name, price, catalog[i].coding, g.r.IntN(60), products[i].Properties["gtin"])
	}
	article("ART-2001", "Vedkorg i filt", 459, "goods25", g.r.IntN(30), gtin(g.r))
	article("ART-2002", "Tältlampa LED", 189, "goods25", g.r.IntN(30), gtin(g.r))
	article("ART-2003", "Serviceavtal utrustning, år", 1200, "services25", -1, "")
	article("FRAKT", "Frakt", 0, "freight", -1, "")

	// Invoices of customers 1001 and 1003-1005: two paid, one partly paid
	// and overdue, one overdue, one open.
	for k, inv := range []struct {
		customer int
		daysAgo  int
		paid     string // "", "full", "half"
	}{{1, 60, "full"}, {3, 40, "full"}, {4, 45, "half"}, {5, 38, ""}, {1, 8, ""}} {
		var rows []any
		for j, it := range g.r.Perm(6)[:1+g.r.IntN(3)] {
			row := map[string]any{"ArticleNumber": sku(it), "Quantity": float64(1 + g.r.IntN(4)), "LineNumber": float64(j)}
			if g.r.IntN(4) == 0 {
				row["DiscountPercentage"] = 0.1
			}
			rows = append(rows, row)
		}
		date := g.now.AddDate(0, 0, -inv.daysAgo)
		body := map[string]any{
			"CustomerNumber": out.Customers[inv.customer]["CustomerNumber"], "InvoiceDate": date.Format(time.DateOnly),
			"YourReference": fmt.Sprintf("Beställning %d", 901+k), "Rows": rows,
			"EuThirdParty": false, "RotReducedInvoicingType": float64(0),
		}
		out.Invoices = append(out.Invoices, eaInvoice{Body: body, Paid: map[string]float64{"full": 1, "half": 0.5}[inv.paid]})
	}
}

func (g *generator) companiesIn(code string) []*company {
	var out []*company
	for _, c := range g.companies {
		if c.c.code == code {
			out = append(out, c)
		}
	}
	return out
}

func (g *generator) privatesIn(code string) []*person {
	var out []*person
	for _, p := range g.persons {
		if p.c.code == code && p.company == nil {
			out = append(out, p)
		}
	}
	return out
}

func (g *generator) personsIn(code string) []*person {
	var out []*person
	for _, p := range g.persons {
		if p.c.code == code {
			out = append(out, p)
		}
	}
	return out
}

// mustCountry returns the demo country of code and panics on an unknown
// one: the codes are constants of this package.
func mustCountry(code string) *country {
	for _, c := range countries {
		if c.code == code {
			return c
		}
	}
	panic("sandbox: unknown demo country " + code)
}

// slug turns a name into an e-mail local part or domain label.
func slug(s string) string {
	r := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "ü", "u", "ø", "o", "æ", "ae", "é", "e", " ", "-", "&", "och")
	return r.Replace(strings.ToLower(s))
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// gtin returns a GTIN-13 with a valid check digit in the 20-29 prefix
// range, which GS1 keeps for in-store numbering (never a real product).
func gtin(r *rand.Rand) string {
	s := "2" + digits(r, 11)
	sum := 0
	for i, c := range s {
		d := int(c - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return s + strconv.Itoa((10-sum%10)%10)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func money(v float64) string { return strconv.FormatFloat(round2(v), 'f', -1, 64) }

// demoID is a stable GUID for an eAccounting demo record.
func demoID(kind, key string) string {
	sum := sha256.Sum256([]byte("kopla-sandbox/" + kind + "/" + key))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
