package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/connectors/fakekit"
)

// seedEAccounting adds the demo's customers, articles and invoices to ea.
//
// They are created through the API of a scratch fake with the same demo
// company and clock, so that every derived value (gross prices, totals, VAT,
// due dates, OCR numbers) is computed by the fake itself; the answers, with
// the generated GUIDs replaced by stable ones, are then seeded into ea and
// the payments registered. The result is the same in every run.
func seedEAccounting(ea *eaccountingtest.Server, in eaInput, opts eaccountingtest.Options) error {
	if err := ea.SeedDemoCompany(); err != nil {
		return fmt.Errorf("sandbox: seed eaccounting demo company: %w", err)
	}
	opts.RateLimit, opts.Logger = 1_000_000, nil
	scratch := eaccountingtest.New(opts)
	if err := scratch.SeedDemoCompany(); err != nil {
		return fmt.Errorf("sandbox: seed eaccounting demo company: %w", err)
	}
	api := &scratchAPI{s: scratch, token: scratch.IssueAccessToken()}
	ids := map[string]string{} // scratch GUID -> stable GUID
	customers := map[string]string{}
	articles := map[string]string{}

	var out struct {
		Customers []map[string]any `json:"customers"`
		Articles  []map[string]any `json:"articles"`
		Invoices  []map[string]any `json:"customerinvoices"`
		Settings  map[string]any   `json:"companysettings"`
	}
	for _, body := range in.Customers {
		rec, err := api.post("/v2/customers", body)
		if err != nil {
			return fmt.Errorf("sandbox: demo customer %v: %w", body["CustomerNumber"], err)
		}
		number := fmt.Sprint(rec["CustomerNumber"])
		customers[number] = rec["Id"].(string)
		ids[rec["Id"].(string)] = demoID("customers", number)
		// Figures the API derives from invoices when it reads a customer.
		delete(rec, "UnpaidInvoicesAmount")
		delete(rec, "LastInvoiceDate")
		out.Customers = append(out.Customers, rec)
	}
	for _, body := range in.Articles {
		rec, err := api.post("/v2/articles", body)
		if err != nil {
			return fmt.Errorf("sandbox: demo article %v: %w", body["Number"], err)
		}
		articles[fmt.Sprint(rec["Number"])] = rec["Id"].(string)
		ids[rec["Id"].(string)] = demoID("articles", fmt.Sprint(rec["Number"]))
		out.Articles = append(out.Articles, rec)
	}
	var payments []float64
	for i, inv := range in.Invoices {
		body := clone(inv.Body).(map[string]any)
		number := fmt.Sprint(body["CustomerNumber"])
		delete(body, "CustomerNumber")
		body["CustomerId"] = customers[number]
		for _, r := range body["Rows"].([]any) {
			row := r.(map[string]any)
			row["ArticleId"] = articles[fmt.Sprint(row["ArticleNumber"])]
			delete(row, "ArticleNumber")
		}
		rec, err := api.post("/v2/customerinvoices", body)
		if err != nil {
			return fmt.Errorf("sandbox: demo invoice %d: %w", i, err)
		}
		key := strconv.Itoa(i)
		ids[rec["Id"].(string)] = demoID("customerinvoices", key)
		ids[rec["VoucherId"].(string)] = demoID("vouchers", key)
		for j, r := range rec["Rows"].([]any) {
			row := r.(map[string]any)
			ids[row["Id"].(string)] = demoID("customerinvoicerows", key+"/"+strconv.Itoa(j))
		}
		// The answer shows an old unpaid invoice as overdue (2); the stored
		// state is unpaid (1), and reads derive overdue again.
		rec["PaymentStatus"] = float64(1)
		out.Invoices = append(out.Invoices, rec)
		payments = append(payments, inv.Paid*num(rec["TotalAmountInvoiceCurrency"]))
	}
	settings, err := api.get("/v2/companysettings")
	if err != nil {
		return fmt.Errorf("sandbox: demo company settings: %w", err)
	}
	out.Settings = map[string]any{}
	for _, k := range []string{"NextCustomerNumber", "NextArticleNumber", "NextCustomerInvoiceNumber"} {
		out.Settings[k] = settings[k]
	}

	raw, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("sandbox: encode eaccounting demo: %w", err)
	}
	var stable any
	if err := json.Unmarshal(raw, &stable); err != nil {
		return fmt.Errorf("sandbox: encode eaccounting demo: %w", err)
	}
	if err := fakekit.SeedValue(ea, remap(stable, ids)); err != nil {
		return fmt.Errorf("sandbox: seed eaccounting: %w", err)
	}
	for i, amount := range payments {
		if amount == 0 {
			continue
		}
		if err := ea.PayInvoice(demoID("customerinvoices", strconv.Itoa(i)), round2(amount)); err != nil {
			return fmt.Errorf("sandbox: demo payment: %w", err)
		}
	}
	return nil
}

// scratchAPI calls a fake's handler in-process, without a listener.
type scratchAPI struct {
	s     http.Handler
	token string
}

func (a *scratchAPI) do(method, path string, body any) (map[string]any, error) {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	a.s.ServeHTTP(w, req)
	if w.Code/100 != 2 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, w.Code, bytes.TrimSpace(w.Body.Bytes()))
	}
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return out, nil
}

func (a *scratchAPI) post(path string, body any) (map[string]any, error) {
	return a.do(http.MethodPost, path, body)
}

func (a *scratchAPI) get(path string) (map[string]any, error) {
	return a.do(http.MethodGet, path, nil)
}

// remap replaces every string in v that is a key of ids.
func remap(v any, ids map[string]string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = remap(e, ids)
		}
	case []any:
		for i, e := range x {
			x[i] = remap(e, ids)
		}
	case string:
		if to, ok := ids[x]; ok {
			return to
		}
	}
	return v
}

// clone deep-copies a JSON value.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = clone(e)
		}
		return s
	}
	return v
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}
