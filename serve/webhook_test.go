package serve

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/sandbox"
)

const ordersFlow = "orders_to_eaccounting_orders"

// TestWebhookReachesEAccounting: webhook events of paid orders in the
// HubSpot fake, posted to a real listener, make a targeted run each that
// creates the eAccounting orders, well within 60 s (p95 over the orders).
func TestWebhookReachesEAccounting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	var lat []time.Duration
	for i, id := range []string{"4001", "4002", "4003"} {
		at := time.Now()
		resp := h.post([]map[string]any{orderEvent(100+i, id, "creation")})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook answered %s", resp.Status)
		}
		r := h.waitRun(60 * time.Second)
		lat = append(lat, time.Since(at))
		if r.Err != nil || r.Trigger != "webhook" || r.Counts["create"] == 0 {
			t.Fatalf("run of order %s: trigger %s, counts %v, failed %v, err %v", id, r.Trigger, r.Counts, r.Failed, r.Err)
		}
		target := h.link(ordersFlow, id)
		if target == "" {
			t.Fatalf("order %s has no eAccounting order after the run", id)
		}
		got := h.eaGet("/orders/" + target)
		if got["YourReference"] != "HS-"+id {
			t.Errorf("eAccounting order %s: YourReference %v; want HS-%s", target, got["YourReference"], id)
		}
	}
	slices.Sort(lat)
	p95 := lat[len(lat)-1]
	t.Logf("webhook -> eAccounting latency: %v (p95 %v)", lat, p95)
	if p95 > 60*time.Second {
		t.Errorf("p95 latency %v; want at most 60s", p95)
	}
}

// TestWebhookRefusesBadSignature: a request signed with another secret, or
// not at all, or too old, is refused and runs nothing.
func TestWebhookRefusesBadSignature(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	body := []byte(`[{"eventId":1,"subscriptionType":"object.creation","objectTypeId":"0-123","objectId":4001,"occurredAt":1,"portalId":1}]`)
	if resp := h.postRaw(body, "another-secret"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong secret: %s; want 401", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+h.addr+"/hooks/hubspot", bytes.NewReader(body))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("unsigned: %v %v; want 401", resp.Status, err)
	}
	// A v3 signature 6 minutes old, otherwise right.
	url := "http://" + h.addr + "/hooks/hubspot"
	ts := strconv.FormatInt(time.Now().Add(-6*time.Minute).UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(http.MethodPost + url))
	mac.Write(body)
	mac.Write([]byte(ts))
	req, _ = http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-HubSpot-Signature-v3", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("stale: %v %v; want 401", resp.Status, err)
	}
	select {
	case r := <-h.runs:
		t.Fatalf("a refused request made a run: %+v", r)
	case <-time.After(1500 * time.Millisecond):
	}
	if n, _ := h.srv.q.pendingEvents(t.Context()); n != 0 {
		t.Errorf("%d events stored from refused requests", n)
	}
	if h.link(ordersFlow, "4001") != "" {
		t.Error("order 4001 was written")
	}
}

// TestWebhookV2: an older app's v2 signature is accepted.
func TestWebhookV2(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	body, _ := json.Marshal([]map[string]any{orderEvent(9, "4001", "creation")})
	url := "http://" + h.addr + "/hooks/hubspot"
	sum := sha256.Sum256([]byte(testSecret + http.MethodPost + url + string(body)))
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("X-HubSpot-Signature-Version", "v2")
	req.Header.Set("X-HubSpot-Signature", hex.EncodeToString(sum[:]))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("v2: %v %v; want 200", resp.Status, err)
	}
	if r := h.waitRun(30 * time.Second); r.Counts["create"] == 0 {
		t.Errorf("v2 run: %+v", r)
	}
}

// TestWebhookDuplicateRunsOnce: the same event delivered again (HubSpot
// retries) is stored once and run once.
func TestWebhookDuplicateRunsOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	ev := orderEvent(42, "4001", "creation")
	h.post([]map[string]any{ev})
	r := h.waitRun(30 * time.Second)
	if r.Counts["create"] == 0 {
		t.Fatalf("first delivery: %+v", r)
	}
	ev["attemptNumber"] = 1
	resp := h.post([]map[string]any{ev, ev})
	var answer struct{ Received, New int }
	json.NewDecoder(resp.Body).Decode(&answer)
	if answer.Received != 2 || answer.New != 0 {
		t.Errorf("redelivery answered %+v; want 2 received, 0 new", answer)
	}
	select {
	case r := <-h.runs:
		t.Fatalf("a duplicate made a second run: %+v", r)
	case <-time.After(1500 * time.Millisecond):
	}
}

// TestWebhookBurstFewRuns: 500 events (5 requests of 100, as HubSpot
// batches them) make at most a few runs, and every order is planned.
func TestWebhookBurstFewRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	ids := []string{}
	for i := range 20 {
		ids = append(ids, strconv.Itoa(4001+i))
	}
	n := 0
	for range 5 {
		var batch []map[string]any
		for range 100 {
			batch = append(batch, orderEvent(1000+n, ids[n%len(ids)], "propertyChange"))
			n++
		}
		if resp := h.post(batch); resp.StatusCode != http.StatusOK {
			t.Fatalf("batch: %s", resp.Status)
		}
	}
	// Every event is processed (done) by the runs, then no run follows.
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := h.srv.q.pendingEvents(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still pending after 60s; log:\n%s", n, h.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	runs := len(h.runs)
	for range runs {
		if r := <-h.runs; r.Err != nil {
			t.Errorf("run failed: %v", r.Err)
		}
	}
	// Nothing is left to do: a full plan of the flow creates nothing.
	h.noChangesLeft(ordersFlow)
	t.Logf("500 events made %d runs", runs)
	if runs > 3 {
		t.Errorf("500 events made %d runs; want at most 3", runs)
	}
	if n, _ := h.srv.q.pendingEvents(t.Context()); n != 0 {
		t.Errorf("%d events left unprocessed", n)
	}
}

// TestPrivacyDeletionForgets: contact.privacyDeletion erases what the state
// holds of the contact (links and activity), as kopla forget does, and
// runs nothing for it.
func TestPrivacyDeletionForgets(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{}, Options{Flows: []string{ordersFlow}})
	h.start()
	h.post([]map[string]any{orderEvent(1, "4001", "creation")})
	if r := h.waitRun(30 * time.Second); r.Err != nil {
		t.Fatal(r.Err)
	}
	acts, err := h.st.Activities(t.Context(), state.ActivityFilter{Flow: "contacts_to_customers"})
	if err != nil || len(acts) == 0 {
		t.Fatalf("no contact was written with the order: %v", err)
	}
	contact := acts[0].SourceKey
	n, _ := strconv.Atoi(contact)
	h.post([]map[string]any{
		{"eventId": 7, "subscriptionType": "contact.privacyDeletion", "objectId": n, "portalId": 1234, "occurredAt": time.Now().UnixMilli()},
		{"eventId": 8, "subscriptionType": "contact.deletion", "objectId": n, "portalId": 1234, "occurredAt": time.Now().UnixMilli()},
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		acts, err := h.st.Activities(t.Context(), state.ActivityFilter{Key: contact})
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) == 0 && h.link("contacts_to_customers", contact) == "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("contact %s still has %d activity entries / a link after the privacy deletion; log:\n%s", contact, len(acts), h.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAssociationChangeEvents: an association change is a change of the
// records at both ends.
func TestAssociationChangeEvents(t *testing.T) {
	t.Parallel()
	s := &Server{}
	evs, forget := s.hubspotEvents([]hubspotEvent{{
		EventID: "1", SubscriptionType: "contact.associationChange", AssociationType: "CONTACT_TO_COMPANY",
		FromObjectID: "11", ToObjectID: "22", OccurredAt: 5, PortalID: "9",
	}, {
		EventID: "2", SubscriptionType: "object.associationChange", ObjectTypeID: "0-123", AssociationType: "ORDER_TO_LINE_ITEM",
		FromObjectID: "33", ToObjectID: "44", OccurredAt: 5, PortalID: "9",
	}})
	var got []string
	for _, e := range evs {
		got = append(got, e.Object+"/"+e.ObjectID)
	}
	want := []string{"contacts/11", "companies/22", "orders/33", "line_items/44"}
	if !slices.Equal(got, want) || len(forget) != 0 {
		t.Errorf("events %v, forget %v; want %v", got, forget, want)
	}
}
