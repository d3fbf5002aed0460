package scenario

import (
	"testing"
)

// TestCostCentrePerCustomer: the rows of an order are booked on the cost
// centre and cost unit of its customer's HubSpot company
// (eaccounting_cost_center, eaccounting_cost_unit: ShortNames of cost
// centre items), and on the settings cost_center and cost_unit where the
// company has none, or the buyer is a private person. The demo has
// companies with SALJ/NORD, others with SUPP/SYD, the rest with none.
func TestCostCentrePerCustomer(t *testing.T) {
	w := newWorld(t)
	w.vars["cost_center"] = "ADM"
	d := readDemo(w)
	contacts := w.read("hubspot", "contacts", "companies")
	companies := w.read("hubspot", "companies")
	items := map[string]string{}
	for id, it := range w.read("eaccounting", "costcenteritems") {
		items[str(it["ShortName"])] = id
	}

	w.apply()
	booked := w.read("eaccounting", "orders")

	// What each order's rows must carry: its contact's company's items,
	// else the settings' (cost_unit is empty: no item).
	want := func(o map[string]any) (cc1, cc2 string, company string) {
		cc1 = items["ADM"]
		contact := first(list(o["contacts"]))
		if contact == nil {
			return cc1, "", ""
		}
		co := first(list(contacts[str(contact["id"])]["companies"]))
		if co == nil {
			return cc1, "", ""
		}
		props := companies[str(co["id"])]
		if s := str(props["eaccounting_cost_center"]); s != "" {
			cc1 = items[s]
		}
		if s := str(props["eaccounting_cost_unit"]); s != "" {
			cc2 = items[s]
		}
		return cc1, cc2, str(props["name"])
	}

	perCompanyItem := map[string]bool{}
	checked := 0
	for _, id := range sortedKeys(d.orders) {
		o := d.orders[id]
		found := findBy(booked, "YourReference", "HS-"+id)
		if !sent(o) || len(found) != 1 {
			continue
		}
		cc1, cc2, company := want(o)
		rows := 0
		for _, row := range list(found[0]["Rows"]) {
			if str(row["ArticleId"]) == "" {
				continue // the payment terms text row books nothing
			}
			rows++
			if str(row["CostCenterItemId1"]) != cc1 || str(row["CostCenterItemId2"]) != cc2 {
				t.Errorf("order %s (company %q): row %v has cost centre items %v / %v; want %q / %q",
					id, company, row["LineNumber"], row["CostCenterItemId1"], row["CostCenterItemId2"], cc1, cc2)
			}
		}
		if rows == 0 {
			t.Errorf("order %s: eAccounting order %v has no article rows", id, found[0]["Number"])
		}
		if cc1 != items["ADM"] {
			perCompanyItem[cc1] = true
		}
		checked++
	}
	if checked == 0 || len(perCompanyItem) < 2 {
		t.Fatalf("checked %d orders, %d of them on distinct company cost centres; want orders of companies with two different cost centres", checked, len(perCompanyItem))
	}
}

// first is the first element of a list, nil when it is empty.
func first(l []map[string]any) map[string]any {
	if len(l) == 0 {
		return nil
	}
	return l[0]
}
