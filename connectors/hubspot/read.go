package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// Read lists the object's records page by page. Without a cursor it lists
// everything (no 10,000 cap); with one it searches for records modified since
// the cursor. Either way it returns the newest modification time seen as the
// next cursor. Archived reads list soft-deleted records (search never sees
// them) and leave the cursor as it was.
func (o *object) Read(ctx context.Context, req connectors.ReadRequest, emit func([]connectors.Record) error) (string, error) {
	for _, inc := range req.Include {
		if _, ok := o.schema.Include(inc); !ok {
			return "", fmt.Errorf("hubspot: %s cannot include %q; it can include: %s", o.def.name, inc, strings.Join(o.includeNames(), ", "))
		}
	}
	props := o.properties(req.Fields, o.def.modified)
	var since int64 = -1
	if req.Cursor != "" && !req.Archived {
		t, ok := parseTime(req.Cursor)
		if !ok {
			return "", fmt.Errorf("hubspot: read %s: cursor %q is not a time; start without a cursor", o.def.name, req.Cursor)
		}
		since = t.UnixMilli()
	}
	// The next cursor never goes back, though the search starts req.Overlap
	// before this one.
	var newest = since
	if since >= 0 {
		since = max(0, since-req.Overlap.Milliseconds())
	}
	page := func(objs []apiObject, inline map[string]inlineAssociations) error {
		if len(objs) == 0 {
			return nil
		}
		recs := make([]connectors.Record, len(objs))
		for i, a := range objs {
			recs[i] = o.record(a)
			newest = max(newest, o.modifiedAt(a))
		}
		if err := o.attachIncludesInline(ctx, recs, req.Include, inline); err != nil {
			return err
		}
		return emit(recs)
	}
	// The server's time at the first answer: what was modified before it
	// and shows up later is in the next read's overlap, so the next cursor
	// is at least this, even when nothing newer was read (else the records
	// in the overlap before an old cursor would be read again every time).
	var started int64 = -1
	at := func(t time.Time) {
		if started < 0 && !t.IsZero() {
			started = t.UnixMilli()
		}
	}
	var err error
	if since >= 0 {
		err = o.searchSince(ctx, since, props, at, func(objs []apiObject) error { return page(objs, nil) })
	} else {
		err = o.list(ctx, props, req.Archived, o.includeObjects(req.Include), at, page)
	}
	if err != nil {
		return "", err
	}
	newest = max(newest, started)
	if req.Archived || newest < 0 {
		return req.Cursor, nil
	}
	return formatCursor(newest), nil
}

func formatCursor(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func (o *object) includeNames() []string {
	out := make([]string, len(o.schema.Includes))
	for i, in := range o.schema.Includes {
		out[i] = in.Name
	}
	return out
}

// includeObjects returns the objects of includes, for associations=.
func (o *object) includeObjects(includes []string) []string {
	var out []string
	for _, inc := range includes {
		if in, ok := o.schema.Include(inc); ok && !slices.Contains(out, in.Object) {
			out = append(out, in.Object)
		}
	}
	return out
}

// list pages through GET /objects/{type} (100 per page). With assocs it
// asks for the IDs of those associated objects inline (associations=),
// handed to page by record ID.
func (o *object) list(ctx context.Context, props []string, archived bool, assocs []string, at func(time.Time), page func([]apiObject, map[string]inlineAssociations) error) error {
	// A long properties= list overflows the URL (HubSpot answers 414): then
	// the list asks for IDs only and POST batch reads fetch the properties.
	viaBatch := len(strings.Join(props, ",")) > o.c.opts.maxQueryChars
	after := ""
	for {
		q := url.Values{"limit": {strconv.Itoa(o.c.opts.pageSize)}}
		if viaBatch {
			q.Set("properties", o.def.modified)
		} else {
			q.Set("properties", strings.Join(props, ","))
		}
		if after != "" {
			q.Set("after", after)
		}
		if archived {
			q.Set("archived", "true")
		}
		if len(assocs) > 0 {
			q.Set("associations", strings.Join(assocs, ","))
		}
		req, err := o.c.client.NewRequest(ctx, http.MethodGet, o.c.objectsPath(o.def.name), q, nil)
		if err != nil {
			return err
		}
		var res struct {
			Results []listedObject `json:"results"`
			Paging  *paging        `json:"paging"`
		}
		resp, err := o.c.client.Do(req, &res)
		if err != nil {
			return fmt.Errorf("hubspot: list %s: %w", o.def.name, err)
		}
		at(serverTime(resp))
		objs := make([]apiObject, len(res.Results))
		var inline map[string]inlineAssociations
		if len(assocs) > 0 {
			inline = make(map[string]inlineAssociations, len(res.Results))
		}
		for i, l := range res.Results {
			objs[i] = l.apiObject
			if inline != nil {
				inline[l.ID] = l.Associations
			}
		}
		if viaBatch && len(objs) > 0 {
			ids := make([]string, len(objs))
			for i, a := range objs {
				ids[i] = a.ID
			}
			full, err := o.batchRead(ctx, ids, props, "", archived)
			if err != nil {
				return fmt.Errorf("hubspot: list %s: %w", o.def.name, err)
			}
			objs = inOrder(ids, full)
		}
		if err := page(objs, inline); err != nil {
			return err
		}
		after = res.Paging.after()
		if after == "" {
			return nil
		}
	}
}

// inOrder returns objs in the order of ids.
func inOrder(ids []string, objs []apiObject) []apiObject {
	byID := make(map[string]apiObject, len(objs))
	for _, a := range objs {
		byID[a.ID] = a
	}
	out := make([]apiObject, 0, len(objs))
	for _, id := range ids {
		if a, ok := byID[id]; ok {
			out = append(out, a)
		}
	}
	return out
}

// searchRequest is PublicObjectSearchRequest. The spec requires every field
// but query, and types sorts as strings ("prop" ascending, "-prop"
// descending).
type searchRequest struct {
	FilterGroups []filterGroup `json:"filterGroups"`
	Sorts        []string      `json:"sorts"`
	Properties   []string      `json:"properties"`
	Limit        int           `json:"limit"`
	After        string        `json:"after"`
}

type filterGroup struct {
	Filters []filter `json:"filters"`
}

type filter struct {
	PropertyName string   `json:"propertyName"`
	Operator     string   `json:"operator"`
	Value        string   `json:"value,omitempty"`
	Values       []string `json:"values,omitempty"`
}

type searchResponse struct {
	Total   int         `json:"total"`
	Results []apiObject `json:"results"`
	Paging  *paging     `json:"paging"`
	at      time.Time   // the server's time of the answer (Date)
}

// serverTime is the Date of an answer, zero when it has none.
func serverTime(resp *http.Response) time.Time {
	if resp == nil {
		return time.Time{}
	}
	t, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return time.Time{}
	}
	return t
}

// maxSearchBody keeps search bodies under the 3,000 characters HubSpot
// accepts.
const maxSearchBody = 2900

// doSearch runs one search. When the properties asked for would make the
// body too long, it searches for IDs and modification times only and reads
// the properties of the page with one batch read.
func (o *object) doSearch(ctx context.Context, body searchRequest) (searchResponse, error) {
	var res searchResponse
	full := body.Properties
	hydrate := false
	if b, err := json.Marshal(body); err == nil && len(b) > maxSearchBody {
		hydrate = true
		body.Properties = []string{"hs_object_id", o.def.modified}
		for _, g := range body.FilterGroups {
			for _, f := range g.Filters {
				if !slices.Contains(body.Properties, f.PropertyName) {
					body.Properties = append(body.Properties, f.PropertyName)
				}
			}
		}
	}
	req, err := o.c.client.NewRequest(ctx, http.MethodPost, o.c.objectsPath(o.def.name, "search"), nil, body)
	if err != nil {
		return res, err
	}
	resp, err := o.c.client.Do(req, &res)
	if err != nil {
		return res, fmt.Errorf("hubspot: search %s: %w", o.def.name, err)
	}
	res.at = serverTime(resp)
	if hydrate && len(res.Results) > 0 {
		ids := make([]string, len(res.Results))
		for i, a := range res.Results {
			ids[i] = a.ID
		}
		objs, err := o.batchRead(ctx, ids, full, "", false)
		if err != nil {
			return res, fmt.Errorf("hubspot: search %s: %w", o.def.name, err)
		}
		res.Results = inOrder(ids, objs)
	}
	return res, nil
}

// searchSince emits the records modified at or after since, oldest first.
//
// Search pages by offset and stops at 10,000 results; an offset also skips
// records when one modified during the read leaves its place. So every page
// is a new query starting at the last modification time seen (keyset
// paging), de-duplicated by ID at that boundary. When a whole page shares one
// modification time the boundary cannot move; those records are then paged
// by hs_object_id, which is unique.
func (o *object) searchSince(ctx context.Context, since int64, props []string, at func(time.Time), page func([]apiObject) error) error {
	mod := o.def.modified
	props = o.properties(props, "hs_object_id")
	lowerMs := since
	atLower := map[string]bool{} // IDs emitted whose modification time is lowerMs
	for {
		res, err := o.doSearch(ctx, searchRequest{
			FilterGroups: []filterGroup{{Filters: []filter{{PropertyName: mod, Operator: "GTE", Value: msString(lowerMs)}}}},
			Sorts:        []string{mod},
			Properties:   props,
			Limit:        o.c.opts.searchLimit,
			After:        "0",
		})
		if err != nil {
			return err
		}
		at(res.at)
		var fresh []apiObject
		for _, a := range res.Results {
			if !atLower[a.ID] {
				fresh = append(fresh, a)
			}
		}
		if err := page(fresh); err != nil {
			return err
		}
		if res.Paging.after() == "" {
			return nil
		}
		last := lowerMs
		if n := len(res.Results); n > 0 {
			last = o.modifiedAt(res.Results[n-1])
		}
		if last > lowerMs {
			lowerMs = last
			clear(atLower)
			for _, a := range res.Results {
				if o.modifiedAt(a) == last {
					atLower[a.ID] = true
				}
			}
			continue
		}
		// A full page at one instant: page through it by ID, then go on
		// after that instant.
		if err := o.searchInstant(ctx, lowerMs, props, atLower, res.Results, page); err != nil {
			return err
		}
		lowerMs++
		clear(atLower)
	}
}

// searchInstant emits the records modified exactly at ms, by ascending ID,
// except those already emitted.
func (o *object) searchInstant(ctx context.Context, ms int64, props []string, emitted map[string]bool, seen []apiObject, page func([]apiObject) error) error {
	done := maps.Clone(emitted)
	var lastID int64
	for _, a := range seen {
		done[a.ID] = true
	}
	for id := range done {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			lastID = max(lastID, n)
		}
	}
	for {
		res, err := o.doSearch(ctx, searchRequest{
			FilterGroups: []filterGroup{{Filters: []filter{
				{PropertyName: o.def.modified, Operator: "EQ", Value: msString(ms)},
				{PropertyName: "hs_object_id", Operator: "GT", Value: strconv.FormatInt(lastID, 10)},
			}}},
			Sorts:      []string{"hs_object_id"},
			Properties: props,
			Limit:      o.c.opts.searchLimit,
			After:      "0",
		})
		if err != nil {
			return err
		}
		var fresh []apiObject
		for _, a := range res.Results {
			if !done[a.ID] {
				fresh = append(fresh, a)
				done[a.ID] = true
			}
			if n, err := strconv.ParseInt(a.ID, 10, 64); err == nil {
				lastID = max(lastID, n)
			}
		}
		if err := page(fresh); err != nil {
			return err
		}
		if res.Paging.after() == "" || len(res.Results) == 0 {
			return nil
		}
	}
}

// assocBatchResponse is BatchResponsePublicAssociationMultiWithLabel.
type assocBatchResponse struct {
	Results []struct {
		From struct {
			ID flexID `json:"id"`
		} `json:"from"`
		To []struct {
			ToObjectID flexID `json:"toObjectId"`
		} `json:"to"`
		Paging *paging `json:"paging"`
	} `json:"results"`
}

type assocInput struct {
	ID    string `json:"id"`
	After string `json:"after,omitempty"`
}

// assocReadBatch is the most inputs a v4 association batch read takes
// (1,000 since 2025-02; object batch reads take 100).
const assocReadBatch = 1000

// associations returns the IDs of the to-records associated with each of
// ids, through v4 batch reads (1,000 per call), following each record's own
// paging.
func (o *object) associations(ctx context.Context, to string, ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	pending := make([]assocInput, len(ids))
	for i, id := range ids {
		pending[i] = assocInput{ID: id}
	}
	for len(pending) > 0 {
		var next []assocInput
		for chunk := range chunks(pending, assocReadBatch) {
			body := struct {
				Inputs []assocInput `json:"inputs"`
			}{chunk}
			req, err := o.c.client.NewRequest(ctx, http.MethodPost, o.c.assocReadPath(o.def.name, to), nil, body)
			if err != nil {
				return nil, err
			}
			var res assocBatchResponse
			// A 207 lists the records without associations as errors.
			if _, err := o.c.client.Do(req, &res); err != nil {
				if isNotFound(err) {
					continue
				}
				return nil, fmt.Errorf("hubspot: read %s associations of %s: %w", to, o.def.name, err)
			}
			for _, r := range res.Results {
				from := string(r.From.ID)
				for _, t := range r.To {
					out[from] = append(out[from], string(t.ToObjectID))
				}
				if a := r.Paging.after(); a != "" {
					next = append(next, assocInput{ID: from, After: a})
				}
			}
		}
		pending = next
	}
	return out, nil
}

// listedObject is a record of a list answer
// (SimplePublicObjectWithAssociations): the record and the IDs of its
// associated records, by object.
type listedObject struct {
	apiObject
	Associations inlineAssociations `json:"associations"`
}

// inlineAssociations are a listed record's associations by object
// (CollectionResponseAssociatedId): one entry per association type, so one
// record may be listed twice; past 100 the rest is paged.
type inlineAssociations map[string]struct {
	Results []struct {
		ID flexID `json:"id"`
	} `json:"results"`
	Paging *paging `json:"paging"`
}

// ids returns the IDs of the records of object associated inline, once
// each, and whether that is all of them (no paging past them).
func (ia inlineAssociations) ids(object string) ([]string, bool) {
	for k, list := range ia {
		// Keys are object names; HubSpot writes some with a space
		// ("line items") where the request had an underscore.
		if strings.ReplaceAll(strings.ToLower(k), " ", "_") != object {
			continue
		}
		var out []string
		for _, r := range list.Results {
			if id := string(r.ID); !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out, list.Paging.after() == ""
	}
	return nil, true // none: an object with no associations is left out
}

// attachIncludes sets Fields[include] on every record: the associated
// records, each a map with "id" and its properties. Each include costs one
// association batch read and one object batch read per 100 records.
func (o *object) attachIncludes(ctx context.Context, recs []connectors.Record, includes []string) error {
	return o.attachIncludesInline(ctx, recs, includes, nil)
}

// attachIncludesInline is attachIncludes with the associations a list
// answered inline, by record ID (nil: none were asked for). Only records
// whose inline answer was cut short (paged), or that have none, cost an
// association batch read; the associated records' properties cost one
// object batch read per 100 records, either way.
func (o *object) attachIncludesInline(ctx context.Context, recs []connectors.Record, includes []string, inline map[string]inlineAssociations) error {
	if len(includes) == 0 || len(recs) == 0 {
		return nil
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	for _, inc := range includes {
		in, _ := o.schema.Include(inc)
		target, ok := o.c.objects[in.Object]
		if !ok {
			return fmt.Errorf("hubspot: include %q: unknown object %q", inc, in.Object)
		}
		assoc := map[string][]string{}
		var rest []string // records whose associations must be read
		for _, id := range ids {
			if inline == nil {
				rest = append(rest, id)
				continue
			}
			list, complete := inline[id].ids(in.Object)
			if !complete {
				rest = append(rest, id)
				continue
			}
			assoc[id] = list
		}
		if len(rest) > 0 {
			more, err := o.associations(ctx, in.Object, rest)
			if err != nil {
				return err
			}
			for _, id := range rest {
				assoc[id] = more[id]
			}
		}
		var toIDs []string
		seen := map[string]bool{}
		for _, id := range ids {
			for _, t := range assoc[id] {
				if !seen[t] {
					seen[t] = true
					toIDs = append(toIDs, t)
				}
			}
		}
		byID := map[string]connectors.Record{}
		if len(toIDs) > 0 {
			objs, err := target.batchRead(ctx, toIDs, target.allProperties(), "", false)
			if err != nil {
				return fmt.Errorf("hubspot: read included %s: %w", inc, err)
			}
			for _, a := range objs {
				byID[a.ID] = target.record(a)
			}
		}
		for i := range recs {
			list := []any{}
			for _, t := range assoc[recs[i].ID] {
				r, ok := byID[t]
				if !ok {
					continue // archived since it was associated
				}
				m := maps.Clone(r.Fields)
				m["id"] = r.ID
				list = append(list, m)
			}
			recs[i].Fields[inc] = list
		}
	}
	return nil
}
