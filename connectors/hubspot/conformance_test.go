package hubspot

import (
	"fmt"
	"testing"

	"github.com/kopla-dev/kopla/connectors/connectortest"
)

func TestConformance(t *testing.T) {
	for _, version := range []string{"2026-03", "v3"} {
		t.Run(version+"/contacts", func(t *testing.T) {
			e := newEnv(t, envConfig{version: version})
			connectortest.RunConformance(t, connectortest.Harness{
				Object:   e.object(t, "contacts"),
				KeyField: "email",
				NewFields: func(i int) map[string]any {
					return map[string]any{"email": fmt.Sprintf("conformance%d@example.com", i), "firstname": "Alex", "lastname": fmt.Sprint("Tester ", i)}
				},
				Change: func(f map[string]any) map[string]any {
					return map[string]any{"firstname": fmt.Sprint(f["firstname"], " Changed"), "city": "Malmö"}
				},
				Invalid: func(i int) map[string]any { return map[string]any{"email": fmt.Sprintf("not-an-email-%d", i)} },
			})
		})
		t.Run(version+"/products", func(t *testing.T) {
			e := newEnv(t, envConfig{version: version})
			connectortest.RunConformance(t, connectortest.Harness{
				Object:   e.object(t, "products"),
				KeyField: "hs_sku",
				NewFields: func(i int) map[string]any {
					return map[string]any{"hs_sku": fmt.Sprintf("SKU-%d", i), "name": fmt.Sprint("Widget ", i), "price": 10.5 + float64(i)}
				},
				Change: func(f map[string]any) map[string]any {
					return map[string]any{"price": f["price"].(float64) + 1, "description": "Now better"}
				},
				Invalid: func(i int) map[string]any {
					return map[string]any{"hs_sku": fmt.Sprintf("SKU-%d", i), "name": "Bad", "hs_product_type": "no_such_type"}
				},
			})
		})
	}
}
