package eaccounting

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func customers(from, n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = customer(from + i)
	}
	return out
}

func ids(recs []connectors.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	slices.Sort(out)
	return out
}

func TestReadPages(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	created := create(t, e.writer(t, "customers"), "CustomerNumber", customers(0, 8)...)
	e.conn.client.pageSize = 3
	e.srv.ResetCounters()
	recs, pages, _ := readAll(t, e.object(t, "customers"), connectors.ReadRequest{Fields: []string{"CustomerNumber", "Name"}})
	if !slices.Equal(pages, []int{3, 3, 2}) {
		t.Errorf("pages = %v; want [3 3 2]", pages)
	}
	if !slices.Equal(ids(recs), ids(created)) {
		t.Errorf("read IDs = %v; want %v", ids(recs), ids(created))
	}
	if got := e.srv.Requests("GET /v2/customers"); got != 3 {
		t.Errorf("requests = %d; want 3", got)
	}
	for _, r := range recs {
		if len(r.Fields) != 2 {
			t.Errorf("record %s fields = %v; want only the 2 asked for", r.ID, r.Fields)
		}
	}
}

func TestReadIncremental(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	w := e.writer(t, "customers")
	created := create(t, w, "CustomerNumber", customers(0, 3)...)
	r := e.object(t, "customers")
	all, _, cursor := readAll(t, r, connectors.ReadRequest{})
	if len(all) != 3 || cursor == "" {
		t.Fatalf("full read: %d records, cursor %q; want 3 and a cursor", len(all), cursor)
	}
	// Nothing changed: the overlap window's records are not emitted again.
	again, _, cursor2 := readAll(t, r, connectors.ReadRequest{Cursor: cursor})
	if len(again) != 0 {
		t.Errorf("incremental read without changes emitted %v", ids(again))
	}
	res := w.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: created[1].ID, Fields: map[string]any{"Name": "Renamed AB"}}})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	changed, _, _ := readAll(t, r, connectors.ReadRequest{Cursor: cursor2})
	if len(changed) != 1 || changed[0].ID != created[1].ID || changed[0].Fields["Name"] != "Renamed AB" {
		t.Errorf("incremental read after one change = %v; want only %s renamed", changed, created[1].ID)
	}
	if _, err := r.Read(t.Context(), connectors.ReadRequest{Cursor: "garbage"}, func([]connectors.Record) error { return nil }); err == nil {
		t.Error("Read with a foreign cursor: no error")
	}
}

func TestFindChoosesFilterOrFullScan(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	const n = 300
	created := create(t, e.writer(t, "customers"), "CustomerNumber", customers(0, n)...)
	r := e.object(t, "customers")
	byNumber := map[string]string{}
	for _, c := range created {
		byNumber[c.Fields["CustomerNumber"].(string)] = c.ID
	}
	values := func(from, to int) ([]any, []string) {
		var vs []any
		var want []string
		for i := from; i < to; i++ {
			num := fmt.Sprintf("C%05d", i)
			vs = append(vs, num)
			if id, ok := byNumber[num]; ok {
				want = append(want, id)
			}
		}
		slices.Sort(want)
		return vs, want
	}
	for _, tt := range []struct {
		name      string
		pageSize  int
		from, to  int
		wantCalls int
	}{
		{"few values: one filter call", 1000, 10, 12, 1},
		{"many values, one page holds all: full scan", 1000, 0, 100, 1},
		// 6 pages of 50: the probe page settles C00000-C00049, one filter
		// call (about 50 numbers fit in a URL) the other 50.
		{"many values, many pages: probe then filters", 50, 0, 100, 1 + 1},
		// The probe settles none of 120 values: three filter calls.
		{"values beyond the records", 50, 280, 400, 1 + 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e.conn.client.pageSize = tt.pageSize
			e.srv.ResetCounters()
			vs, want := values(tt.from, tt.to)
			got, err := r.Find(t.Context(), "CustomerNumber", vs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), want) {
				t.Errorf("Find found %d records; want %d", len(got), len(want))
			}
			if calls := e.srv.Requests("GET /v2/customers"); calls != tt.wantCalls {
				t.Errorf("calls = %d; want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestFindNonUniqueAndCaseInsensitive(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	a, b := customer(1), customer(2)
	b["EmailAddress"] = a["EmailAddress"]
	created := create(t, e.writer(t, "customers"), "CustomerNumber", a, b, customer(3))
	got, err := e.object(t, "customers").Find(t.Context(), "EmailAddress", []any{"BILLING1@example.com", "nobody@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if want := ids(created[:2]); !slices.Equal(ids(got), want) {
		t.Errorf("Find by shared email = %v; want both %v", ids(got), want)
	}
	if _, err := e.object(t, "customers").Find(t.Context(), "Emailadress", []any{"x"}); err == nil || !strings.Contains(err.Error(), `did you mean "EmailAddress"`) {
		t.Errorf("Find by a misspelt field: error %v; want a suggestion", err)
	}
}

func TestGet(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	created := create(t, e.writer(t, "articles"), "Number", article(1), article(2), article(3))
	unknown := "00000000-0000-4000-8000-000000000000"
	got, err := e.object(t, "articles").Get(t.Context(), []string{created[0].ID, unknown, created[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	if want := ids([]connectors.Record{created[0], created[2]}); !slices.Equal(ids(got), want) {
		t.Errorf("Get = %v; want %v", ids(got), want)
	}
	units, err := e.object(t, "units").Get(t.Context(), []string{eaccountingtest.DemoUnitPiece})
	if err != nil || len(units) != 1 || units[0].ID != eaccountingtest.DemoUnitPiece {
		t.Errorf("Get unit = %v, %v; want the piece unit", units, err)
	}
}

func TestUpdateMergesIntoTheCurrentRecord(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	w := e.writer(t, "customers")
	c := customer(1)
	c["Telephone"] = "+46 8 000 00 00"
	c["Note"] = "set by hand in eAccounting"
	created := create(t, w, "CustomerNumber", c)
	res := w.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: created[0].ID, Fields: map[string]any{"Name": "New Name AB"}, KeyField: "CustomerNumber"}})
	if res[0].Err != nil {
		t.Fatal(res[0].Err)
	}
	got, err := e.object(t, "customers").Get(t.Context(), []string{created[0].ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("Get = %v, %v", got, err)
	}
	f := got[0].Fields
	for k, want := range map[string]any{"Name": "New Name AB", "Telephone": "+46 8 000 00 00", "Note": "set by hand in eAccounting", "EmailAddress": "billing1@example.com"} {
		if f[k] != want {
			t.Errorf("after update %s = %v; want %v", k, f[k], want)
		}
	}
	if got := e.srv.Requests("PUT /v2/customers/{customerId}"); got != 1 {
		t.Errorf("PUTs = %d; want 1", got)
	}
}

func TestLostCreateAnswerIsReconciledByKey(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fault     eaccountingtest.Fault
		wantPosts int
	}{
		{"connection dropped after commit", eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", DropAfterCommit: true}, 1},
		{"5xx after commit", eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", DropAfterCommit: true, Status: 502}, 1},
		{"5xx before commit", eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Status: 503}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, eaccountingtest.Options{}, nil)
			e.srv.InjectFault(tt.fault)
			w := e.writer(t, "customers")
			got := create(t, w, "CustomerNumber", customer(7))
			if got[0].ID == "" || got[0].Fields["CustomerNumber"] != "C00007" {
				t.Errorf("result = %v; want the stored customer", got[0])
			}
			all, _, _ := readAll(t, e.object(t, "customers"), connectors.ReadRequest{})
			if len(all) != 1 || all[0].ID != got[0].ID {
				t.Errorf("customers stored = %v; want exactly the one created", ids(all))
			}
			if posts := e.srv.Requests("POST /v2/customers"); posts != tt.wantPosts {
				t.Errorf("POSTs = %d; want %d", posts, tt.wantPosts)
			}
		})
	}
	t.Run("every attempt lost", func(t *testing.T) {
		e := newEnv(t, eaccountingtest.Options{}, nil)
		e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Status: 503, Times: -1})
		res := e.writer(t, "customers").Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: customer(1), KeyField: "CustomerNumber"}})
		var ae *connectors.APIError
		if !errors.Is(res[0].Err, errAnswerLost) || errors.As(res[0].Err, &ae) {
			t.Errorf("error = %v; want errAnswerLost without an *APIError", res[0].Err)
		}
		if posts := e.srv.Requests("POST /v2/customers"); posts != maxCreateAttempts {
			t.Errorf("POSTs = %d; want %d", posts, maxCreateAttempts)
		}
	})
	t.Run("no key: not retried", func(t *testing.T) {
		e := newEnv(t, eaccountingtest.Options{}, nil)
		e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", DropAfterCommit: true})
		res := e.writer(t, "customers").Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: customer(1)}})
		if !errors.Is(res[0].Err, errAnswerLost) || !strings.Contains(res[0].Err.Error(), "not retried") {
			t.Errorf("error = %v; want the create refused as not retryable", res[0].Err)
		}
		// No *APIError in the chain: the engine reads one as "the system
		// answered, nothing was stored", which is not known here.
		var ae *connectors.APIError
		if errors.As(res[0].Err, &ae) {
			t.Errorf("error %v carries an *APIError", res[0].Err)
		}
		if posts := e.srv.Requests("POST /v2/customers"); posts > 1 {
			t.Errorf("POSTs = %d; want 1, not a retry", posts)
		}
	})
}

func TestWriteErrorsNameTheField(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	w := e.writer(t, "customers")
	create(t, w, "CustomerNumber", customer(1))
	bad := customer(2)
	bad["VatNumber"] = "XX1"
	noName := customer(3)
	delete(noName, "Name")
	res := w.Write(t.Context(), []connectors.Write{
		{Action: connectors.Create, Fields: customer(1), KeyField: "CustomerNumber"}, // taken
		{Action: connectors.Create, Fields: bad, KeyField: "CustomerNumber"},
		{Action: connectors.Create, Fields: noName, KeyField: "CustomerNumber"},
		{Action: connectors.Create, Fields: customer(4), KeyField: "CustomerNumber"},
		{Action: connectors.Update, ID: "00000000-0000-4000-8000-000000000000", Fields: map[string]any{"Name": "x"}},
		{Action: connectors.Create, Fields: map[string]any{"Nmae": "x", "Id": "y"}},
	})
	if !errors.Is(res[0].Err, connectors.ErrConflict) {
		t.Errorf("duplicate CustomerNumber: %v; want ErrConflict", res[0].Err)
	}
	var ae *connectors.APIError
	if !errors.As(res[1].Err, &ae) || ae.Status != 400 || ae.CorrelationID == "" || len(ae.Fields) == 0 || ae.Fields[0].Field != "VatNumber" {
		t.Errorf("invalid VatNumber: %#v; want a 400 naming VatNumber", res[1].Err)
	}
	if !errors.As(res[2].Err, &ae) || len(ae.Fields) == 0 || ae.Fields[0].Field != "Name" {
		t.Errorf("missing Name: %v; want a field error on Name", res[2].Err)
	}
	if posts := e.srv.Requests("POST /v2/customers"); posts != 4 {
		t.Errorf("POSTs = %d; want 4 (the customer without Name is refused before sending)", posts)
	}
	if res[3].Err != nil || res[3].Record.ID == "" {
		t.Errorf("valid customer beside invalid ones: %v", res[3].Err)
	}
	if !errors.Is(res[4].Err, connectors.ErrNotFound) {
		t.Errorf("update of an unknown ID: %v; want ErrNotFound", res[4].Err)
	}
	if res[5].Err == nil || !strings.Contains(res[5].Err.Error(), "did you mean Name") || !strings.Contains(res[5].Err.Error(), "Id is read-only") {
		t.Errorf("unknown and read-only fields: %v; want both named", res[5].Err)
	}
}

func TestRequiredRowFieldsAreChecked(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	cust := create(t, e.writer(t, "customers"), "CustomerNumber", customer(1))[0]
	res := e.writer(t, "orders").Write(t.Context(), []connectors.Write{{Action: connectors.Create, Fields: map[string]any{
		"CustomerId": cust.ID, "CurrencyCode": "SEK", "OrderDate": "2026-01-02", "Status": int64(2),
		"EuThirdParty": false, "ReverseChargeOnConstructionServices": false, "RotReducedInvoicingType": int64(0),
		"Rows": []any{map[string]any{"LineNumber": int64(0), "Text": "x", "IsWorkCost": false, "EligibleForReverseChargeOnVat": false}},
	}}})
	var ae *connectors.APIError
	if !errors.As(res[0].Err, &ae) || len(ae.Fields) != 1 || ae.Fields[0].Field != "Rows[0].IsTextRow" {
		t.Errorf("row without IsTextRow: %v; want a field error on Rows[0].IsTextRow", res[0].Err)
	}
	if posts := e.srv.Requests("POST /v2/orders"); posts != 0 {
		t.Errorf("POSTs = %d; want none", posts)
	}
}

func TestCreatesRunConcurrently(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	e.srv.InjectFault(eaccountingtest.Fault{Method: http.MethodPost, PathPrefix: "/v2/customers", Latency: 50 * time.Millisecond, Times: -1})
	e.conn.writeConcurrency = 8
	start := time.Now()
	create(t, e.writer(t, "customers"), "CustomerNumber", customers(0, 16)...)
	if d := time.Since(start); d > 16*50*time.Millisecond/2 {
		t.Errorf("16 creates of 50 ms took %v; want them to overlap", d)
	}
}

// TestUpdateOfOnePriceRecomputesTheOther: an article's net and gross prices
// are one price; updating the net price alone must not send back the old
// gross price, which eAccounting would refuse as inconsistent.
func TestUpdateOfOnePriceRecomputesTheOther(t *testing.T) {
	e := newEnv(t, eaccountingtest.Options{}, nil)
	w := e.writer(t, "articles")
	a := article(1)
	a["NetPrice"] = 100.0
	created := create(t, w, "Number", a)
	res := w.Write(t.Context(), []connectors.Write{{Action: connectors.Update, ID: created[0].ID, Fields: map[string]any{"NetPrice": 200.0}, KeyField: "Number"}})
	if res[0].Err != nil {
		t.Fatalf("update of NetPrice: %v", res[0].Err)
	}
	got, err := e.object(t, "articles").Get(t.Context(), []string{created[0].ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("Get = %v, %v", got, err)
	}
	if net, gross := got[0].Fields["NetPrice"], got[0].Fields["GrossPrice"]; net != 200.0 || gross != 250.0 {
		t.Errorf("prices after update: net %v, gross %v; want 200 and 250 (25 %% VAT)", net, gross)
	}
}
