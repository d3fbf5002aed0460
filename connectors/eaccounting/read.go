package eaccounting

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// cursorOverlap is how far before the previous watermark an incremental read
// starts: a change committed just before the watermark may become visible
// only after it. Records seen in the overlap are de-duplicated by Id.
const cursorOverlap = time.Minute

// object is one eAccounting object.
type object struct {
	c   *conn
	def *objectDef
}

// writableObject is an object that can also be written.
type writableObject struct {
	*object
}

var (
	_ connectors.Object        = (*object)(nil)
	_ connectors.Reader        = (*object)(nil)
	_ connectors.Finder        = (*object)(nil)
	_ connectors.Getter        = (*object)(nil)
	_ connectors.RequestGetter = (*object)(nil)
	_ connectors.Writer        = (*writableObject)(nil)
)

func (o *object) Name() string              { return o.def.name }
func (o *object) Schema() connectors.Schema { return o.def.schema }

// cursorState is what an incremental cursor holds: the server time at which
// the previous read started, and the change timestamps of the records it
// saw in the overlap window, so they are not emitted twice.
type cursorState struct {
	Since string            `json:"since"`
	Seen  map[string]string `json:"seen,omitempty"`
}

// Read streams the object's records. Objects with a change timestamp
// (customers, articles, orders, invoices, ...) are read incrementally when
// req.Cursor is set: $filter=<ChangedUtc|ModifiedUtc> ge <watermark - 1 min>,
// where the watermark is the server's Meta.ServerTimeUtc at the start of
// the previous read.
func (o *object) Read(ctx context.Context, req connectors.ReadRequest, emit func([]connectors.Record) error) (string, error) {
	if len(req.Include) > 0 {
		return "", fmt.Errorf("eaccounting: read %s: include %q: eAccounting objects have no includes; rows are fields (Rows)", o.def.name, req.Include[0])
	}
	if req.Archived {
		return "", nil // eAccounting has no archived records
	}
	// Errors of emit are returned as they are, not wrapped.
	var emitErr error
	emitOnce := emit
	emit = func(recs []connectors.Record) error {
		emitErr = emitOnce(recs)
		return emitErr
	}
	if o.wantsPdfLinks(req.Fields) {
		plain := emit
		emit = func(recs []connectors.Record) error {
			if err := o.addPdfLinks(ctx, recs); err != nil {
				return err
			}
			return plain(recs)
		}
	}
	cursor, err := o.read(ctx, req, emit)
	if emitErr != nil {
		return "", emitErr
	}
	return cursor, err
}

func (o *object) read(ctx context.Context, req connectors.ReadRequest, emit func([]connectors.Record) error) (string, error) {
	project := projector(req.Fields)
	switch o.def.kind {
	case singleObject:
		rec, err := o.getSingle(ctx)
		if err != nil {
			return "", err
		}
		return "", emit([]connectors.Record{project(rec)})
	case itemsObject:
		recs, err := o.costCenterItems(ctx)
		if err != nil {
			return "", err
		}
		for i := range recs {
			recs[i] = project(recs[i])
		}
		if len(recs) == 0 {
			return "", nil
		}
		return "", emit(recs)
	}
	args, err := o.listArgs(ctx)
	if err != nil {
		return "", err
	}
	if o.def.changed == "" {
		err := o.c.client.list(ctx, o.def.endpoint, args, nil, func(p *page) (bool, error) {
			recs := make([]connectors.Record, 0, len(p.Data))
			for _, m := range p.Data {
				recs = append(recs, project(o.def.toRecord(m)))
			}
			if len(recs) == 0 {
				return false, nil
			}
			return false, emit(recs)
		})
		if err != nil {
			return "", fmt.Errorf("eaccounting: read %s: %w", o.def.name, err)
		}
		return "", nil
	}

	var prev cursorState
	query := url.Values{}
	if req.Cursor != "" {
		if err := json.Unmarshal([]byte(req.Cursor), &prev); err != nil {
			return "", fmt.Errorf("eaccounting: read %s: the cursor %q is not one this connector wrote", o.def.name, req.Cursor)
		}
		since, err := time.Parse(time.RFC3339Nano, prev.Since)
		if err != nil {
			return "", fmt.Errorf("eaccounting: read %s: bad cursor time %q", o.def.name, prev.Since)
		}
		from := since.Add(-cursorOverlap).UTC().Format("2006-01-02T15:04:05Z")
		if o.def.sinceParam != "" {
			query.Set(o.def.sinceParam, from)
		} else {
			query.Set("$filter", o.def.changed+" ge "+from)
		}
	}

	var next cursorState
	var watermark time.Time
	type seenRec struct{ id, changed string }
	var window []seenRec // records of this read in the next read's overlap, for its cursor's Seen
	emitted := map[string]string{}
	err = o.c.client.list(ctx, o.def.endpoint, args, query, func(p *page) (bool, error) {
		if watermark.IsZero() {
			if t, ok := parseTime(p.Meta.ServerTimeUtc); ok {
				watermark = t.UTC()
			} else {
				// No server time: fall back to the local clock, minus the
				// overlap the next read adds anyway.
				watermark = o.c.now().UTC()
			}
		}
		recs := make([]connectors.Record, 0, len(p.Data))
		for _, m := range p.Data {
			rec := o.def.toRecord(m)
			changed, _ := rec.Fields[o.def.changed].(string)
			if t, ok := parseTime(changed); ok && !t.Before(watermark.Add(-cursorOverlap)) {
				window = append(window, seenRec{rec.ID, changed}) // only the overlap: bounded memory
			}
			if c, dup := emitted[rec.ID]; dup && c == changed {
				continue // shifted onto a later page while reading
			}
			if prev.skip(rec.ID, changed) {
				continue // emitted by the previous read, unchanged since
			}
			emitted[rec.ID] = changed
			recs = append(recs, project(rec))
		}
		if len(recs) == 0 {
			return false, nil
		}
		return false, emit(recs)
	})
	if err != nil {
		return "", fmt.Errorf("eaccounting: read %s: %w", o.def.name, err)
	}
	if watermark.IsZero() {
		watermark = o.c.now().UTC()
	}
	next.Since = watermark.Format(time.RFC3339Nano)
	for _, s := range window {
		if next.Seen == nil {
			next.Seen = map[string]string{}
		}
		next.Seen[s.id] = s.changed
	}
	b, err := json.Marshal(next)
	if err != nil {
		return "", fmt.Errorf("eaccounting: read %s: encode cursor: %w", o.def.name, err)
	}
	return string(b), nil
}

// skip reports whether the previous read emitted this very version of a
// record. Only versions older than the previous watermark are skipped: with
// a coarse clock two changes can share a timestamp, and a version from
// after the watermark may be one the previous read did not see.
func (cs cursorState) skip(id, changed string) bool {
	seen, ok := cs.Seen[id]
	if !ok || seen != changed {
		return false
	}
	t, ok1 := parseTime(changed)
	since, ok2 := parseTime(cs.Since)
	return ok1 && ok2 && t.Before(since)
}

// projector returns a function keeping only the named fields of a record
// (all of them when names is nil).
func projector(names []string) func(connectors.Record) connectors.Record {
	if names == nil {
		return func(r connectors.Record) connectors.Record { return r }
	}
	return func(r connectors.Record) connectors.Record {
		out := make(map[string]any, len(names))
		for _, n := range names {
			if v, ok := r.Fields[n]; ok {
				out[n] = v
			}
		}
		r.Fields = out
		return r
	}
}

// listArgs returns the arguments of the list endpoint: the current fiscal
// year for accounts.
func (o *object) listArgs(ctx context.Context) ([]string, error) {
	if o.def.kind != accountsObject {
		return nil, nil
	}
	fy, err := o.c.currentFiscalYear(ctx)
	if err != nil {
		return nil, fmt.Errorf("eaccounting: read %s: %w", o.def.name, err)
	}
	return []string{fy}, nil
}

// currentFiscalYear returns the id of the fiscal year containing today, or
// of the latest one when none does.
func (c *conn) currentFiscalYear(ctx context.Context) (string, error) {
	c.fyMu.Lock()
	defer c.fyMu.Unlock()
	today := c.now().UTC().Format(time.DateOnly)
	if c.fiscalYear != "" && today == c.fiscalYearDay {
		return c.fiscalYear, nil
	}
	var current, latest, latestStart string
	years := newShape(fiscalyearsFields())
	err := c.client.list(ctx, "fiscalyears", nil, nil, func(p *page) (bool, error) {
		for _, m := range p.Data {
			f := decodeFields(years, m)
			id, _ := f["Id"].(string)
			start, _ := f["StartDate"].(string)
			end, _ := f["EndDate"].(string)
			if start <= today && today <= end {
				current = id
			}
			if start > latestStart {
				latest, latestStart = id, start
			}
		}
		return false, nil
	})
	if err != nil {
		return "", fmt.Errorf("find the current fiscal year: %w", err)
	}
	if current == "" {
		current = latest
	}
	if current == "" {
		return "", fmt.Errorf("the company has no fiscal year; create one in eAccounting")
	}
	c.fiscalYear, c.fiscalYearDay = current, today
	return current, nil
}

// getSingle reads the company settings.
func (o *object) getSingle(ctx context.Context) (connectors.Record, error) {
	var m map[string]any
	if err := o.c.client.do(ctx, get(o.def.endpoint, nil), &m); err != nil {
		return connectors.Record{}, fmt.Errorf("eaccounting: read %s: %w", o.def.name, err)
	}
	return o.def.toRecord(m), nil
}

// costCenterItems reads every cost center's items.
func (o *object) costCenterItems(ctx context.Context) ([]connectors.Record, error) {
	var recs []connectors.Record
	err := o.c.client.list(ctx, "costcenters", nil, nil, func(p *page) (bool, error) {
		for _, cc := range p.Data {
			items, _ := cc["Items"].([]any)
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					if _, has := m["CostCenterId"]; !has {
						m["CostCenterId"] = cc["Id"]
					}
					recs = append(recs, o.def.toRecord(m))
				}
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, fmt.Errorf("eaccounting: read %s: %w", o.def.name, err)
	}
	return recs, nil
}
