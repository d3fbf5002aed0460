package main

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
)

// TestVerifyCommand: kopla verify over the webshop's booked orders finds
// none that differs (exit 0); when eAccounting answers one with 10 more
// VAT, it lists that one with both figures and exits 1, in human and JSON
// form. The plan before shows each order's expected totals.
func TestVerifyCommand(t *testing.T) {
	s := newShop(t)
	if r := s.run("verify", "-no-color"); r.code != exitOK || !strings.Contains(r.stdout, "No state yet") {
		t.Fatalf("verify before apply = %d; want 0, no state:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := s.run("plan", "-no-color")
	// An order waiting for its customer (created by the same apply) has its
	// totals all the same, from the customer as planned.
	if r.code != exitOK || !strings.Contains(r.stdout, "= (known after apply) # ") ||
		!strings.Contains(r.stdout, "      = net ") || strings.Contains(r.stdout, "net, VAT, gross (known after apply)") {
		t.Errorf("plan = %d; want the totals of every order, those waiting for their customer too:\n%s", r.code, r.stdout)
	}
	// The demo holds an order whose article cannot be created (a SKU
	// longer than eAccounting takes): apply books the others.
	if r := s.run("apply", "-auto-approve", "-no-color"); !strings.Contains(r.stdout, "Apply complete!") {
		t.Fatalf("apply = %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = s.run("verify", "-no-color")
	if r.code != exitOK || !strings.Contains(r.stdout, " 0 mismatches.") || strings.Contains(r.stdout, "Verified: 0 booked") {
		t.Fatalf("verify after apply = %d; want 0 with documents and no mismatch:\n%s%s", r.code, r.stdout, r.stderr)
	}

	tamper := eaccountingtest.Fault{
		Method: "GET", PathPrefix: "/v2/orders",
		Answer: func(body map[string]any) {
			rec := body
			if data, ok := body["Data"].([]any); ok && len(data) > 0 {
				rec, _ = data[0].(map[string]any)
			}
			if vat, ok := rec["VatAmount"].(float64); ok {
				rec["VatAmount"] = vat + 10
			}
		},
	}
	s.sb.EAccounting().InjectFault(tamper)
	r = s.run("verify", "-no-color")
	if r.code != exitError || !strings.Contains(r.stdout, "1 mismatch.") || !strings.Contains(r.stdout, "! orders_to_eaccounting_orders ") ||
		!strings.Contains(r.stdout, "(YourReference ") || !strings.Contains(r.stdout, "VAT expected") {
		t.Errorf("verify of a tampered order = %d; want 1 listing it with both VAT figures:\n%s%s", r.code, r.stdout, r.stderr)
	}

	s.sb.EAccounting().InjectFault(tamper)
	r = s.run("verify", "-json", "-flow", "orders_to_eaccounting_orders")
	if r.code != exitError {
		t.Errorf("verify -json = %d; want 1", r.code)
	}
	var failed, summaries int
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var line struct {
			Type     string         `json:"type"`
			Document map[string]any `json:"document"`
			Docs     int            `json:"documents"`
			Mismatch int            `json:"mismatches"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		switch line.Type {
		case "verification_failed":
			failed++
			if v, _ := line.Document["verification"].(map[string]any); v == nil || v["mismatches"] == nil {
				t.Errorf("failed document without mismatches: %s", sc.Text())
			}
		case "summary":
			summaries++
			if line.Mismatch != 1 || line.Docs == 0 {
				t.Errorf("summary %s; want documents and 1 mismatch", sc.Text())
			}
		}
	}
	if failed != 1 || summaries != 1 {
		t.Errorf("JSON has %d failed documents and %d summaries; want 1 and 1:\n%s", failed, summaries, r.stdout)
	}
}
