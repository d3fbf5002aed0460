package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

// object is one HubSpot object type of a connection.
type object struct {
	c      *Connector
	def    objectDef
	schema connectors.Schema
	fields map[string]connectors.Field
}

var (
	_ connectors.Object        = (*object)(nil)
	_ connectors.Reader        = (*object)(nil)
	_ connectors.Finder        = (*object)(nil)
	_ connectors.Getter        = (*object)(nil)
	_ connectors.RequestGetter = (*object)(nil)
	_ connectors.Writer        = (*object)(nil)
)

func newObject(c *Connector, def objectDef, schema connectors.Schema) *object {
	o := &object{c: c, def: def, schema: schema, fields: map[string]connectors.Field{}}
	for _, f := range schema.Fields {
		o.fields[f.Name] = f
	}
	return o
}

func (o *object) Name() string              { return o.def.name }
func (o *object) Schema() connectors.Schema { return o.schema }

// allProperties are the names of every real property of the schema.
func (o *object) allProperties() []string {
	var out []string
	for _, f := range o.schema.Fields {
		if !isPseudoField(f.Name) {
			out = append(out, f.Name)
		}
	}
	return out
}

// properties returns the properties to ask for: those of fields (all when
// nil), without pseudo-fields and includes, plus extra.
func (o *object) properties(fields []string, extra ...string) []string {
	if fields == nil {
		fields = o.allProperties()
	}
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n == "" || seen[n] || isPseudoField(n) || n == "id" {
			return
		}
		if _, isInclude := o.schema.Include(n); isInclude {
			return
		}
		seen[n] = true
		out = append(out, n)
	}
	for _, n := range fields {
		add(n)
	}
	for _, n := range extra {
		add(n)
	}
	return out
}

// apiObject is a record as HubSpot returns it (SimplePublicObject).
type apiObject struct {
	ID                 string             `json:"id"`
	Properties         map[string]*string `json:"properties"`
	CreatedAt          string             `json:"createdAt"`
	UpdatedAt          string             `json:"updatedAt"`
	Archived           bool               `json:"archived"`
	ObjectWriteTraceID string             `json:"objectWriteTraceId"`
}

type paging struct {
	Next *struct {
		After string `json:"after"`
	} `json:"next"`
}

func (p *paging) after() string {
	if p == nil || p.Next == nil {
		return ""
	}
	return p.Next.After
}

// record converts an answer's record into the contract's values.
func (o *object) record(a apiObject) connectors.Record {
	r := connectors.Record{ID: a.ID, Fields: make(map[string]any, len(a.Properties))}
	for name, v := range a.Properties {
		f, ok := o.fields[name]
		if !ok {
			f = connectors.Field{Name: name, Type: connectors.TypeString}
		}
		r.Fields[name] = fromHubSpot(f, v)
	}
	return r
}

// modifiedAt returns the record's last modification time in epoch ms, or -1.
func (o *object) modifiedAt(a apiObject) int64 {
	if v := a.Properties[o.def.modified]; v != nil {
		if t, ok := parseTime(*v); ok {
			return t.UnixMilli()
		}
	}
	if t, ok := parseTime(a.UpdatedAt); ok {
		return t.UnixMilli()
	}
	return -1
}

// flexID reads an ID that HubSpot sends as a string or as a number.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexID(n.String())
	return nil
}

// batchReadRequest is BatchReadInputSimplePublicObjectId.
type batchReadRequest struct {
	Inputs                []idInput `json:"inputs"`
	Properties            []string  `json:"properties"`
	PropertiesWithHistory []string  `json:"propertiesWithHistory"`
	IDProperty            string    `json:"idProperty,omitempty"`
}

type idInput struct {
	ID string `json:"id"`
}

type batchResponse struct {
	Status  string      `json:"status"`
	Results []apiObject `json:"results"`
	Errors  []errorBody `json:"errors"`
}

// batchRead reads records by ID (or by the unique idProperty), 100 per call.
// Values that match nothing are left out.
func (o *object) batchRead(ctx context.Context, ids []string, props []string, idProperty string, archived bool) ([]apiObject, error) {
	var q url.Values
	if archived {
		q = url.Values{"archived": {"true"}}
	}
	var out []apiObject
	for chunk := range chunks(ids, o.c.opts.batchSize) {
		body := batchReadRequest{Properties: props, PropertiesWithHistory: []string{}, IDProperty: idProperty}
		for _, id := range chunk {
			body.Inputs = append(body.Inputs, idInput{ID: id})
		}
		req, err := o.c.client.NewRequest(ctx, http.MethodPost, o.c.objectsPath(o.def.name, "batch", "read"), q, body)
		if err != nil {
			return nil, err
		}
		var res batchResponse
		if _, err := o.c.client.Do(req, &res); err != nil {
			if isNotFound(err) {
				continue // none of the chunk exists
			}
			return nil, err
		}
		out = append(out, res.Results...)
	}
	return out, nil
}

// chunks yields successive slices of at most n elements.
func chunks[T any](s []T, n int) func(yield func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

func isNotFound(err error) bool {
	var ae *connectors.APIError
	return asAPIError(err, &ae) && ae.Kind == connectors.ErrNotFound
}

func msString(ms int64) string { return strconv.FormatInt(ms, 10) }

func lower(s string) string { return strings.ToLower(s) }
