package scenario

import (
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine/state"
)

const ordersFlow = "orders_to_eaccounting_orders"

// The sandbox demo's books reconcile: every order kopla creates in
// eAccounting totals what the eAccounting connector expects from the rows
// it sent (article codings' VAT rates, prices including VAT for private
// persons, zero-rated exports and reverse charge, rounding).
func TestSandboxBooksReconcile(t *testing.T) {
	w := newWorld(t)
	_, res := w.apply()
	verified := 0
	for key, rr := range results(res, ordersFlow) {
		if rr.Planned != "create" || rr.Action != "create" {
			continue
		}
		if rr.Verification == nil {
			t.Errorf("order %s was created without verification", key)
			continue
		}
		if rr.Verification.Failed() {
			t.Errorf("order %s: %s", key, rr.Verification.Message())
		}
		verified++
	}
	if verified == 0 {
		t.Fatal("no order was created and verified")
	}
	if n := res.Counts().Unverified; n != 0 {
		t.Errorf("run counts %d failed verifications; want 0", n)
	}
}

// An order whose stored totals differ from what was sent (the answer
// carries 10 more VAT) fails its verification: in the record's result,
// the activity log and the run's status, and the order is still linked,
// so that the next apply does not create it again.
func TestTamperedTotalsFailVerification(t *testing.T) {
	w := newWorld(t)
	w.sb.EAccounting().InjectFault(eaccountingtest.Fault{
		Method: "POST", PathPrefix: "/v2/orders",
		Answer: func(body map[string]any) {
			if vat, ok := body["VatAmount"].(float64); ok {
				body["VatAmount"] = vat + 10
			}
		},
	})
	_, res := w.apply()
	var failed []string
	for key, rr := range results(res, ordersFlow) {
		if !rr.Verification.Failed() {
			continue
		}
		failed = append(failed, key)
		if rr.Action != "create" || rr.TargetID == "" {
			t.Errorf("order %s: action %s, target %q; want a created order", key, rr.Action, rr.TargetID)
		}
		if !strings.Contains(rr.Error, "verification failed: ") || !strings.Contains(rr.Error, "VAT expected") || !strings.Contains(rr.Error, "stored") {
			t.Errorf("order %s: error %q; want both VAT figures", key, rr.Error)
		}
		// Which order is written first varies; 10 more VAT moves the
		// gross of an order priced without VAT, the net of one priced
		// with VAT (a private person's).
		m := rr.Verification.Mismatches
		figures := map[string]bool{}
		for _, x := range m {
			figures[x.Figure] = true
		}
		if len(m) != 2 || !figures["vat"] || !(figures["gross"] || figures["net"]) {
			t.Errorf("order %s mismatches %+v; want vat and one of gross or net", key, m)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("failed verifications %v; want exactly the tampered order", failed)
	}
	if n := res.Counts().Unverified; n != 1 {
		t.Errorf("result counts %d failed verifications; want 1", n)
	}

	run, err := w.st.Run(t.Context(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != "failed" || run.Counts["verification_failed"] != 1 {
		t.Errorf("run status %s, counts %v; want failed with verification_failed 1", run.Status, run.Counts)
	}
	acts, err := w.st.Activities(t.Context(), state.ActivityFilter{RunID: res.RunID, Flow: ordersFlow, SourceKey: failed[0]})
	if err != nil || len(acts) != 1 {
		t.Fatalf("activity of %s: %v, %v", failed[0], acts, err)
	}
	if !strings.Contains(acts[0].Error, "verification failed") {
		t.Errorf("activity error %q; want the failed verification", acts[0].Error)
	}

	// Linked: the next plan does not create the order again.
	_, pl := w.plan()
	if ch := changes(pl, ordersFlow)[failed[0]]; ch != nil && ch.Action == "create" {
		t.Errorf("next plan creates order %s again", failed[0])
	}
}
