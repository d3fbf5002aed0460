package eaccounting

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/kopla-dev/kopla/connectors"
)

// maxURLLength bounds the URL of a $filter request. IIS, in front of the
// API, refuses URLs beyond 2048 characters by default; 1800 leaves room for
// proxies that add to it.
const maxURLLength = 1800

// filterConcurrency bounds the $filter calls in flight for one Find.
const filterConcurrency = 4

// Find returns the records whose field equals one of values.
//
// Two ways cost differently: $filter=F eq 'a' or F eq 'b' ... packs as many
// values as fit in a URL (about 50 customer numbers) into one call, while a
// full list read costs one call per 1000 records. For a handful of values
// Find filters; for more, it reads the first full page (which it needs to
// know the total anyway), then continues the full read when the remaining
// pages are fewer than the filter calls, else filters.
func (o *object) Find(ctx context.Context, field string, values []any) ([]connectors.Record, error) {
	f, err := o.keyField(field)
	if err != nil {
		return nil, err
	}
	values = uniqueValues(values)
	if len(values) == 0 {
		return nil, nil
	}
	if !o.def.filter || o.def.kind != plainObject || o.def.pseudo[field] {
		recs, err := o.all(ctx)
		if err != nil {
			return nil, fmt.Errorf("eaccounting: find %s by %s: %w", o.def.name, field, err)
		}
		return matchAll(recs, field, values), nil
	}
	recs, err := o.find(ctx, f, values)
	if err != nil {
		return nil, fmt.Errorf("eaccounting: find %s by %s: %w", o.def.name, field, err)
	}
	return recs, nil
}

func (o *object) keyField(field string) (connectors.Field, error) {
	f, ok := o.def.schema.Field(field)
	if !ok {
		msg := fmt.Sprintf("eaccounting: %s has no field %q", o.def.name, field)
		if s := connectors.Suggest(field, o.def.schema.Names()); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		return connectors.Field{}, errors.New(msg)
	}
	return f, nil
}

func (o *object) find(ctx context.Context, f connectors.Field, values []any) ([]connectors.Record, error) {
	batches, err := o.filterBatches(f, values)
	if err != nil {
		return nil, err
	}
	if len(batches) <= 1 {
		return o.runFilters(ctx, batches)
	}

	// Probe: the first page of the full list.
	var found []connectors.Record
	var pages int
	scanned := false
	err = o.c.client.list(ctx, o.def.endpoint, nil, nil, func(p *page) (bool, error) {
		if pages == 0 {
			pages = max(p.Meta.TotalNumberOfPages, 1)
			if pages-1 > len(batches) {
				found = append(found, matchPage(o.def, p, f.Name, values)...)
				return true, nil // filtering is cheaper
			}
			scanned = true
		}
		found = append(found, matchPage(o.def, p, f.Name, values)...)
		return false, nil
	})
	if err != nil || scanned {
		return found, err
	}

	// Filter the values the first page did not settle: those it did not
	// match at all, and for a non-unique key, all of them.
	rest := values
	if f.Unique {
		rest = rest[:0:0]
		for _, v := range values {
			if len(matchAll(found, f.Name, []any{v})) == 0 {
				rest = append(rest, v)
			}
		}
	}
	if batches, err = o.filterBatches(f, rest); err != nil {
		return nil, err
	}
	more, err := o.runFilters(ctx, batches)
	if err != nil {
		return nil, err
	}
	return dedupe(append(found, more...)), nil
}

// filterBatches packs values into $filter expressions whose request URLs
// stay within maxURLLength.
func (o *object) filterBatches(f connectors.Field, values []any) ([]string, error) {
	probe := url.Values{"$page": {"1"}, "$pagesize": {strconv.Itoa(o.c.client.pageSize)}, "$filter": {""}}
	fixed := len(o.c.client.url(get(o.def.endpoint, probe)))
	var batches []string
	var cur strings.Builder
	for _, v := range values {
		lit, err := literal(f, v)
		if err != nil {
			return nil, err
		}
		clause := f.Name + " eq " + lit
		if fixed+len(url.QueryEscape(clause)) > maxURLLength {
			return nil, fmt.Errorf("the value %.40q is too long to search for", stringOf(v))
		}
		if cur.Len() > 0 && fixed+len(url.QueryEscape(cur.String()+" or "+clause)) > maxURLLength {
			batches = append(batches, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteString(" or ")
		}
		cur.WriteString(clause)
	}
	if cur.Len() > 0 {
		batches = append(batches, cur.String())
	}
	return batches, nil
}

// runFilters runs the filter expressions, a few at a time, and returns
// every record they match.
func (o *object) runFilters(ctx context.Context, filters []string) ([]connectors.Record, error) {
	var mu sync.Mutex
	var out []connectors.Record
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(filterConcurrency)
	for _, flt := range filters {
		g.Go(func() error {
			return o.c.client.list(gctx, o.def.endpoint, nil, url.Values{"$filter": {flt}}, func(p *page) (bool, error) {
				mu.Lock()
				defer mu.Unlock()
				for _, m := range p.Data {
					out = append(out, o.def.toRecord(m))
				}
				return false, nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return dedupe(out), nil
}

// all reads every record of the object.
func (o *object) all(ctx context.Context) ([]connectors.Record, error) {
	var out []connectors.Record
	_, err := o.Read(ctx, connectors.ReadRequest{}, func(page []connectors.Record) error {
		out = append(out, page...)
		return nil
	})
	return out, err
}

// GetWith returns the records with the given IDs with the fields a Read
// of req.Fields returns. eAccounting objects have no includes.
func (o *object) GetWith(ctx context.Context, req connectors.GetRequest) ([]connectors.Record, error) {
	if len(req.Include) > 0 {
		return nil, fmt.Errorf("eaccounting: get %s: include %q: eAccounting objects have no includes; rows are fields (Rows)", o.def.name, req.Include[0])
	}
	recs, err := o.Get(ctx, req.IDs)
	if err != nil {
		return nil, err
	}
	project := projector(req.Fields)
	for i := range recs {
		recs[i] = project(recs[i])
	}
	if o.wantsPdfLinks(req.Fields) {
		if err := o.addPdfLinks(ctx, recs); err != nil {
			return nil, fmt.Errorf("eaccounting: get %s: %w", o.def.name, err)
		}
	}
	return recs, nil
}

// Get returns the records with the given IDs.
func (o *object) Get(ctx context.Context, ids []string) ([]connectors.Record, error) {
	vals := make([]any, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			vals = append(vals, id)
		}
	}
	vals = uniqueValues(vals)
	if len(vals) == 0 {
		return nil, nil
	}
	if o.def.filter && o.def.kind == plainObject {
		f, _ := o.def.schema.Field("Id")
		recs, err := o.find(ctx, f, vals)
		if err != nil {
			return nil, fmt.Errorf("eaccounting: get %s: %w", o.def.name, err)
		}
		return recs, nil
	}
	if o.def.kind == accountsObject {
		return o.getAccounts(ctx, vals)
	}
	// Reference data: one or two pages hold everything.
	recs, err := o.all(ctx)
	if err != nil {
		return nil, fmt.Errorf("eaccounting: get %s: %w", o.def.name, err)
	}
	want := map[string]bool{}
	for _, v := range vals {
		want[v.(string)] = true
	}
	var out []connectors.Record
	for _, r := range recs {
		if want[r.ID] {
			out = append(out, r)
		}
	}
	return out, nil
}

func matchPage(d *objectDef, p *page, field string, values []any) []connectors.Record {
	var out []connectors.Record
	for _, m := range p.Data {
		rec := d.toRecord(m)
		for _, v := range values {
			if sameValue(rec.Fields[field], v) {
				out = append(out, rec)
				break
			}
		}
	}
	return out
}

func matchAll(recs []connectors.Record, field string, values []any) []connectors.Record {
	var out []connectors.Record
	for _, r := range recs {
		for _, v := range values {
			if sameValue(r.Fields[field], v) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// uniqueValues drops nil and repeated values (compared as the API compares).
func uniqueValues(values []any) []any {
	seen := map[string]bool{}
	out := make([]any, 0, len(values))
	for _, v := range values {
		if v == nil {
			continue
		}
		k := strings.ToLower(stringOf(v))
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

func dedupe(recs []connectors.Record) []connectors.Record {
	seen := map[string]bool{}
	out := recs[:0]
	for _, r := range recs {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	return out
}

// getAccounts reads accounts by their IDs ("<fiscal year id>/<number>"),
// of any fiscal year, a few at a time.
func (o *object) getAccounts(ctx context.Context, ids []any) ([]connectors.Record, error) {
	var mu sync.Mutex
	var out []connectors.Record
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(filterConcurrency)
	for _, v := range ids {
		fy, number, ok := strings.Cut(v.(string), "/")
		if !ok || fy == "" || number == "" {
			continue // not an account ID: no such record
		}
		g.Go(func() error {
			var m map[string]any
			err := o.c.client.do(gctx, get(o.def.item, nil, fy, number), &m)
			if errors.Is(err, connectors.ErrNotFound) {
				return nil
			}
			var ae *connectors.APIError
			if errors.As(err, &ae) && ae.Code == "3001" { // FiscalYearDoesNotExist
				return nil
			}
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			out = append(out, o.def.toRecord(m))
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("eaccounting: get %s: %w", o.def.name, err)
	}
	return out, nil
}
