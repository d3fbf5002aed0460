package hubspot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
)

func mustWrite(t *testing.T, o *object, ws ...connectors.Write) []connectors.WriteResult {
	t.Helper()
	res := o.Write(t.Context(), ws)
	if len(res) != len(ws) {
		t.Fatalf("Write(%d) returned %d results", len(ws), len(res))
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("write %d: %v", i, r.Err)
		}
		if r.Record.ID == "" {
			t.Fatalf("write %d: no record ID", i)
		}
	}
	return res
}

func create(fields map[string]any) connectors.Write {
	return connectors.Write{Action: connectors.Create, Fields: fields}
}

func TestWriteCreatesWithAssociations(t *testing.T) {
	e := newEnv(t, envConfig{})
	contact := mustWrite(t, e.object(t, "contacts"), create(map[string]any{"email": "Buyer@Example.com", "firstname": "Bo"}))[0].Record
	company := mustWrite(t, e.object(t, "companies"), create(map[string]any{"name": "Acme", "domain": "acme.example.com"}))[0].Record
	order := mustWrite(t, e.object(t, "orders"), create(map[string]any{
		"hs_order_name":              "Order 1",
		"hs_total_price":             120.5,
		"hs_buyer_accepts_marketing": true,
		"associate_contacts":         []any{contact.ID},
		"associate_primary_company":  company.ID,
	}))[0].Record
	if order.Fields["hs_total_price"] != 120.5 || order.Fields["hs_buyer_accepts_marketing"] != true {
		t.Errorf("created order fields = %v", order.Fields)
	}
	lines := mustWrite(t, e.object(t, "line_items"),
		create(map[string]any{"name": "A", "quantity": 2.0, "price": 5.0, "associate_orders": []any{order.ID}}),
		create(map[string]any{"name": "B", "quantity": int64(1), "price": "7.25", "associate_orders": []any{order.ID}}),
	)
	if lines[0].Record.Fields["amount"] != 10.0 {
		t.Errorf("line amount = %#v; want 10 (calculated by HubSpot)", lines[0].Record.Fields["amount"])
	}
	deal := mustWrite(t, e.object(t, "deals"), create(map[string]any{"dealname": "Big deal", "closedate": "2026-12-31T12:00:00Z",
		"associate_contacts": []any{contact.ID}, "associate_companies": []any{company.ID}}))[0].Record
	if deal.Fields["closedate"] != "2026-12-31T12:00:00Z" {
		t.Errorf("deal closedate = %#v", deal.Fields["closedate"])
	}
	for _, tc := range []struct {
		from, fromID, to, toID string
		want                   []int
	}{
		{"line_items", lines[0].Record.ID, "orders", order.ID, []int{514}},
		{"orders", order.ID, "line_items", lines[1].Record.ID, []int{513}},
		{"orders", order.ID, "contacts", contact.ID, []int{507}},
		{"orders", order.ID, "companies", company.ID, []int{509, 934}},
		{"deals", deal.ID, "contacts", contact.ID, []int{3}},
		{"deals", deal.ID, "companies", company.ID, []int{341}},
	} {
		got := e.srv.Associations(tc.from, tc.fromID, tc.to, tc.toID)
		slices.Sort(got)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("associations %s/%s -> %s/%s (-want +got):\n%s", tc.from, tc.fromID, tc.to, tc.toID, diff)
		}
	}
	// Updates change properties by ID and cannot carry associations.
	res := e.object(t, "orders").Write(t.Context(), []connectors.Write{
		{Action: connectors.Update, ID: order.ID, Fields: map[string]any{"hs_payment_status": "paid"}},
		{Action: connectors.Update, ID: order.ID, Fields: map[string]any{"associate_contacts": []any{contact.ID}}},
	})
	if res[0].Err != nil || res[0].Record.Fields["hs_payment_status"] != "paid" || res[0].Record.Fields["hs_order_name"] != "Order 1" {
		t.Errorf("update = %+v", res[0])
	}
	var ve *ValueError
	if !errors.As(res[1].Err, &ve) || ve.Field != "associate_contacts" {
		t.Errorf("update with associations: %v; want a ValueError on associations.contacts", res[1].Err)
	}
	if p, _ := e.srv.Object("contacts", contact.ID); p["email"] != "buyer@example.com" {
		t.Errorf("stored email = %q", p["email"])
	}
}

func TestWriteRefusesBadValuesLocally(t *testing.T) {
	e := newEnv(t, envConfig{})
	tests := []struct {
		object string
		w      connectors.Write
		field  string
		msg    string
	}{
		{"contacts", create(map[string]any{"emial": "a@example.com"}), "emial", `did you mean "email"`},
		{"contacts", create(map[string]any{"hs_object_id": "5"}), "hs_object_id", "cannot be written"},
		{"deals", create(map[string]any{"amount": 5.0}), "dealname", "needs dealname"},
		{"taxes", create(map[string]any{"hs_label": "VAT", "hs_type": "percent"}), "hs_type", "FIXED, PERCENT"},
		{"line_items", create(map[string]any{"associate_products": []any{"1"}}), "associate_products", "deals, discounts, invoices, orders"},
		{"line_items", create(map[string]any{"price": "1 000"}), "price", "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.object+"/"+tt.field, func(t *testing.T) {
			e.srv.ResetCounters()
			res := e.object(t, tt.object).Write(t.Context(), []connectors.Write{tt.w})
			var ve *ValueError
			if !errors.As(res[0].Err, &ve) || ve.Field != tt.field || !strings.Contains(ve.Error(), tt.msg) {
				t.Errorf("Write() error = %v; want a ValueError on %s saying %q", res[0].Err, tt.field, tt.msg)
			}
			if n := e.srv.Requests("*"); n != 0 {
				t.Errorf("%d requests sent; want none", n)
			}
		})
	}
}

func TestWriteMultiStatus(t *testing.T) {
	e := newEnv(t, envConfig{})
	res := e.object(t, "contacts").Write(t.Context(), []connectors.Write{
		create(map[string]any{"email": "a@example.com"}),
		create(map[string]any{"email": "not-an-email"}),
		create(map[string]any{"email": "c@example.com"}),
	})
	var ae *connectors.APIError
	if !errors.As(res[1].Err, &ae) || ae.Code != "VALIDATION_ERROR" || len(ae.Fields) != 1 || ae.Fields[0].Field != "email" {
		t.Errorf("invalid record: %v; want a VALIDATION_ERROR on email", res[1].Err)
	}
	for _, i := range []int{0, 2} {
		if res[i].Err != nil || res[i].Record.ID == "" {
			t.Errorf("record %d: %+v; want created", i, res[i])
		}
	}
	if res[0].Record.Fields["email"] != "a@example.com" || res[2].Record.Fields["email"] != "c@example.com" {
		t.Errorf("results are not in write order: %v, %v", res[0].Record.Fields["email"], res[2].Record.Fields["email"])
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/contacts/batch/create"); n != 1 {
		t.Errorf("batch creates = %d; want 1", n)
	}
	if n := len(e.srv.Objects("contacts")); n != 2 {
		t.Errorf("stored contacts = %d; want 2", n)
	}
}

// untraced removes objectWriteTraceId from batch creates, so that the fake,
// like HubSpot, refuses the whole batch for one bad input.
func untraced(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/batch/create") {
			var body struct {
				Inputs []map[string]any `json:"inputs"`
			}
			b, _ := io.ReadAll(r.Body)
			_ = json.Unmarshal(b, &body)
			for _, in := range body.Inputs {
				delete(in, "objectWriteTraceId")
			}
			b, _ = json.Marshal(body)
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		}
		next.ServeHTTP(w, r)
	})
}

func TestWriteSplitsRejectedBatch(t *testing.T) {
	var contacts []map[string]string
	for i := range 8 {
		contacts = append(contacts, map[string]string{"id": fmt.Sprint(10 + i), "email": fmt.Sprintf("u%d@example.com", i)})
	}
	e := newEnv(t, envConfig{middleware: untraced, seed: seedJSON(t, map[string][]map[string]string{"contacts": contacts})})
	o := e.object(t, "contacts")
	check := func(t *testing.T, res []connectors.WriteResult, bad int) {
		t.Helper()
		for i, r := range res {
			if i == bad {
				var ae *connectors.APIError
				if !errors.As(r.Err, &ae) || len(ae.Fields) == 0 || ae.Fields[0].Field != "email" {
					t.Errorf("bad write %d: %v; want the email refused", i, r.Err)
				}
				continue
			}
			if r.Err != nil {
				t.Errorf("write %d beside a bad one: %v", i, r.Err)
			}
		}
	}
	t.Run("updates", func(t *testing.T) {
		var ws []connectors.Write
		for i := range 8 {
			email := fmt.Sprintf("new%d@example.com", i)
			if i == 5 {
				email = "broken"
			}
			ws = append(ws, connectors.Write{Action: connectors.Update, ID: fmt.Sprint(10 + i), Fields: map[string]any{"email": email}})
		}
		e.srv.ResetCounters()
		check(t, o.Write(t.Context(), ws), 5)
		// 8 -> 4+4 -> 2+2 -> 1+1 below the bad input: 7 calls.
		if n := e.srv.Requests("POST /crm/objects/2026-03/contacts/batch/update"); n != 7 {
			t.Errorf("batch updates = %d; want 7", n)
		}
		if p, _ := e.srv.Object("contacts", "17"); p["email"] != "new7@example.com" {
			t.Errorf("contact 17 email = %q; want updated", p["email"])
		}
	})
	t.Run("creates", func(t *testing.T) {
		var ws []connectors.Write
		for i := range 5 {
			email := fmt.Sprintf("c%d@example.com", i)
			if i == 0 {
				email = "broken"
			}
			ws = append(ws, create(map[string]any{"email": email}))
		}
		check(t, o.Write(t.Context(), ws), 0)
		if n := len(e.srv.Objects("contacts")); n != 12 {
			t.Errorf("stored contacts = %d; want 12", n)
		}
	})
}

func TestWriteLostAnswerOnCreate(t *testing.T) {
	tests := []struct {
		name        string
		object      string
		fault       hubspottest.Fault
		key         string
		fields      func(i int) map[string]any
		wantStored  int
		wantCreates int
		wantErr     string
		endpoint    string // batch endpoint of the creates: "create" unless said
	}{
		// Creates keyed by a unique property are upserts: sent again after a
		// lost answer, they cannot duplicate.
		{name: "committed, unique key", object: "contacts", key: "email", endpoint: "upsert",
			fault:      hubspottest.Fault{Method: "POST", PathPrefix: "/crm/objects/2026-03/contacts/batch/upsert", DropAfterCommit: true},
			fields:     func(i int) map[string]any { return map[string]any{"email": fmt.Sprintf("LOST%d@example.com", i)} },
			wantStored: 3, wantCreates: 2},
		{name: "committed, searched key", object: "products", key: "hs_sku",
			fault:      hubspottest.Fault{Method: "POST", PathPrefix: "/crm/objects/2026-03/products/batch/create", DropAfterCommit: true},
			fields:     func(i int) map[string]any { return map[string]any{"name": "P", "hs_sku": fmt.Sprintf("SKU-%d", i)} },
			wantStored: 3, wantCreates: 1},
		{name: "not committed (503)", object: "products", key: "hs_sku",
			fault:      hubspottest.Fault{Method: "POST", PathPrefix: "/crm/objects/2026-03/products/batch/create", Status: 503},
			fields:     func(i int) map[string]any { return map[string]any{"name": "P", "hs_sku": fmt.Sprintf("SKU-%d", i)} },
			wantStored: 3, wantCreates: 2},
		{name: "no key to check", object: "products", key: "",
			fault:      hubspottest.Fault{Method: "POST", PathPrefix: "/crm/objects/2026-03/products/batch/create", DropAfterCommit: true},
			fields:     func(i int) map[string]any { return map[string]any{"name": fmt.Sprint("P", i)} },
			wantStored: 3, wantCreates: 1, wantErr: "no key value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envConfig{})
			e.srv.InjectFault(tt.fault)
			var ws []connectors.Write
			for i := range 3 {
				ws = append(ws, connectors.Write{Action: connectors.Create, Fields: tt.fields(i), KeyField: tt.key})
			}
			res := e.object(t, tt.object).Write(t.Context(), ws)
			stored := e.srv.Objects(tt.object)
			if len(stored) != tt.wantStored {
				t.Errorf("stored %d records; want %d (no duplicates)", len(stored), tt.wantStored)
			}
			endpoint := tt.endpoint
			if endpoint == "" {
				endpoint = "create"
			}
			if n := e.srv.Requests("POST /crm/objects/2026-03/" + tt.object + "/batch/" + endpoint); n != tt.wantCreates {
				t.Errorf("batch %ss = %d; want %d", endpoint, n, tt.wantCreates)
			}
			var storedIDs []string
			for _, s := range stored {
				storedIDs = append(storedIDs, s.ID)
			}
			for i, r := range res {
				if tt.wantErr != "" {
					if r.Err == nil || !strings.Contains(r.Err.Error(), tt.wantErr) {
						t.Errorf("write %d: %v; want an error saying %q", i, r.Err, tt.wantErr)
					}
					continue
				}
				if r.Err != nil || !slices.Contains(storedIDs, r.Record.ID) {
					t.Errorf("write %d: ID %q, %v; want one of the stored %v", i, r.Record.ID, r.Err, storedIDs)
				}
			}
		})
	}
}

func TestWriteStopsAtDailyLimit(t *testing.T) {
	e := newEnv(t, envConfig{fake: hubspottest.Options{Limits: hubspottest.Limits{Daily: 2}}, opts: func(o *options) { o.batchSize, o.writeParallel = 1, 1 }})
	var ws []connectors.Write
	for i := range 5 {
		ws = append(ws, create(map[string]any{"name": fmt.Sprint("P", i)}))
	}
	res := e.object(t, "products").Write(t.Context(), ws)
	for i, r := range res {
		var rl *connectors.RateLimitError
		switch {
		case i < 2 && r.Err != nil:
			t.Errorf("write %d: %v; want created within the quota", i, r.Err)
		case i >= 2 && (!errors.As(r.Err, &rl) || rl.Policy != "DAILY" || rl.Reset.IsZero()):
			t.Errorf("write %d: %v; want the DAILY RateLimitError with its reset", i, r.Err)
		}
	}
	// The second answer says no request is left today: the third is not
	// even sent.
	if n := e.srv.Requests("*"); n != 2 {
		t.Errorf("requests = %d; want 2 (nothing sent once the quota is used up)", n)
	}
}

func TestWriteRetriesUpdateAfter5xx(t *testing.T) {
	e := newEnv(t, envConfig{seed: seedJSON(t, map[string][]map[string]string{"companies": {{"id": "7", "name": "Acme"}}})})
	e.srv.InjectFault(hubspottest.Fault{Method: "POST", PathPrefix: "/crm/objects/2026-03/companies/batch/update", Status: 502, Times: 2})
	res := mustWrite(t, e.object(t, "companies"), connectors.Write{Action: connectors.Update, ID: "7", Fields: map[string]any{"city": "Lund"}})
	if res[0].Record.Fields["city"] != "Lund" {
		t.Errorf("update result = %v", res[0].Record.Fields)
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/companies/batch/update"); n != 3 {
		t.Errorf("batch updates = %d; want 3 (two 502s retried)", n)
	}
}

// TestWriteUpsertTimeoutRetried: a create by a unique key whose answer
// timed out is an upsert, sent again as it is: no lookup, no duplicate.
func TestWriteUpsertTimeoutRetried(t *testing.T) {
	e := newEnv(t, envConfig{})
	deps := e.deps()
	deps.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond}
	conn, err := open(e.config(envConfig{}), deps, fastOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	e.srv.InjectFault(hubspottest.Fault{Method: "POST", PathPrefix: "/crm/objects/2026-03/contacts/batch/upsert", Latency: time.Second})
	o, _ := conn.Object("contacts")
	res := o.(connectors.Writer).Write(t.Context(), []connectors.Write{
		{Action: connectors.Create, Fields: map[string]any{"email": "slow@example.com"}, KeyField: "email"}})
	if res[0].Err != nil || res[0].Record.ID == "" {
		t.Fatalf("create after a timeout: %+v", res[0])
	}
	if n := len(e.srv.Objects("contacts")); n != 1 {
		t.Errorf("stored %d contacts; want 1", n)
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/contacts/batch/upsert"); n != 2 {
		t.Errorf("batch upserts = %d; want 2 (timed out, sent again)", n)
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/contacts/batch/read"); n != 0 {
		t.Errorf("lookups by email = %d; want none", n)
	}
}

// TestWriteCreateOfExistingUniqueKey: a contact created meanwhile by someone
// else is updated by the upsert, not duplicated or refused.
func TestWriteCreateOfExistingUniqueKey(t *testing.T) {
	e := newEnv(t, envConfig{seed: seedJSON(t, map[string][]map[string]string{"contacts": {{"id": "9", "email": "taken@example.com", "firstname": "Old"}}})})
	res := mustWrite(t, e.object(t, "contacts"),
		connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "Taken@example.com", "firstname": "New"}, KeyField: "email"},
		connectors.Write{Action: connectors.Create, Fields: map[string]any{"email": "fresh@example.com", "firstname": "Fresh"}, KeyField: "email"})
	if res[0].Record.ID != "9" {
		t.Errorf("create of an existing e-mail = record %q; want the existing 9", res[0].Record.ID)
	}
	if got, _ := e.srv.Object("contacts", "9"); got["firstname"] != "New" {
		t.Errorf("existing contact = %v; want firstname New", got)
	}
	if n := len(e.srv.Objects("contacts")); n != 2 {
		t.Errorf("stored %d contacts; want 2", n)
	}
	if res[1].Record.ID == "" || res[1].Record.ID == "9" {
		t.Errorf("new contact = %+v", res[1].Record)
	}
}

func TestWriteUpdateUnknownID(t *testing.T) {
	e := newEnv(t, envConfig{seed: seedJSON(t, map[string][]map[string]string{"products": {{"id": "1", "name": "A"}, {"id": "2", "name": "B"}}})})
	res := e.object(t, "products").Write(t.Context(), []connectors.Write{
		{Action: connectors.Update, ID: "1", Fields: map[string]any{"price": 3.5}},
		{Action: connectors.Update, ID: "404", Fields: map[string]any{"price": 1.0}},
		{Action: connectors.Update, ID: "2", Fields: map[string]any{"price": 4.5}},
	})
	if res[0].Err != nil || res[0].Record.Fields["price"] != 3.5 || res[2].Err != nil || res[2].Record.Fields["price"] != 4.5 {
		t.Errorf("updates beside an unknown ID: %+v, %+v", res[0], res[2])
	}
	if !errors.Is(res[1].Err, connectors.ErrNotFound) {
		t.Errorf("update of an unknown ID: %v; want ErrNotFound", res[1].Err)
	}
}

func TestWriteLargeBatchInParallel(t *testing.T) {
	e := newEnv(t, envConfig{})
	var ws []connectors.Write
	for i := range 450 {
		ws = append(ws, create(map[string]any{"email": fmt.Sprintf("bulk%03d@example.com", i)}))
	}
	res := mustWrite(t, e.object(t, "contacts"), ws...)
	for i, r := range res {
		if want := fmt.Sprintf("bulk%03d@example.com", i); r.Record.Fields["email"] != want {
			t.Fatalf("result %d is for %v; want %s", i, r.Record.Fields["email"], want)
		}
	}
	if n := e.srv.Requests("POST /crm/objects/2026-03/contacts/batch/create"); n != 5 {
		t.Errorf("batch creates = %d; want 5 (100 per call)", n)
	}
	if n := len(e.srv.Objects("contacts")); n != 450 {
		t.Errorf("stored %d contacts; want 450", n)
	}
}
