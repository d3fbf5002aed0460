package eaccountingtest

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Seed adds records from JSON: an object whose keys are the collection
// names of the API paths ("customers", "articles", "termsofpayments", ...)
// with arrays of records in the API's own shape, plus "companysettings"
// with an object merged into the company settings. Records keep their Id
// (one is generated when missing); accounts are keyed by FiscalYearId and
// Number. Records are stored as given, without the validation of a POST,
// so that a seed can hold states the API cannot create (an invoice paid
// long ago). Seed is usually called after SeedDemoCompany.
//
//	{"customers": [{"Id": "…", "CustomerNumber": "1001", "Name": "Exempel AB", …}],
//	 "companysettings": {"NextCustomerInvoiceNumber": 500}}
func (s *Server) Seed(r io.Reader) error {
	var in map[string]json.RawMessage
	dec := json.NewDecoder(r)
	if err := dec.Decode(&in); err != nil {
		return fmt.Errorf("eaccountingtest: seed: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, name := range keys {
		raw := in[name]
		if name == "companysettings" {
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("eaccountingtest: seed companysettings: %w", err)
			}
			for k, v := range m {
				s.data.company[k] = v
			}
			continue
		}
		c := s.data.c(name)
		if c == nil {
			return fmt.Errorf("eaccountingtest: seed: unknown collection %q (use the API path name, e.g. \"customers\")", name)
		}
		var recs []map[string]any
		if err := json.Unmarshal(raw, &recs); err != nil {
			return fmt.Errorf("eaccountingtest: seed %s: %w", name, err)
		}
		for i, rec := range recs {
			rec = cloneRec(rec) // drops nulls
			id, _ := rec["Id"].(string)
			switch name {
			case "accounts":
				fy, _ := rec["FiscalYearId"].(string)
				number, _ := rec["Number"].(string)
				if fy == "" || number == "" {
					return fmt.Errorf("eaccountingtest: seed accounts[%d]: FiscalYearId and Number are required", i)
				}
				id = strings.ToLower(fy) + "/" + number
			case "countries", "currencies":
				code, _ := rec["Code"].(string)
				if code == "" {
					return fmt.Errorf("eaccountingtest: seed %s[%d]: Code is required", name, i)
				}
				id = code
			default:
				if id == "" {
					id = newUUID()
				} else if !isUUID(id) {
					return fmt.Errorf("eaccountingtest: seed %s[%d]: Id %q is not a GUID", name, i, id)
				}
				id = strings.ToLower(id)
				rec["Id"] = id
			}
			c.put(id, rec)
		}
	}
	return nil
}
