package scenario

import (
	"math"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/engine"
	"github.com/kopla-dev/kopla/engine/plan"
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

// The plan shows what each document it creates must total, also while its
// customer or articles are still to be created by the same apply (their
// ids known only after apply): the totals come from those records as
// planned. Apply then finds the planned figures stored in eAccounting, for
// those orders too.
func TestPlanShowsDocumentTotals(t *testing.T) {
	w := newWorld(t)
	pl, res := w.apply(ordersFlow)
	planned := map[string]*plan.Totals{}
	waiting := map[string]bool{}
	for key, ch := range changes(pl, ordersFlow) {
		if ch.Action != "create" {
			continue
		}
		for _, fc := range ch.Fields {
			waiting[key] = waiting[key] || fc.Unknown
		}
		switch tot := ch.Totals; {
		case tot == nil || tot.Error != "" || tot.Currency == "":
			t.Errorf("order %s: totals %+v; want figures in a currency", key, tot)
		case tot.Unknown:
			t.Errorf("order %s: totals known after apply; want them from the records the apply creates, as planned", key)
		default:
			planned[key] = tot
		}
	}
	if len(planned) == 0 {
		t.Fatal("no order to create")
	}
	waited := 0
	for key, rr := range results(res, ordersFlow) {
		want, ok := planned[key]
		if !ok || rr.Action != "create" {
			continue
		}
		if rr.Verification == nil || rr.Verification.Failed() {
			t.Errorf("order %s: verification %+v", key, rr.Verification)
			continue
		}
		got := rr.Verification.Stored
		if got.Currency != want.Currency || math.Abs(got.Net-want.Net) > 0.011 || math.Abs(got.VAT-want.VAT) > 0.011 || math.Abs(got.Gross-want.Gross) > 0.011 {
			t.Errorf("order %s: planned %s; eAccounting stored %s", key, want, got)
		}
		if waiting[key] {
			waited++
		}
		delete(planned, key)
	}
	if len(planned) > 0 {
		t.Errorf("orders planned but not created: %v", sortedKeys(planned))
	}
	if waited == 0 {
		t.Error("no order of the plan waited for a new customer or article; the test needs one")
	}
}

// kopla verify's check over booked documents: after the demo's apply every
// order the state links reconciles; an order whose stored VAT differs (the
// fake answers it with 10 more VAT) is listed as a mismatch, the others
// still reconcile.
func TestVerifyBookedDocuments(t *testing.T) {
	w := newWorld(t)
	_, res := w.apply()
	created := 0
	for _, rr := range results(res, ordersFlow) {
		if rr.Action == "create" {
			created++
		}
	}
	if created == 0 {
		t.Fatal("no order was created")
	}
	p := w.project()
	docs, diags := p.VerifyBooked(t.Context(), engine.VerifyOptions{State: w.st, Flows: []string{ordersFlow}})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	if len(docs) != created {
		t.Errorf("verified %d booked orders; want the %d created", len(docs), created)
	}
	for _, d := range docs {
		if d.Failed() {
			t.Errorf("booked order %s (%s): %s", d.SourceKey, d.TargetID, d.Verification.Message())
		}
	}

	w.sb.EAccounting().InjectFault(eaccountingtest.Fault{
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
	})
	p = w.project()
	docs, diags = p.VerifyBooked(t.Context(), engine.VerifyOptions{State: w.st})
	if diags.HasErrors() {
		t.Fatal(diagText(diags))
	}
	var failed []engine.BookedDocument
	for _, d := range docs {
		if d.Failed() {
			failed = append(failed, d)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("%d booked documents fail; want the one answered with 10 more VAT", len(failed))
	}
	if m := failed[0].Verification.Message(); failed[0].Flow != ordersFlow || !strings.Contains(m, "VAT expected") {
		t.Errorf("failed document %+v: %s; want an order with both VAT figures", failed[0], m)
	}
}
