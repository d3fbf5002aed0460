package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/kopla-dev/kopla/connectors/hubspot"
)

// maxWebhookBody bounds a webhook request: HubSpot sends fewer than 100
// events of well under 1 KiB each.
const maxWebhookBody = 1 << 20

// hubspotEvent is one event of a HubSpot webhook request (the fields
// serve uses; HubSpot's guide lists the rest).
type hubspotEvent struct {
	EventID          json.Number `json:"eventId"`
	SubscriptionType string      `json:"subscriptionType"`
	ObjectTypeID     string      `json:"objectTypeId"`
	ObjectID         json.Number `json:"objectId"`
	PortalID         json.Number `json:"portalId"`
	OccurredAt       int64       `json:"occurredAt"`
	// Association changes.
	AssociationType string      `json:"associationType"`
	FromObjectID    json.Number `json:"fromObjectId"`
	ToObjectID      json.Number `json:"toObjectId"`
}

// hubspotTypes maps the subscription types' object names and the generic
// subscriptions' objectTypeId to the connector's object names.
var hubspotTypes = map[string]string{
	"contact": "contacts", "company": "companies", "deal": "deals", "ticket": "tickets",
	"line_item": "line_items", "product": "products",
	"order": "orders",
	"0-1":   "contacts", "0-2": "companies", "0-3": "deals", "0-5": "tickets", "0-7": "products",
	"0-8": "line_items", "0-123": "orders", "0-53": "invoices", "0-84": "discounts", "0-85": "fees", "0-86": "taxes",
	"0-101": "commerce_payments",
}

// associationObject names the object at one end of an association type
// (DEAL_TO_LINE_ITEM: line_items at the "to" end).
func associationObject(assoc string, to bool) string {
	from, toName, ok := strings.Cut(strings.ToLower(assoc), "_to_")
	if !ok {
		return ""
	}
	if to {
		return hubspotTypes[toName]
	}
	return hubspotTypes[from]
}

// hubspotHook receives HubSpot webhook requests: it checks the signature
// (v3, or v2 for older apps), stores every event of the batch and queues
// the runs of the flows whose source changed, in one transaction, before
// it answers 200. HubSpot retries any other answer, so a failure here
// loses nothing.
func (s *Server) hubspotHook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if s.opts.HubSpotSecret == "" {
		http.Error(w, "HubSpot webhooks are not set up: start kopla serve with the app's client secret in KOPLA_HUBSPOT_CLIENT_SECRET", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return
	}
	if err := s.verifyHubSpot(r, body); err != nil {
		s.metrics.webhookEvents.WithLabelValues("refused").Inc()
		s.log.Warn("webhook refused", "error", err, "remote", r.RemoteAddr)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var raw []hubspotEvent
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		http.Error(w, "the body is not a JSON array of HubSpot events", http.StatusBadRequest)
		return
	}
	evs, forget := s.hubspotEvents(raw)
	added, err := s.storeEvents(r.Context(), evs, forget)
	if err != nil {
		// HubSpot retries a 5xx: the batch arrives again.
		s.log.Error("cannot store webhook events", "error", err)
		http.Error(w, "cannot store the events; HubSpot will send them again", http.StatusServiceUnavailable)
		return
	}
	s.metrics.webhookEvents.WithLabelValues("stored").Add(float64(added))
	s.metrics.webhookEvents.WithLabelValues("duplicate").Add(float64(len(evs) - added))
	s.log.Info("webhook events stored", "events", len(raw), "new", added, "privacy_deletions", len(forget))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"received":%d,"new":%d}`+"\n", len(raw), added)
}

func (s *Server) verifyHubSpot(r *http.Request, body []byte) error {
	if s.opts.PublicURL != "" {
		u, err := url.Parse(strings.TrimSuffix(s.opts.PublicURL, "/") + r.URL.RequestURI())
		if err != nil {
			return fmt.Errorf("the public URL %q: %w", s.opts.PublicURL, err)
		}
		r2 := *r
		r2.URL = u
		r = &r2
	}
	if r.Header.Get("X-HubSpot-Signature-v3") != "" {
		return hubspot.VerifySignatureV3(s.opts.HubSpotSecret, r, body, s.opts.Now())
	}
	if r.Header.Get("X-HubSpot-Signature-Version") == "v2" {
		return hubspot.VerifySignatureV2(s.opts.HubSpotSecret, r, body)
	}
	return errors.Join(hubspot.ErrBadSignature, errors.New("no X-HubSpot-Signature-v3 (or v2) header"))
}

// hubspotEvents turns a batch into stored events (an association change is
// a change of both records) and the ids of privacy deletions.
func (s *Server) hubspotEvents(raw []hubspotEvent) (evs []Event, forget []string) {
	for _, e := range raw {
		kind, action, _ := strings.Cut(e.SubscriptionType, ".")
		at := time.UnixMilli(e.OccurredAt)
		key := func(id json.Number, object string) string {
			return strings.Join([]string{"hubspot", e.PortalID.String(), e.EventID.String(), e.SubscriptionType, object, id.String(), strconv.FormatInt(e.OccurredAt, 10)}, "/")
		}
		add := func(object string, id json.Number) {
			if object == "" || id == "" {
				return
			}
			evs = append(evs, Event{DedupKey: key(id, object), Source: "hubspot", Object: object, ObjectID: id.String(), Type: e.SubscriptionType, OccurredAt: at})
		}
		object := hubspotTypes[kind]
		if kind == "object" {
			object = hubspotTypes[e.ObjectTypeID]
		}
		switch action {
		case "privacyDeletion":
			forget = append(forget, e.ObjectID.String())
		case "associationChange":
			add(associationObject(e.AssociationType, false), e.FromObjectID)
			add(associationObject(e.AssociationType, true), e.ToObjectID)
		default:
			add(object, e.ObjectID)
		}
	}
	return evs, forget
}

// storeEvents stores the events, one per flow that reads their object,
// drops what is stored of the records a privacy deletion erases, and
// queues the runs: all in one transaction (River's jobs live in the same
// database), so that an answered batch is never lost.
func (s *Server) storeEvents(ctx context.Context, evs []Event, forget []string) (added int, err error) {
	var rows []Event
	for _, ev := range evs {
		n := 0
		for _, name := range s.names {
			fi := s.flows[name]
			if fi.sourceKind == ev.Source && fi.object == ev.Object {
				e := ev
				e.Flow = name
				rows = append(rows, e)
				n++
			}
		}
		if n == 0 {
			rows = append(rows, ev)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	keys, flows, err := s.q.addEvents(ctx, tx, rows)
	if err != nil {
		return 0, err
	}
	if err := s.q.forgetEvents(ctx, tx, "hubspot", "contacts", forget); err != nil {
		return 0, err
	}
	for _, name := range s.names {
		if flows[name] {
			if err := s.enqueueTx(ctx, tx, name); err != nil {
				return 0, err
			}
		}
	}
	for _, id := range forget {
		if _, err := s.client.InsertTx(ctx, tx, forgetArgs{Key: id}, &river.InsertOpts{Queue: flowQueue,
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: queueStates}}); err != nil {
			return 0, err
		}
	}
	return len(keys), tx.Commit()
}
