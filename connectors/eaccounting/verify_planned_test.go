package eaccounting

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// TestExpectedTotalsPlanned: a document whose customer and article the
// same apply creates totals, from those records as planned, what it totals
// once they exist; a planned record without what pricing needs leaves the
// totals unknown.
func TestExpectedTotalsPlanned(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := customer(1)
	cust["IsPrivatePerson"] = true
	existing := create(t, e.writer(t, "articles"), "Number", article(1))[0]
	reduced := article(2)
	reduced["CodingId"], reduced["GrossPrice"] = eaccountingtest.DemoCodingGoods12, 112.0
	orders := &salesObject{e.writer(t, "orders")}
	rows := func(second string) []any {
		return []any{
			map[string]any{"ArticleId": existing.ID, "Quantity": 2.0, "UnitPrice": 125.0},
			map[string]any{"ArticleId": second, "Quantity": 3.0, "UnitPrice": 112.0, "DiscountPercentage": 0.1},
			map[string]any{"Text": "Tack", "IsTextRow": true},
		}
	}

	planned, ok, err := orders.ExpectedTotalsPlanned(t.Context(), map[string]any{
		"CustomerId": "planned:0", "CurrencyCode": "SEK", "Rows": rows("planned:1"),
	}, map[string]map[string]any{"planned:0": cust, "planned:1": reduced})
	if err != nil || !ok {
		t.Fatalf("planned totals: %v, %v", ok, err)
	}

	c := create(t, e.writer(t, "customers"), "CustomerNumber", cust)[0]
	a := create(t, e.writer(t, "articles"), "Number", reduced)[0]
	real, ok, err := orders.ExpectedTotalsPlanned(t.Context(), map[string]any{
		"CustomerId": c.ID, "CurrencyCode": "SEK", "Rows": rows(a.ID),
	}, nil)
	if err != nil || !ok {
		t.Fatalf("totals once created: %v, %v", ok, err)
	}
	if diff := cmp.Diff(real, planned); diff != "" {
		t.Errorf("planned totals differ from those once created (-created +planned):\n%s", diff)
	}
	// A private person's prices include VAT: 250 at 25 % and 302.40 at 12 %.
	want := []connectors.RowTotal{{Row: 0, Amount: 250, VATRate: 0.25}, {Row: 1, Amount: 302.4, VATRate: 0.12}}
	if diff := cmp.Diff(want, planned.Rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}

	for name, pl := range map[string]map[string]map[string]any{
		"a customer that does not say whether it is a person": {"planned:0": {"Name": "X"}, "planned:1": reduced},
		"an article without its account coding":               {"planned:0": cust, "planned:1": {"Number": "ART-0002"}},
	} {
		_, _, err := orders.ExpectedTotalsPlanned(t.Context(), map[string]any{
			"CustomerId": "planned:0", "CurrencyCode": "SEK", "Rows": rows("planned:1"),
		}, pl)
		if !errors.Is(err, connectors.ErrTotalsUnknown) {
			t.Errorf("%s: err = %v; want ErrTotalsUnknown", name, err)
		}
	}
}
