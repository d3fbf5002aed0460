package eaccounting

import (
	"testing"

	"github.com/kopla-dev/kopla/connectors/connectortest"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

func TestConformanceCustomers(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	connectortest.RunConformance(t, connectortest.Harness{
		Object:    e.writer(t, "customers"),
		KeyField:  "CustomerNumber",
		NewFields: customer,
		Change: func(map[string]any) map[string]any {
			return map[string]any{"Name": "Changed Name AB", "Telephone": "+46 8 111 11 11"}
		},
		Invalid: func(i int) map[string]any {
			c := customer(i)
			c["VatNumber"] = "XX1" // not a VAT number: InvalidVatNumber
			return c
		},
		UnknownID: "00000000-0000-4000-8000-000000000000",
	})
}

func TestConformanceArticles(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	connectortest.RunConformance(t, connectortest.Harness{
		Object:    e.writer(t, "articles"),
		KeyField:  "Number",
		NewFields: article,
		Change: func(map[string]any) map[string]any {
			return map[string]any{"Name": "Renamed widget", "NetPrice": 200.0, "GrossPrice": 250.0}
		},
		Invalid: func(i int) map[string]any {
			a := article(i)
			a["UnitId"] = "00000000-0000-4000-8000-000000000000" // no such unit
			return a
		},
		UnknownID: "00000000-0000-4000-8000-000000000000",
	})
}
