package hubspot

import (
	"fmt"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// TestReadIncludesInline counts the calls of includes on a list read,
// where HubSpot answers the association IDs inline (associations=), against
// the list read as before (the v4 association API per page) and the same
// records read by ID (batch read, which has no associations=): inline costs
// no association call, except for the one record whose 150 line items go
// past the 100 an inline answer holds.
func TestReadIncludesInline(t *testing.T) {
	const orders, big = 250, 150
	objects := map[string][]map[string]string{}
	var assocs [][3]any
	li := 0
	newLineItem := func(order int) {
		li++
		id := fmt.Sprint(10000 + li)
		objects["line_items"] = append(objects["line_items"], map[string]string{"id": id, "name": "item " + id, "quantity": "1", "price": "5"})
		assocs = append(assocs, [3]any{fmt.Sprintf("orders/%d", order), "line_items/" + id, 513})
	}
	objects["contacts"] = []map[string]string{{"id": "31", "email": "buyer@example.com"}}
	for i := 1; i <= orders; i++ {
		objects["orders"] = append(objects["orders"], map[string]string{"id": fmt.Sprint(i), "hs_order_name": fmt.Sprintf("Order %d", i)})
		n := 2
		if i == 7 {
			n = big
		}
		for range n {
			newLineItem(i)
		}
		assocs = append(assocs, [3]any{fmt.Sprintf("orders/%d", i), "contacts/31", 507})
	}
	e := newEnv(t, envConfig{seed: seedJSON(t, objects, assocs...), version: "v3"})
	o := e.object(t, "orders")
	req := connectors.ReadRequest{Include: []string{"line_items", "contacts"}}

	e.srv.ResetCounters()
	got, _, _ := readAll(t, o, req)
	listed := callsOf(e)

	// Before: the same list without associations=, each page's includes
	// read with the v4 batch association API (what Read did).
	e.srv.ResetCounters()
	var before []connectors.Record
	err := o.list(t.Context(), o.properties(nil, o.def.modified), false, nil, func(time.Time) {}, func(objs []apiObject, _ map[string]inlineAssociations) error {
		recs := o.records(objs)
		if err := o.attachIncludes(t.Context(), recs, req.Include); err != nil {
			return err
		}
		before = append(before, recs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	old := callsOf(e)

	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = r.ID
	}
	e.srv.ResetCounters()
	byID, err := o.GetWith(t.Context(), connectors.GetRequest{IDs: ids, Include: req.Include})
	if err != nil {
		t.Fatal(err)
	}
	batch := callsOf(e)

	if len(got) != orders || len(byID) != orders {
		t.Fatalf("read %d and got %d orders; want %d", len(got), len(byID), orders)
	}
	// Both ways give the same records, all 150 line items of the big one.
	for _, recs := range [][]connectors.Record{got, before, byID} {
		for _, r := range recs {
			want := 2
			if r.ID == "7" {
				want = big
			}
			if n := len(r.Fields["line_items"].([]any)); n != want {
				t.Errorf("order %s: %d line items; want %d", r.ID, n, want)
			}
			if n := len(r.Fields["contacts"].([]any)); n != 1 {
				t.Errorf("order %s: %d contacts; want 1", r.ID, n)
			}
		}
	}
	t.Logf("calls per %d orders with 2 includes: before (list, v4 association reads per page) %+v; after (list with inline associations) %+v; by ID (batch read) %+v", orders, old, listed, batch)
	// 3 pages of orders: the inline answer holds every association but
	// the big order's line items (one batch read, for that order alone).
	if listed.assoc != 1 {
		t.Errorf("association calls of the list read = %d; want 1 (the order past the inline 100)", listed.assoc)
	}
	// Before: one association call per include and page.
	if want := 2 * 3; old.assoc != want {
		t.Errorf("association calls before = %d; want %d", old.assoc, want)
	}
	if old.total-listed.total != old.assoc-listed.assoc {
		t.Errorf("calls before %d, after %d; want only the association calls saved", old.total, listed.total)
	}
	// By ID (no associations= on batch read): one association call per
	// include and 1,000 records.
	if want := 2; batch.assoc != want {
		t.Errorf("association calls of the batch read = %d; want %d", batch.assoc, want)
	}
	// Besides the 3 list pages, only the included records' properties
	// (batch reads of 100) are read.
	if want := 3 + listed.assoc + listed.objects; listed.total != want {
		t.Errorf("calls of the list read = %d; want %d (3 pages, %d association and %d object batch reads)", listed.total, want, listed.assoc, listed.objects)
	}
	if extra := float64(listed.assoc-1) / float64(orders) * 100; extra != 0 {
		t.Errorf("association calls per 100 records where inline suffices = %.2f; want 0", extra)
	}
}

type readCalls struct{ assoc, objects, total int }

func callsOf(e *env) readCalls {
	var c readCalls
	for _, inc := range []string{"line_items", "contacts"} {
		c.assoc += e.srv.Requests("POST /crm/v4/associations/orders/" + inc + "/batch/read")
		c.objects += e.srv.Requests("POST /crm/v3/objects/" + inc + "/batch/read")
	}
	c.total = e.srv.Requests("*")
	return c
}
