package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/kopla-dev/kopla/connectors"
)

// maxReconcile bounds how often one create is looked up and sent again after
// its answer was lost.
const maxReconcile = 2

// item is one prepared write.
type item struct {
	idx   int // position in the Write call
	w     connectors.Write
	props map[string]string
	assoc []association
}

func (it item) traceID() string { return "kopla-" + strconv.Itoa(it.idx) }

type association struct {
	To    idInput     `json:"to"`
	Types []assocSpec `json:"types"`
}

type assocSpec struct {
	Category string `json:"associationCategory"`
	TypeID   int    `json:"associationTypeId"`
}

// createInput is SimplePublicObjectBatchInputForCreate; the spec requires
// associations, so an empty list is sent rather than none.
type createInput struct {
	Properties         map[string]string `json:"properties"`
	Associations       []association     `json:"associations"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId"`
}

// upsertInput is SimplePublicObjectBatchInputUpsert.
type upsertInput struct {
	IDProperty         string            `json:"idProperty"`
	ID                 string            `json:"id"`
	Properties         map[string]string `json:"properties"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId"`
}

// updateInput is SimplePublicObjectBatchInput.
type updateInput struct {
	ID                 string            `json:"id"`
	Properties         map[string]string `json:"properties"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId"`
}

// ConcurrentWrites tells the engine that batches of this object may be
// written at the same time: the client is safe for concurrent use and
// paces every call to HubSpot's limits.
func (o *object) ConcurrentWrites() bool { return true }

// Write creates and updates records in batches of 100. Creates carry their
// associations inline. A batch HubSpot refuses as a whole because of one
// input is split until the bad input is alone, so the others still go
// through; a create whose answer was lost is looked up by its key before it
// is sent again.
func (o *object) Write(ctx context.Context, writes []connectors.Write) []connectors.WriteResult {
	res := make([]connectors.WriteResult, len(writes))
	var creates, upserts, updates []item
	for i, w := range writes {
		it, err := o.prepare(i, w)
		if err != nil {
			res[i].Err = err
			continue
		}
		switch {
		case w.Action == connectors.Update:
			updates = append(updates, it)
		case o.upsertable(it):
			upserts = append(upserts, it)
		default:
			creates = append(creates, it)
		}
	}
	var mu sync.Mutex
	var stop error // the first error that stops everything
	run := func(items []item, send func(context.Context, []item, []connectors.WriteResult) error) {
		// Batches go out a few at a time: the rate limiter, not the round
		// trip, should bound a large write.
		var g errgroup.Group
		g.SetLimit(o.c.opts.writeParallel)
		for chunk := range chunks(items, o.c.opts.batchSize) {
			g.Go(func() error {
				mu.Lock()
				s := stop
				mu.Unlock()
				if s != nil {
					setErr(res, chunk, s)
					return nil
				}
				if err := send(ctx, chunk, res); err != nil {
					mu.Lock()
					if stop == nil {
						stop = err
					}
					mu.Unlock()
				}
				return nil
			})
		}
		_ = g.Wait() // the goroutines report through res
	}
	run(creates, func(ctx context.Context, items []item, res []connectors.WriteResult) error {
		return o.create(ctx, items, res, 0)
	})
	run(upserts, o.upsert)
	run(updates, o.update)
	return res
}

// upsertable reports whether a create goes out as an upsert by its key:
// when the key is a property HubSpot keeps unique (email, hasUniqueValue),
// an upsert cannot make a duplicate, whether another writer created the
// record meanwhile or the answer to an earlier attempt was lost. Upserts
// carry no associations, so creates that set some stay creates.
func (o *object) upsertable(it item) bool {
	f, ok := o.fields[it.w.KeyField]
	return ok && f.Unique && f.Name != "hs_object_id" && len(it.assoc) == 0 && it.props[f.Name] != ""
}

// upsert sends one batch of creates as an upsert by their key. An upsert is
// idempotent, so the client may send it again after a lost answer.
func (o *object) upsert(ctx context.Context, items []item, res []connectors.WriteResult) error {
	body := struct {
		Inputs []upsertInput `json:"inputs"`
	}{}
	for _, it := range items {
		key := it.w.KeyField
		body.Inputs = append(body.Inputs, upsertInput{IDProperty: key, ID: it.props[key], Properties: it.props, ObjectWriteTraceID: it.traceID()})
	}
	req, err := o.c.client.NewRequest(ctx, http.MethodPost, o.c.objectsPath(o.def.name, "batch", "upsert"), nil, body)
	if err != nil {
		setErr(res, items, err)
		return nil
	}
	var br batchResponse
	_, err = o.c.client.Do(req, &br)
	switch {
	case err == nil:
		o.applyBatch(items, br, res, false)
		return nil
	case isFatal(ctx, err):
		setErr(res, items, err)
		return err
	case rejectedWhole(err) && len(items) > 1:
		mid := len(items) / 2
		if stop := o.upsert(ctx, items[:mid], res); stop != nil {
			setErr(res, items[mid:], stop)
			return stop
		}
		return o.upsert(ctx, items[mid:], res)
	}
	setErr(res, items, fmt.Errorf("hubspot: upsert %s by %s: %w", o.def.name, items[0].w.KeyField, err))
	return nil
}

// prepare checks a write and formats its values.
func (o *object) prepare(i int, w connectors.Write) (item, error) {
	it := item{idx: i, w: w, props: map[string]string{}, assoc: []association{}}
	switch w.Action {
	case connectors.Create:
	case connectors.Update:
		if w.ID == "" {
			return it, fmt.Errorf("hubspot: update %s: the write has no record ID", o.def.name)
		}
	default:
		return it, fmt.Errorf("hubspot: write %s: unknown action %v", o.def.name, w.Action)
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range w.Fields {
			if !yield(n) {
				return
			}
		}
	})
	for _, name := range names {
		v := w.Fields[name]
		if isPseudoField(name) {
			if w.Action != connectors.Create {
				return it, &ValueError{Field: name, Value: v, Message: "associations are written when the record is created only; " +
					"move the field to create_only"}
			}
			a, err := o.associationsFor(name, v)
			if err != nil {
				return it, err
			}
			it.assoc = append(it.assoc, a...)
			continue
		}
		f, ok := o.fields[name]
		if !ok {
			msg := fmt.Sprintf("%s has no property %q", o.def.name, name)
			if s := connectors.Suggest(name, o.schema.Names()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += " (run kopla init to discover custom properties)"
			}
			return it, &ValueError{Field: name, Value: v, Message: msg}
		}
		if f.ReadOnly {
			return it, &ValueError{Field: name, Value: v, Message: "the property is set by HubSpot and cannot be written"}
		}
		s, err := toHubSpot(f, v)
		if err != nil {
			return it, err
		}
		it.props[name] = s
	}
	if w.Action == connectors.Create {
		for _, f := range o.schema.Fields {
			if f.Required && it.props[f.Name] == "" {
				return it, &ValueError{Field: f.Name, Message: fmt.Sprintf("HubSpot needs %s to create a record of %s", f.Name, o.def.name)}
			}
		}
	}
	return it, nil
}

// associationsFor turns an associations.<object> value (a list of IDs, or
// one ID) into inline associations.
func (o *object) associationsFor(name string, v any) ([]association, error) {
	var typeID int
	if name == primaryCompanyFd {
		id, ok := primaryCompany[o.def.name]
		if !ok {
			return nil, &ValueError{Field: name, Value: v, Message: o.def.name + " have no primary company"}
		}
		typeID = id
	} else {
		to := strings.TrimPrefix(name, assocPrefix)
		id, ok := assocTypes[o.def.name][to]
		if !ok {
			return nil, &ValueError{Field: name, Value: v, Message: fmt.Sprintf("%s cannot be associated with %s; it can be with: %s",
				o.def.name, to, strings.Join(assocTargets(o.def.name), ", "))}
		}
		typeID = id
	}
	var ids []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		ids = x
	case []string:
		for _, s := range x {
			ids = append(ids, s)
		}
	default:
		ids = []any{x}
	}
	var out []association
	for _, id := range ids {
		s, err := toHubSpot(connectors.Field{Name: name, Type: connectors.TypeString}, id)
		if err != nil || s == "" {
			return nil, &ValueError{Field: name, Value: v, Message: "give record IDs (strings or numbers)"}
		}
		out = append(out, association{To: idInput{ID: s}, Types: []assocSpec{{Category: "HUBSPOT_DEFINED", TypeID: typeID}}})
	}
	return out, nil
}

// create sends one batch of creates. It returns an error that must stop the
// whole Write (auth, daily limit, cancellation), after setting it on items.
func (o *object) create(ctx context.Context, items []item, res []connectors.WriteResult, reconciled int) error {
	body := struct {
		Inputs []createInput `json:"inputs"`
	}{}
	for _, it := range items {
		body.Inputs = append(body.Inputs, createInput{Properties: it.props, Associations: it.assoc, ObjectWriteTraceID: it.traceID()})
	}
	req, err := o.c.client.NewRequest(noReplay(ctx), http.MethodPost, o.c.objectsPath(o.def.name, "batch", "create"), nil, body)
	if err != nil {
		setErr(res, items, err)
		return nil
	}
	var br batchResponse
	_, err = o.c.client.Do(req, &br)
	if err == nil {
		o.applyBatch(items, br, res, false)
		return nil
	}
	var lost *lostAnswerError
	switch {
	case errors.As(err, &lost):
		return o.reconcile(ctx, items, res, err, reconciled)
	case isFatal(ctx, err):
		setErr(res, items, err)
		return err
	case rejectedWhole(err) && len(items) > 1:
		mid := len(items) / 2
		if stop := o.create(ctx, items[:mid], res, reconciled); stop != nil {
			setErr(res, items[mid:], stop)
			return stop
		}
		return o.create(ctx, items[mid:], res, reconciled)
	}
	setErr(res, items, fmt.Errorf("hubspot: create %s: %w", o.def.name, err))
	return nil
}

// reconcile handles creates whose answer was lost: each one found by its key
// was made and counts as created; the others are sent again.
func (o *object) reconcile(ctx context.Context, items []item, res []connectors.WriteResult, cause error, reconciled int) error {
	if reconciled >= maxReconcile {
		setErr(res, items, fmt.Errorf("hubspot: create %s: %w", o.def.name, cause))
		return nil
	}
	// Give HubSpot a moment: the failure may last, and what it made needs
	// to become visible.
	if err := o.c.opts.sleep(ctx, o.c.client.backoff(reconciled+1)); err != nil {
		setErr(res, items, err)
		return err
	}
	byKey := map[string][]item{}
	var keys []string
	for _, it := range items {
		if it.w.KeyField == "" || it.w.Fields[it.w.KeyField] == nil {
			res[it.idx].Err = fmt.Errorf("hubspot: create %s: %w; the write has no key value to check whether HubSpot made the record, "+
				"so it was not sent again (look for a duplicate before the next run)", o.def.name, cause)
			continue
		}
		if _, ok := byKey[it.w.KeyField]; !ok {
			keys = append(keys, it.w.KeyField)
		}
		byKey[it.w.KeyField] = append(byKey[it.w.KeyField], it)
	}
	var again []item
	for _, key := range keys {
		group := byKey[key]
		f := o.fields[key]
		if !f.Unique && f.Name != "hs_object_id" {
			// Search lags behind writes: give the index time to see a
			// create that did happen.
			if err := o.c.opts.sleep(ctx, o.c.opts.indexLag); err != nil {
				setErr(res, group, err)
				return err
			}
		}
		values := make([]any, len(group))
		for i, it := range group {
			values[i] = it.w.Fields[key]
		}
		found, err := o.Find(ctx, key, values)
		if err != nil {
			setErr(res, group, fmt.Errorf("hubspot: create %s: %w; looking the records up by %s failed: %w", o.def.name, cause, key, err))
			if isFatal(ctx, err) {
				return err
			}
			continue
		}
		for _, it := range group {
			want, _ := toHubSpot(connectors.Field{Name: f.Name, Type: f.Type}, it.w.Fields[key])
			var matches []connectors.Record
			for _, r := range found {
				if s, err := toHubSpot(connectors.Field{Name: f.Name, Type: f.Type}, r.Fields[key]); err == nil && normalise(f, s) == normalise(f, want) {
					matches = append(matches, r)
				}
			}
			switch len(matches) {
			case 0:
				again = append(again, it)
			case 1:
				res[it.idx] = connectors.WriteResult{Record: matches[0]}
				o.c.logger.DebugContext(ctx, "lost create answer reconciled", "object", o.def.name, "key", key)
			default:
				res[it.idx].Err = &connectors.APIError{Service: service, Code: "AMBIGUOUS", Kind: connectors.ErrConflict,
					Message: fmt.Sprintf("the answer to the create was lost and %d records now have this %s", len(matches), key)}
			}
		}
	}
	if len(again) == 0 {
		return nil
	}
	return o.create(ctx, again, res, reconciled+1)
}

// update sends one batch of updates by record ID.
func (o *object) update(ctx context.Context, items []item, res []connectors.WriteResult) error {
	body := struct {
		Inputs []updateInput `json:"inputs"`
	}{}
	for _, it := range items {
		body.Inputs = append(body.Inputs, updateInput{ID: it.w.ID, Properties: it.props, ObjectWriteTraceID: it.traceID()})
	}
	req, err := o.c.client.NewRequest(ctx, http.MethodPost, o.c.objectsPath(o.def.name, "batch", "update"), nil, body)
	if err != nil {
		setErr(res, items, err)
		return nil
	}
	var br batchResponse
	_, err = o.c.client.Do(req, &br)
	switch {
	case err == nil:
		o.applyBatch(items, br, res, true)
		return nil
	case isFatal(ctx, err):
		setErr(res, items, err)
		return err
	case rejectedWhole(err) && len(items) > 1:
		mid := len(items) / 2
		if stop := o.update(ctx, items[:mid], res); stop != nil {
			setErr(res, items[mid:], stop)
			return stop
		}
		return o.update(ctx, items[mid:], res)
	}
	setErr(res, items, fmt.Errorf("hubspot: update %s %s: %w", o.def.name, items[0].w.ID, err))
	return nil
}

// applyBatch distributes a (possibly 207) batch answer over the items: errors
// by objectWriteTraceId (or record ID), results by objectWriteTraceId, record
// ID (updates) or, failing both, in order.
func (o *object) applyBatch(items []item, br batchResponse, res []connectors.WriteResult, byID bool) {
	pos := map[string]int{} // trace ID or record ID -> index in items
	done := make([]bool, len(items))
	for i, it := range items {
		pos[it.traceID()] = i
		if byID {
			pos[it.w.ID] = i
		}
	}
	var unmapped []error
	for _, e := range br.Errors {
		err := e.toAPIError(batchErrorStatus(e))
		refs := e.traceIDs()
		if byID {
			refs = append(refs, e.Context["ids"]...)
			refs = append(refs, e.Context["id"]...)
		}
		mapped := false
		for _, ref := range refs {
			if i, ok := pos[ref]; ok && !done[i] {
				res[items[i].idx].Err = err
				done[i], mapped = true, true
			}
		}
		if !mapped {
			unmapped = append(unmapped, err)
		}
	}
	var loose []apiObject
	for _, a := range br.Results {
		i, ok := pos[a.ObjectWriteTraceID]
		if !ok && byID {
			i, ok = pos[a.ID]
		}
		if ok && !done[i] {
			res[items[i].idx] = connectors.WriteResult{Record: o.writtenRecord(items[i], a)}
			done[i] = true
			continue
		}
		loose = append(loose, a)
	}
	// Results that name no input: by the value of the write's key when they
	// carry it (upserts), else in input order, as HubSpot answers.
	for i, it := range items {
		if done[i] || it.w.KeyField == "" || it.props[it.w.KeyField] == "" {
			continue
		}
		for j, a := range loose {
			if v := a.Properties[it.w.KeyField]; v != nil && strings.EqualFold(*v, it.props[it.w.KeyField]) {
				res[it.idx] = connectors.WriteResult{Record: o.writtenRecord(it, a)}
				done[i] = true
				loose = append(loose[:j], loose[j+1:]...)
				break
			}
		}
	}
	for i := range items {
		if done[i] {
			continue
		}
		if len(loose) > 0 {
			res[items[i].idx] = connectors.WriteResult{Record: o.writtenRecord(items[i], loose[0])}
			loose = loose[1:]
			done[i] = true
			continue
		}
		err := error(&connectors.APIError{Service: service, Code: "MISSING_RESULT",
			Message: "HubSpot's answer did not mention this record; it may or may not have been written"})
		if len(unmapped) > 0 {
			err = unmapped[0]
		}
		res[items[i].idx].Err = err
	}
}

// writtenRecord is the record as written: HubSpot's answer, completed with
// the values sent that the answer leaves out.
func (o *object) writtenRecord(it item, a apiObject) connectors.Record {
	r := o.record(a)
	for name, s := range it.props {
		if _, ok := r.Fields[name]; !ok {
			v := s
			r.Fields[name] = fromHubSpot(o.fields[name], &v)
		}
	}
	return r
}

func batchErrorStatus(e errorBody) int {
	switch e.Category {
	case "OBJECT_NOT_FOUND":
		return http.StatusNotFound
	case "CONFLICT", "OBJECT_ALREADY_EXISTS":
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// rejectedWhole reports an answer that refuses a whole batch for what may be
// one input's fault.
func rejectedWhole(err error) bool {
	var ae *connectors.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// isFatal reports an error that stops every write still to send.
func isFatal(ctx context.Context, err error) bool {
	var rl *connectors.RateLimitError
	return ctx.Err() != nil || errors.Is(err, connectors.ErrAuth) || errors.As(err, &rl)
}

func setErr(res []connectors.WriteResult, items []item, err error) {
	for _, it := range items {
		res[it.idx] = connectors.WriteResult{Err: err}
	}
}
