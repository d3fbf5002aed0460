package plan

import (
	"encoding/json"
	"fmt"
)

// Totals are what a document created by the plan must total (net, VAT,
// gross, in its currency), as the target connector computes them from the
// fields planned (connectors.Verifier). Apply compares them with what the
// target stores.
type Totals struct {
	Currency string
	Net, VAT float64
	Gross    float64
	// Unknown is true when the totals depend on records the same apply
	// creates first (a new customer, a new article): they are known after
	// apply. Currency may still be known.
	Unknown bool
	// Error says why they cannot be computed (an article that does not
	// exist); the document is then verified after apply all the same.
	Error string
	// Rows are what the document's rows add, by index, when the target
	// prices them (text rows have none); nil when the totals are unknown.
	Rows []RowTotal
}

// RowTotal is what one row of a document adds: its amount (quantity x
// unit price less discount, in the document's prices) and its VAT rate
// (0.25 for 25 %).
type RowTotal struct {
	Row     int     `json:"row"`
	Amount  float64 `json:"amount"`
	VATRate float64 `json:"vat_rate"`
}

// Row returns the total of row i, or nil.
func (t *Totals) Row(i int) *RowTotal {
	if t == nil {
		return nil
	}
	for k := range t.Rows {
		if t.Rows[k].Row == i {
			return &t.Rows[k]
		}
	}
	return nil
}

// String is the totals as the plan shows them.
func (t *Totals) String() string {
	switch {
	case t.Error != "":
		return "totals cannot be computed: " + t.Error
	case t.Unknown:
		s := "net, VAT, gross " + Unknown
		if t.Currency != "" {
			s += " " + t.Currency
		}
		return s
	}
	return fmt.Sprintf("net %.2f, VAT %.2f, gross %.2f %s", t.Net, t.VAT, t.Gross, t.Currency)
}

// jsonTotals is Totals in JSON: amounts known after apply are the string
// Unknown, as field values are.
type jsonTotals struct {
	Currency string `json:"currency,omitempty"`
	Net      any    `json:"net"`
	VAT      any    `json:"vat"`
	Gross    any    `json:"gross"`
	Error    string `json:"error,omitempty"`
	// Rows were added after the format's first version: readers that do
	// not know them ignore them.
	Rows []RowTotal `json:"rows,omitempty"`
}

func (t Totals) MarshalJSON() ([]byte, error) {
	j := jsonTotals{Currency: t.Currency, Net: t.Net, VAT: t.VAT, Gross: t.Gross, Error: t.Error, Rows: t.Rows}
	if t.Unknown {
		j.Net, j.VAT, j.Gross = Unknown, Unknown, Unknown
	}
	return json.Marshal(j)
}

func (t *Totals) UnmarshalJSON(b []byte) error {
	var j jsonTotals
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*t = Totals{Currency: j.Currency, Error: j.Error, Rows: j.Rows}
	amount := func(v any, to *float64) {
		switch x := v.(type) {
		case float64:
			*to = x
		case string:
			t.Unknown = t.Unknown || x == Unknown
		}
	}
	amount(j.Net, &t.Net)
	amount(j.VAT, &t.VAT)
	amount(j.Gross, &t.Gross)
	return nil
}
