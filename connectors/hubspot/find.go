package hubspot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

// maxSearchValueChars keeps an IN filter well inside the 3,000 characters a
// search body may have.
const maxSearchValueChars = 2000

// Get reads records by ID, 100 per call. Unknown IDs are left out.
func (o *object) Get(ctx context.Context, ids []string) ([]connectors.Record, error) {
	objs, err := o.batchRead(ctx, dedupe(ids), o.allProperties(), "", false)
	if err != nil {
		return nil, fmt.Errorf("hubspot: get %s: %w", o.def.name, err)
	}
	return o.records(objs), nil
}

// GetWith reads records by ID as Read reads them: the properties of
// req.Fields (and the modification date a cursor needs), with the
// associations of req.Include; 100 records per batch read.
func (o *object) GetWith(ctx context.Context, req connectors.GetRequest) ([]connectors.Record, error) {
	for _, inc := range req.Include {
		if _, ok := o.schema.Include(inc); !ok {
			return nil, fmt.Errorf("hubspot: %s cannot include %q; it can include: %s", o.def.name, inc, strings.Join(o.includeNames(), ", "))
		}
	}
	objs, err := o.batchRead(ctx, dedupe(req.IDs), o.properties(req.Fields, o.def.modified), "", false)
	if err != nil {
		return nil, fmt.Errorf("hubspot: get %s: %w", o.def.name, err)
	}
	recs := o.records(objs)
	if err := o.attachIncludes(ctx, recs, req.Include); err != nil {
		return nil, fmt.Errorf("hubspot: get %s: %w", o.def.name, err)
	}
	return recs, nil
}

func (o *object) records(objs []apiObject) []connectors.Record {
	out := make([]connectors.Record, len(objs))
	for i, a := range objs {
		out[i] = o.record(a)
	}
	return out
}

// Find returns the records whose field equals one of values. Unique
// properties (email, hs_object_id, properties with hasUniqueValue) are read
// in batches by idProperty; others are searched with IN filters. Emails and
// other text compare case-insensitively, as HubSpot compares them.
func (o *object) Find(ctx context.Context, field string, values []any) ([]connectors.Record, error) {
	if len(values) == 0 {
		return nil, nil
	}
	f, ok := o.fields[field]
	if field == "id" {
		f, ok = o.fields["hs_object_id"]
	}
	if !ok || isPseudoField(field) {
		msg := fmt.Sprintf("hubspot: find %s by %q: %s has no such property", o.def.name, field, o.def.name)
		if s := connectors.Suggest(field, o.schema.Names()); s != "" && !isPseudoField(s) {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += " (run kopla init to discover custom properties)"
		}
		return nil, errors.New(msg)
	}
	strs := make([]string, 0, len(values))
	for _, v := range values {
		s, err := toHubSpot(connectors.Field{Name: f.Name, Type: f.Type}, v)
		if err != nil {
			return nil, fmt.Errorf("hubspot: find %s: %w", o.def.name, err)
		}
		if s == "" {
			continue
		}
		if foldCase(f) {
			s = lower(s) // IN on text needs lowercase values
		}
		strs = append(strs, s)
	}
	strs = dedupe(strs)
	var objs []apiObject
	var err error
	switch {
	case f.Name == "hs_object_id":
		objs, err = o.batchRead(ctx, strs, o.allProperties(), "", false)
	case f.Unique:
		objs, err = o.batchRead(ctx, strs, o.allProperties(), f.Name, false)
	default:
		objs, err = o.searchIn(ctx, f, strs)
	}
	if err != nil {
		return nil, fmt.Errorf("hubspot: find %s by %s: %w", o.def.name, f.Name, err)
	}
	// Keep only exact matches: HubSpot's search matches tokens, and a value
	// may be written differently (10 and 10.0).
	want := map[string]bool{}
	for _, s := range strs {
		want[normalise(f, s)] = true
	}
	var out []connectors.Record
	seen := map[string]bool{}
	for _, a := range objs {
		if seen[a.ID] {
			continue
		}
		v := a.ID
		if f.Name != "hs_object_id" {
			p := a.Properties[f.Name]
			if p == nil {
				continue
			}
			v = *p
		}
		if want[normalise(f, v)] || (f.Name == "email" && o.additionalEmailMatches(a, want)) {
			seen[a.ID] = true
			out = append(out, o.record(a))
		}
	}
	return out, nil
}

// additionalEmailMatches reports whether one of a contact's additional
// emails (which HubSpot also matches on email) is wanted.
func (o *object) additionalEmailMatches(a apiObject, want map[string]bool) bool {
	p := a.Properties["hs_additional_emails"]
	if p == nil {
		return false
	}
	for _, e := range strings.Split(*p, ";") {
		if want[lower(strings.TrimSpace(e))] {
			return true
		}
	}
	return false
}

func normalise(f connectors.Field, s string) string {
	s = strings.TrimSpace(s)
	switch f.Type {
	case connectors.TypeNumber, connectors.TypeInteger:
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(n, 'f', -1, 64)
		}
	}
	if foldCase(f) {
		return lower(s)
	}
	return s
}

// foldCase reports whether HubSpot compares the field's values
// case-insensitively: searched text and emails do; enumeration values and
// other unique values (read by idProperty) do not.
func foldCase(f connectors.Field) bool {
	if f.Name == "email" {
		return true
	}
	return f.Type == connectors.TypeString && len(f.Options) == 0 && !f.Unique
}

// searchIn searches with IN filters, at most inValues values (and
// maxSearchValueChars characters) per filter, following the paging.
func (o *object) searchIn(ctx context.Context, f connectors.Field, values []string) ([]apiObject, error) {
	var out []apiObject
	props := o.allProperties()
	for len(values) > 0 {
		n, size := 0, 0
		for n < len(values) && n < o.c.opts.inValues && (n == 0 || size+len(values[n])+3 <= maxSearchValueChars) {
			size += len(values[n]) + 3
			n++
		}
		chunk := values[:n]
		values = values[n:]
		after := "0"
		for {
			res, err := o.doSearch(ctx, searchRequest{
				FilterGroups: []filterGroup{{Filters: []filter{{PropertyName: f.Name, Operator: "IN", Values: chunk}}}},
				Sorts:        []string{"hs_object_id"},
				Properties:   props,
				Limit:        o.c.opts.searchLimit,
				After:        after,
			})
			if err != nil {
				return nil, err
			}
			out = append(out, res.Results...)
			after = res.Paging.after()
			if after == "" {
				break
			}
		}
	}
	return out, nil
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func asAPIError(err error, target **connectors.APIError) bool { return errors.As(err, target) }
