package eaccounting

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// maxCreateAttempts bounds the POSTs of one create whose answers were lost.
const maxCreateAttempts = 3

// errAnswerLost marks a create whose outcome is unknown: the request may
// have been stored, but its answer never came.
var errAnswerLost = errors.New("the answer to the create was lost")

// Write creates and updates records, up to conn.writeConcurrency at a time;
// the per-endpoint rate limiter paces them.
//
// Create POSTs the record. eAccounting has no idempotency keys, so when the
// answer of a POST is lost (timeout, dropped connection, 5xx) the record is
// looked up by Write.KeyField before anything is retried: a found record
// was created, and a missing one is POSTed again only when eAccounting
// itself answered the error (500, 502, 503). After a timeout, a dropped
// connection or a gateway's 504 it may still be committing the record,
// so the create fails as lost (no *APIError) and the engine checks again
// on its next run. A retried POST that conflicts (409) means an earlier
// attempt was stored: that record, found by key, is the answer.
//
// Update is a read-modify-write: the API's PUT replaces the whole record and
// nulls what it is not given, so the written fields are merged into the
// current record and the result PUT, leaving every field the flow does not
// manage as it was. The current record is the plan's read of it
// (Write.Current) when the engine has a fresh one, else it is read (GET):
// an update then costs one call instead of two.
//
// Afterwards the action pseudo-fields (Shipped, Invoiced) run; see the
// package documentation. When an action fails, the result carries the
// stored record and the error together.
// writeBatchSize is how many writes the engine hands over at a time. The
// API has no batch endpoints (a write is a call), so the size only sets how
// soon the records a batch writes are saved and released to what depends
// on them (an order waits for its customer's batch): small, as the engine
// writes several batches at once.
const writeBatchSize = 50

// WriteBatchSize implements connectors.WriteBatchSizer.
func (w *writableObject) WriteBatchSize() int { return writeBatchSize }

// ConcurrentWrites tells the engine that batches of this object may be
// written at the same time: the client is safe for concurrent use and paces
// each endpoint to its own limit.
func (w *writableObject) ConcurrentWrites() bool { return true }

// ReplacesWholeRecords tells the engine that an update is merged into the
// whole record (PUT): it hands the plan's read of the record to the write
// (connectors.Write.Current) while that read is fresh.
func (w *writableObject) ReplacesWholeRecords() bool { return true }

func (w *writableObject) Write(ctx context.Context, writes []connectors.Write) []connectors.WriteResult {
	results := make([]connectors.WriteResult, len(writes))
	sem := make(chan struct{}, w.c.writeConcurrency)
	var wg sync.WaitGroup
	for i, wr := range writes {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(writes); j++ {
				results[j].Err = fmt.Errorf("eaccounting: %s %s: %w", writes[j].Action, w.def.name, ctx.Err())
			}
			wg.Wait()
			return results
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = w.writeOne(ctx, wr)
		}()
	}
	wg.Wait()
	return results
}

func (w *writableObject) writeOne(ctx context.Context, wr connectors.Write) connectors.WriteResult {
	rec, err := w.write(ctx, wr)
	var ae *actionError
	if errors.As(err, &ae) {
		// The create or update is stored; only the action failed. The
		// result carries both, so the record is not created again.
		w.explain(ae.err)
		return connectors.WriteResult{Record: ae.rec, Err: fmt.Errorf("eaccounting: %s %s %s: stored, but %w", wr.Action, w.def.name, ae.rec.ID, ae.err)}
	}
	if err != nil {
		w.explain(err)
		what := wr.ID
		if f, ok := w.def.schema.Field(wr.KeyField); what == "" && ok && !f.Sensitive {
			// Personal data (an e-mail key) stays out of error messages,
			// which end up in logs.
			what = fmt.Sprintf("%s %v", wr.KeyField, wr.Fields[wr.KeyField])
		}
		if what != "" {
			what = " " + what
		}
		return connectors.WriteResult{Err: fmt.Errorf("eaccounting: %s %s%s: %w", wr.Action, w.def.name, what, err)}
	}
	return connectors.WriteResult{Record: rec}
}

func (w *writableObject) write(ctx context.Context, wr connectors.Write) (connectors.Record, error) {
	if err := w.check(wr); err != nil {
		return connectors.Record{}, err
	}
	var rec connectors.Record
	var err error
	switch wr.Action {
	case connectors.Create:
		rec, err = w.create(ctx, wr)
	case connectors.Update:
		if wr.ID == "" {
			return connectors.Record{}, errors.New("an update needs the record's ID")
		}
		rec, err = w.update(ctx, wr)
	default:
		return connectors.Record{}, fmt.Errorf("unknown write action %d", wr.Action)
	}
	if err != nil {
		return connectors.Record{}, err
	}
	done, err := w.runActions(ctx, rec, wr.Fields)
	if err != nil {
		return connectors.Record{}, &actionError{rec: rec, err: err}
	}
	return done, nil
}

// actionError is an action (Shipped, Invoiced) that failed after the
// record itself was stored.
type actionError struct {
	rec connectors.Record
	err error
}

func (e *actionError) Error() string { return e.err.Error() }
func (e *actionError) Unwrap() error { return e.err }

// check refuses fields the object does not have or that are read-only,
// with the name the user probably meant.
func (w *writableObject) check(wr connectors.Write) error {
	var bad []string
	for name := range wr.Fields {
		f, ok := w.def.schema.Field(name)
		switch {
		case !ok:
			msg := fmt.Sprintf("%s is not a field of %s", name, w.def.name)
			if s := connectors.Suggest(name, w.def.schema.Names()); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			bad = append(bad, msg)
		case f.ReadOnly:
			bad = append(bad, fmt.Sprintf("%s is read-only in %s", name, w.def.name))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return errors.New(strings.Join(bad, "; "))
	}
	if w.def.name == "customerinvoices" && wr.Action != connectors.Update {
		return errors.New("customer invoices are made from orders and drafts (Invoiced = true); a flow can only register their payment (update with Payment)")
	}
	return checkPayment(w.def.name, wr.Fields)
}

// create POSTs a record, reconciling lost answers by key.
func (w *writableObject) create(ctx context.Context, wr connectors.Write) (connectors.Record, error) {
	body := encodeFields(w.def.shape, w.def.pseudo, wr.Fields)
	if err := checkRequired(w.def.schema.Fields, body); err != nil {
		return connectors.Record{}, err
	}
	for attempt := 1; ; attempt++ {
		var m map[string]any
		err := w.c.client.do(ctx, request{method: http.MethodPost, endpoint: w.def.endpoint, body: body}, &m)
		if err == nil {
			return w.def.toRecord(m), nil
		}
		var te *transientError
		if !errors.As(err, &te) {
			if attempt > 1 && errors.Is(err, connectors.ErrConflict) {
				// An earlier attempt whose answer was lost stored the
				// record after all (customers and articles are unique by
				// number): it is the one created.
				if rec, ok := w.findCreated(ctx, wr); ok {
					return rec, nil
				}
			}
			return connectors.Record{}, err
		}
		// From here on the outcome may be unknown. Those errors carry the
		// causes as text, not wrapped: an *APIError in the chain would tell
		// the engine that the system answered and nothing was stored.
		key := wr.KeyField
		val, ok := wr.Fields[key]
		if key == "" || !ok || val == nil {
			return connectors.Record{}, fmt.Errorf("%w (%v) and the write names no key to check whether the record was stored, so it is not retried: a retry could create it twice", errAnswerLost, err)
		}
		found, ferr := w.Find(ctx, key, []any{val})
		switch {
		case ferr != nil:
			return connectors.Record{}, fmt.Errorf("%w (%v) and looking the record up by %s failed: %v", errAnswerLost, err, key, ferr)
		case len(found) == 1:
			w.c.client.log.DebugContext(ctx, "eaccounting create reconciled by key", "object", w.def.name, "key", key)
			return found[0], nil
		case len(found) > 1:
			return connectors.Record{}, &connectors.APIError{Service: service, Message: fmt.Sprintf("the answer was lost and %d records now have this %s", len(found), key), Kind: connectors.ErrConflict}
		}
		if te.mayStillCommit() {
			// No answer came (or a gateway gave up waiting: 504): eAccounting
			// may still be committing the record, and a second POST could
			// store it twice (orders have no unique key there). The engine
			// keeps the create's intent and looks again on the next run.
			return connectors.Record{}, fmt.Errorf("%w (%v) and no record has this %s yet, so it is not sent again: %w", errAnswerLost, err, key, connectors.ErrMayStillCommit)
		}
		if attempt >= maxCreateAttempts {
			return connectors.Record{}, fmt.Errorf("%w %d times (last: %v); the record was not stored before the last attempt", errAnswerLost, attempt, err)
		}
		if err := w.c.client.sleep(ctx, w.c.client.retryWait(attempt)); err != nil {
			return connectors.Record{}, err
		}
	}
}

// findCreated looks up the record a create stored by the write's key.
func (w *writableObject) findCreated(ctx context.Context, wr connectors.Write) (connectors.Record, bool) {
	val, ok := wr.Fields[wr.KeyField]
	if wr.KeyField == "" || !ok || val == nil {
		return connectors.Record{}, false
	}
	found, err := w.Find(ctx, wr.KeyField, []any{val})
	if err != nil || len(found) != 1 {
		return connectors.Record{}, false
	}
	return found[0], true
}

// update merges the written fields into the current record (the one the
// write carries, else read) and PUTs it.
func (w *writableObject) update(ctx context.Context, wr connectors.Write) (connectors.Record, error) {
	var current map[string]any
	if wr.Current != nil {
		// The record as the plan (or the write before) read it, in the
		// API's encoding, as a GET would give it.
		current = encodeFields(w.def.shape, nil, wr.Current)
	} else if err := w.c.client.do(ctx, get(w.def.item, nil, wr.ID), &current); err != nil {
		return connectors.Record{}, err
	}
	changes := 0
	for k := range wr.Fields {
		if !w.def.pseudo[k] {
			changes++
		}
	}
	if changes == 0 { // actions only
		if wr.Current != nil {
			return connectors.Record{ID: wr.ID, Fields: wr.Current}, nil
		}
		return w.def.toRecord(current), nil
	}
	merged := merge(current, wr.Fields, w.def.pseudo)
	for field, twin := range w.def.twins {
		_, set := wr.Fields[field]
		_, twinSet := wr.Fields[twin]
		if set && !twinSet {
			delete(merged, twin)
		}
	}
	body := encodeFields(w.def.shape, w.def.pseudo, merged)
	if err := checkRequired(w.def.schema.Fields, body); err != nil {
		return connectors.Record{}, err
	}
	var m map[string]any
	r := request{method: http.MethodPut, endpoint: w.def.item, args: []string{wr.ID}, body: body, idempotent: true}
	if err := w.c.client.do(ctx, r, &m); err != nil {
		return connectors.Record{}, err
	}
	return w.def.toRecord(m), nil
}

// checkRequired refuses a request body that lacks a field the API
// requires, before it is sent: the API would refuse it the same way
// (DataModelValidationError), and this way the error names every missing
// field, rows included ("Rows[1].IsTextRow").
func checkRequired(schema []connectors.Field, body map[string]any) error {
	var missing []connectors.FieldError
	var walk func(fields []connectors.Field, m map[string]any, prefix string)
	walk = func(fields []connectors.Field, m map[string]any, prefix string) {
		for _, f := range fields {
			v, ok := m[f.Name]
			if f.Required && !f.ReadOnly && (!ok || v == nil) {
				missing = append(missing, connectors.FieldError{Field: prefix + f.Name, Message: "required, not given"})
				continue
			}
			switch x := v.(type) {
			case map[string]any:
				walk(f.Fields, x, prefix+f.Name+".")
			case []any:
				if f.Elem == nil || f.Elem.Type != connectors.TypeObject {
					continue
				}
				for i, e := range x {
					if em, ok := e.(map[string]any); ok {
						walk(f.Elem.Fields, em, fmt.Sprintf("%s%s[%d].", prefix, f.Name, i))
					}
				}
			}
		}
	}
	walk(schema, body, "")
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, len(missing))
	for i, m := range missing {
		names[i] = m.Field
	}
	// Refused before sending, so there is no HTTP status or ErrorId.
	return &connectors.APIError{
		Service: service,
		Code:    "required",
		Message: "required fields missing: " + strings.Join(names, ", "),
		Fields:  missing,
	}
}

// merge overlays the written fields on the current record. Nested objects
// merge field by field; lists (order rows) are replaced whole, since the
// flow computes all of them.
func merge(current, changes map[string]any, skip map[string]bool) map[string]any {
	out := make(map[string]any, len(current)+len(changes))
	for k, v := range current {
		out[k] = v
	}
	for k, v := range changes {
		if skip[k] {
			continue
		}
		if cm, ok := out[k].(map[string]any); ok {
			if nm, ok := v.(map[string]any); ok {
				out[k] = merge(cm, nm, nil)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// runActions performs the actions the write's pseudo-fields ask for.
func (w *writableObject) runActions(ctx context.Context, rec connectors.Record, fields map[string]any) (connectors.Record, error) {
	if len(w.def.pseudo) == 0 {
		return rec, nil
	}
	if v, ok := fields[fieldShipped]; ok {
		want, _ := v.(bool)
		have, _ := rec.Fields[fieldShipped].(bool)
		switch {
		case want && !have:
			var err error
			if rec, err = w.markShipped(ctx, rec); err != nil {
				return connectors.Record{}, fmt.Errorf("mark shipped: %w", err)
			}
		case !want && have:
			return connectors.Record{}, fmt.Errorf("%s: a shipped order cannot be set back to not shipped", fieldShipped)
		}
	}
	if v, ok := fields[fieldInvoiced]; ok {
		want, _ := v.(bool)
		have, _ := rec.Fields[fieldInvoiced].(bool)
		switch {
		case want && !have:
			var err error
			if rec, err = w.invoice(ctx, rec); err != nil {
				return connectors.Record{}, fmt.Errorf("convert to invoice: %w", err)
			}
		case !want && have:
			return connectors.Record{}, fmt.Errorf("%s: an invoiced %s cannot be set back to not invoiced", fieldInvoiced, w.def.name)
		}
	}
	if p, ok := fields[fieldPayment].(map[string]any); ok {
		var err error
		if rec, err = w.pay(ctx, rec, p); err != nil {
			return connectors.Record{}, fmt.Errorf("register the payment: %w", err)
		}
	}
	return rec, nil
}

// markShipped sets an ongoing order's Status to Shipped (3) with today's
// shipping date. The vendored Swagger has no dedicated endpoint for it
// (POST /v2/orders/{id}/completed came later), so it is a merge-PUT.
func (w *writableObject) markShipped(ctx context.Context, rec connectors.Record) (connectors.Record, error) {
	fields := map[string]any{"Status": int64(orderShipped)}
	if rec.Fields["ShippedDateTime"] == nil {
		fields["ShippedDateTime"] = w.c.now().UTC().Format(time.DateOnly)
	}
	// rec is what the write before stored, read from its answer: it stands
	// for the current record.
	return w.update(ctx, connectors.Write{Action: connectors.Update, ID: rec.ID, Fields: fields, Current: rec.Fields})
}

// invoice converts an order or a draft into a booked customer invoice. The
// conversion is not idempotent: when its answer is lost, the record is
// looked at again before anything is retried.
func (w *writableObject) invoice(ctx context.Context, rec connectors.Record) (connectors.Record, error) {
	r := request{method: http.MethodPost, endpoint: w.def.item + "/convert", args: []string{rec.ID}}
	from := "CreatedFromOrderId"
	if w.def.name == "customerinvoicedrafts" {
		// The body carries totals the server checks before booking; an empty
		// one asks for no check.
		r.body = map[string]any{}
		from = "CreatedFromDraftId"
	}
	var inv map[string]any
	err := w.c.client.do(ctx, r, &inv)
	var te *transientError
	if errors.As(err, &te) {
		// Was it converted? Look for the invoice made from this record.
		invoices, ierr := w.c.objects["customerinvoices"].(connectors.Finder).Find(ctx, from, []any{rec.ID})
		if ierr != nil || len(invoices) == 0 {
			return connectors.Record{}, err
		}
		inv = map[string]any{"Id": invoices[0].ID}
		err = nil
	}
	if err != nil {
		return connectors.Record{}, err
	}
	out := connectors.Record{ID: rec.ID, Fields: make(map[string]any, len(rec.Fields)+2)}
	for k, v := range rec.Fields {
		out.Fields[k] = v
	}
	out.Fields[fieldInvoiced] = true
	out.Fields[fieldInvoiceID] = inv["Id"]
	if w.def.name == "orders" {
		out.Fields["Status"] = int64(orderInvoiced)
		out.Fields[fieldShipped] = true
	}
	return out, nil
}

// explain fills in the field of a validation error that names it only in
// its message ("VatNumber can not be null ..."), so that the plan and the
// log can say which field was refused.
func (w *writableObject) explain(err error) {
	var ae *connectors.APIError
	if !errors.As(err, &ae) || len(ae.Fields) > 0 || ae.Message == "" {
		return
	}
	best := ""
	for _, f := range w.def.schema.Fields {
		if len(f.Name) > len(best) && wordIn(ae.Message, f.Name) {
			best = f.Name
		}
	}
	if best != "" {
		ae.Fields = []connectors.FieldError{{Field: best, Message: ae.Message}}
	}
}

// wordIn reports whether word occurs in msg as a whole word.
func wordIn(msg, word string) bool {
	for i := 0; ; {
		j := strings.Index(msg[i:], word)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		if (start == 0 || !isWordByte(msg[start-1])) && (end == len(msg) || !isWordByte(msg[end])) {
			return true
		}
		i = start + 1
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
