package sandbox

// The fixed vocabulary the demo generator draws from. Every name is invented
// for the demo; addresses use example.com and example.org, and phone numbers
// come from the ranges reserved for fiction where a country has one (PTS
// 070-174 06 xx in Sweden, 555-01xx in the US) or are zero-filled.

// country is one country the demo has customers in.
type country struct {
	code, name string // ISO 3166-1 alpha-2 and the English name HubSpot shows
	currency   string
	eu         bool
	// sekRate is the value of one unit of currency in SEK.
	sekRate float64
	cities  []city
	streets []string
	phone   string // prefix; two digits are appended
	// vatDigits is the number of digits after the country code in a VAT
	// number (0: no EU VAT number).
	vatDigits   int
	first, last []string
	// companies are the name stems and legal-form suffixes of companies.
	stems, forms []string
	// companies and privates are how many of each the demo has.
	companies, privates int
	// shipping is the shipping cost of a standard delivery, in currency.
	shipping float64
}

type city struct{ name, zip string }

var countries = []*country{
	{
		code: "SE", name: "Sweden", currency: "SEK", eu: true, sekRate: 1,
		cities:    []city{{"Stockholm", "114 35"}, {"Göteborg", "411 05"}, {"Malmö", "211 20"}, {"Uppsala", "753 10"}, {"Umeå", "903 26"}, {"Örebro", "702 10"}, {"Lund", "222 21"}},
		streets:   []string{"Storgatan", "Kungsgatan", "Drottninggatan", "Sjövägen", "Industrivägen", "Skolgatan", "Hamngatan", "Björkvägen"},
		phone:     "+46 70 174 06 ",
		vatDigits: 12,
		first:     []string{"Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Anders", "Emma", "Per", "Linnea", "Oskar", "Elin", "Mikael", "Frida", "Henrik", "Ida", "Gustav", "Maja", "Nils"},
		last:      []string{"Lindqvist", "Bergström", "Holm", "Sjöberg", "Ekström", "Nordin", "Forsberg", "Lundgren", "Wikström", "Dahl", "Hedlund", "Strand", "Sandberg", "Åberg", "Blom"},
		stems:     []string{"Nordljus", "Granskog", "Bergsmark", "Solvik", "Älvbacka", "Fjällbo", "Havsbris", "Kvarnudden", "Lövholmen", "Stenbron", "Ekhagen", "Sjöglimt", "Tallmo", "Björkvik"},
		forms:     []string{"Handel AB", "Interiör AB", "Café & Bageri AB", "Sport AB", "Design AB", "Bygg AB", "Textil AB", "Hem AB", "Trädgård AB", "Kontorsvaror AB"},
		companies: 11, privates: 5, shipping: 59,
	},
	{
		code: "FI", name: "Finland", currency: "EUR", eu: true, sekRate: 11.5,
		cities:    []city{{"Helsinki", "00100"}, {"Tampere", "33100"}, {"Turku", "20100"}},
		streets:   []string{"Mannerheimintie", "Hämeenkatu", "Satamakatu"},
		phone:     "+358 40 000 00",
		vatDigits: 8,
		first:     []string{"Aino", "Mikko", "Laura", "Juha", "Elina", "Ville"},
		last:      []string{"Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Laine", "Heikkinen"},
		stems:     []string{"Revontuli", "Koivula", "Järvimaa", "Kuusikko"},
		forms:     []string{"Oy", "Kauppa Oy"},
		companies: 2, privates: 1, shipping: 9.9,
	},
	{
		code: "DE", name: "Germany", currency: "EUR", eu: true, sekRate: 11.5,
		cities:    []city{{"Hamburg", "20095"}, {"Berlin", "10115"}, {"Köln", "50667"}},
		streets:   []string{"Hauptstraße", "Lindenallee", "Bahnhofstraße"},
		phone:     "+49 30 000 000",
		vatDigits: 9,
		first:     []string{"Lena", "Jonas", "Katrin", "Felix", "Sabine", "Tobias"},
		last:      []string{"Becker", "Schulz", "Hoffmann", "Wagner", "Krüger", "Vogel"},
		stems:     []string{"Lindenhof", "Bergquell", "Sonnental", "Waldrand"},
		forms:     []string{"GmbH", "Handel GmbH"},
		companies: 2, privates: 1, shipping: 9.9,
	},
	{
		code: "DK", name: "Denmark", currency: "DKK", eu: true, sekRate: 1.54,
		cities:    []city{{"København", "1050"}, {"Aarhus", "8000"}},
		streets:   []string{"Strandvejen", "Vestergade"},
		phone:     "+45 00 00 00 ",
		vatDigits: 8,
		first:     []string{"Mette", "Søren", "Freja", "Rasmus"},
		last:      []string{"Nielsen", "Jensen", "Kjær", "Møller"},
		stems:     []string{"Havnely", "Skovbryn"},
		forms:     []string{"ApS"},
		companies: 1, privates: 0, shipping: 75,
	},
	{
		code: "NO", name: "Norway", currency: "NOK", eu: false, sekRate: 1.0,
		cities:    []city{{"Oslo", "0150"}, {"Bergen", "5003"}, {"Tromsø", "9008"}},
		streets:   []string{"Storgata", "Fjordveien", "Kirkegata"},
		phone:     "+47 00 00 00 ",
		first:     []string{"Ingrid", "Magnus", "Silje", "Eirik", "Kari", "Sindre"},
		last:      []string{"Haugen", "Solberg", "Bakken", "Lie", "Dahle", "Moen"},
		stems:     []string{"Fjordlys", "Granli", "Solbakken", "Vikhaug"},
		forms:     []string{"AS"},
		companies: 2, privates: 1, shipping: 149,
	},
	{
		code: "US", name: "United States", currency: "USD", eu: false, sekRate: 10.8,
		cities:    []city{{"Portland", "97201"}, {"Madison", "53703"}, {"Burlington", "05401"}},
		streets:   []string{"Main Street", "Oak Avenue", "Harbor Road"},
		phone:     "+1 555 01",
		first:     []string{"Emily", "Jacob", "Olivia", "Ryan", "Hannah", "Logan"},
		last:      []string{"Parker", "Mitchell", "Carter", "Brooks", "Hayes", "Sutton"},
		stems:     []string{"Pinecrest", "Lakeview", "Maple Ridge", "Harbor Point"},
		forms:     []string{"Outfitters Inc.", "Goods LLC", "Supply Co."},
		companies: 2, privates: 2, shipping: 19,
	},
}

// catalogItem is one product of the demo store; prices are in SEK,
// excluding VAT.
type catalogItem struct {
	name, description string
	price, cost       float64
	// coding is the eAccounting article account coding: goods25, goods12,
	// services25.
	coding string
}

// catalog is the demo store's range. Product i has the SKU ART-(1001+i).
var catalog = []catalogItem{
	{"Ullfilt grå 130x170", "Mjuk filt i återvunnen ull, grå melerad.", 549, 210, "goods25"},
	{"Ullfilt natur 130x170", "Mjuk filt i återvunnen ull, naturvit.", 549, 210, "goods25"},
	{"Termos 0,5 l", "Dubbelväggig termos i rostfritt stål, håller värmen i 12 timmar.", 299, 95, "goods25"},
	{"Termos 1 l", "Dubbelväggig termos i rostfritt stål, håller värmen i 24 timmar.", 399, 130, "goods25"},
	{"Kaffebönor mörkrost 500 g", "Mörkrostade bönor med toner av choklad.", 119, 48, "goods12"},
	{"Kaffebönor ljusrost 500 g", "Ljusrostade bönor med toner av bär.", 119, 48, "goods12"},
	{"Örtte 100 g", "Ekologiskt örtte med nypon och mynta.", 79, 25, "goods12"},
	{"Havrekakor 300 g", "Bakade havrekakor med havssalt.", 49, 17, "goods12"},
	{"Emaljmugg blå", "Emaljerad mugg, 3,5 dl.", 129, 38, "goods25"},
	{"Emaljmugg vit", "Emaljerad mugg, 3,5 dl.", 129, 38, "goods25"},
	{"Skärbräda ek", "Skärbräda i massiv ek, 40x25 cm.", 349, 120, "goods25"},
	{"Kökshandduk linne 2-pack", "Handdukar i tvättat linne.", 199, 60, "goods25"},
	{"Doftljus skog", "Sojaljus med doft av gran, 40 timmar.", 229, 70, "goods25"},
	{"Ljuslykta glas", "Munblåst glaslykta för värmeljus.", 179, 55, "goods25"},
	{"Sittdyna fårskinn", "Rund sittdyna i fårskinn, 35 cm.", 449, 190, "goods25"},
	{"Vandringsryggsäck 28 l", "Lätt ryggsäck med ventilerad rygg.", 1190, 520, "goods25"},
	{"Regnjacka unisex", "Vattentät jacka med tejpade sömmar.", 1490, 640, "goods25"},
	{"Ullsockor 2-pack", "Varma sockor i merinoull.", 249, 80, "goods25"},
	{"Mössa merino", "Stickad mössa i merinoull.", 299, 95, "goods25"},
	{"Vantar ull", "Tovade vantar i ull.", 329, 110, "goods25"},
	{"Sittunderlag", "Vikbart sittunderlag i skum.", 149, 45, "goods25"},
	{"Stormkök kit", "Kompakt stormkök med två kastruller.", 899, 410, "goods25"},
	{"Pannlampa 300 lm", "Uppladdningsbar pannlampa.", 499, 190, "goods25"},
	{"Vattenflaska 0,75 l", "Flaska i rostfritt stål.", 249, 80, "goods25"},
	{"Hängmatta", "Lätt hängmatta med fästband.", 699, 260, "goods25"},
	{"Kokbok friluftsmat", "Recept för stormkök och öppen eld.", 289, 120, "goods25"},
	{"Presentkort 500 kr", "Presentkort att använda i butiken.", 500, 0, "goods25"},
	{"Monteringstjänst per timme", "Montering och installation hos kund.", 650, 0, "services25"},
	{"Utbildning friluftsliv halvdag", "Grundkurs i friluftsliv, halvdag.", 1950, 0, "services25"},
	{"Reparation av utrustning", "Reparation av tält och ryggsäckar, per styck.", 390, 0, "services25"},
}

// Order statuses, in the values a web shop sends to HubSpot orders.
var (
	paymentPlan = []string{
		"paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid", "paid",
		"pending", "pending", "pending", "failed", "failed", "refunded", "refunded", "partially_refunded",
	}
	// orderCountries is where the 20 orders' buyers live, in order.
	orderCountries = []string{"SE", "SE", "SE", "SE", "SE", "SE", "SE", "SE", "SE", "FI", "FI", "DE", "DE", "DK", "NO", "NO", "US", "US", "SE", "SE"}
)

// giftWrapSKU is the SKU of order 4002's gift wrap line, a product the web
// shop sells without a HubSpot product; with Options.BadRecord the line has
// invalidSKU instead: longer than the 40 characters an eAccounting article
// number may have, the demo's one deliberately bad record.
const (
	giftWrapSKU = "PRESENTINSLAGNING"
	invalidSKU  = "PRESENTINSLAGNING MED PERSONLIGT MEDDELANDE OCH KORT"
)
