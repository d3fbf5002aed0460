package connectortest

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/kopla-dev/kopla/connectors"
)

// Kind is the connector kind of the memory connector.
const Kind = "memory"

// service is the APIError.Service of the memory connector.
const service = "memory"

// Factory returns the memory connector kind, backed by store:
//
//	connection "memory" "crm" {}
//
// It has no settings. The objects of a connection are those the test defined
// (or put records into) under the connection's name.
func Factory(store *Store) connectors.Factory {
	return connectors.Factory{
		Kind: Kind,
		Objects: func(_ connectors.Config, deps connectors.Deps) (map[string]connectors.Schema, error) {
			store.mu.Lock()
			defer store.mu.Unlock()
			out := map[string]connectors.Schema{}
			for k, o := range store.objects {
				if k.conn == deps.Name {
					out[k.object] = o.schema
				}
			}
			return out, nil
		},
		New: func(_ context.Context, _ connectors.Config, deps connectors.Deps) (connectors.Connector, error) {
			return &memConnector{store: store, conn: deps.Name}, nil
		},
	}
}

type memConnector struct {
	store *Store
	conn  string
}

var _ connectors.Connector = (*memConnector)(nil)

func (c *memConnector) Object(name string) (connectors.Object, error) {
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	if c.store.object(c.conn, name, false) == nil {
		return nil, fmt.Errorf("memory: connection %q: object %q: %w", c.conn, name, connectors.ErrUnknownObject)
	}
	return &memObject{store: c.store, key: objectKey{c.conn, name}}, nil
}

// memObject is a handle on one object of the store.
type memObject struct {
	store *Store
	key   objectKey
}

var (
	_ connectors.Object        = (*memObject)(nil)
	_ connectors.Reader        = (*memObject)(nil)
	_ connectors.Finder        = (*memObject)(nil)
	_ connectors.Getter        = (*memObject)(nil)
	_ connectors.RequestGetter = (*memObject)(nil)
	_ connectors.Writer        = (*memObject)(nil)
)

func (m *memObject) Name() string { return m.key.object }

func (m *memObject) Schema() connectors.Schema {
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	return m.data().schema
}

// data returns the object's data; the caller holds the store's lock.
func (m *memObject) data() *memObjectData {
	return m.store.object(m.key.conn, m.key.object, true)
}

// begin counts a call and returns its injected failure. The caller holds
// the store's lock.
func (m *memObject) begin(op string) (*memObjectData, error) {
	o := m.data()
	o.calls[op]++
	return o, o.failCall[op]
}

// Read emits the records sorted by ID, in pages of the store's page size.
// The cursor is the object's change sequence number: a Read with it returns
// the records put or written since. There are no archived records.
func (m *memObject) Read(ctx context.Context, req connectors.ReadRequest, emit func([]connectors.Record) error) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.store.mu.Lock()
	o, err := m.begin(OpRead)
	if err != nil {
		m.store.mu.Unlock()
		return "", err
	}
	var since int64
	if req.Cursor != "" {
		since, err = strconv.ParseInt(req.Cursor, 10, 64)
		if err != nil || since < 0 {
			m.store.mu.Unlock()
			return "", fmt.Errorf("memory: read %s: invalid cursor %q", m.key, req.Cursor)
		}
	}
	for _, name := range req.Include {
		if _, ok := o.schema.Include(name); !ok {
			m.store.mu.Unlock()
			return "", fmt.Errorf("memory: read %s: unknown include %q", m.key, name)
		}
	}
	var recs []connectors.Record
	if !req.Archived {
		recs = o.sorted(func(r *storedRecord) bool { return r.seq > since })
	}
	cursor := strconv.FormatInt(o.seq, 10)
	pageSize := m.store.pageSize
	drop := droppedFields(o.schema, req)
	m.store.mu.Unlock()

	for _, r := range recs {
		for name := range r.Fields {
			if drop(name) {
				delete(r.Fields, name)
			}
		}
	}
	for page := range slices.Chunk(recs, pageSize) {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		if err := emit(page); err != nil {
			return "", err
		}
	}
	return cursor, nil
}

// droppedFields returns which stored fields a read leaves out: those not
// asked for when req.Fields is set, and includes not asked for.
func droppedFields(schema connectors.Schema, req connectors.ReadRequest) func(string) bool {
	return func(name string) bool {
		if slices.Contains(req.Include, name) {
			return false
		}
		if _, isInclude := schema.Include(name); isInclude {
			return true
		}
		return req.Fields != nil && !slices.Contains(req.Fields, name)
	}
}

// Find returns the records whose field equals one of values exactly
// (numbers compare by value whatever their Go type), sorted by ID.
func (m *memObject) Find(ctx context.Context, field string, values []any) ([]connectors.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	o, err := m.begin(OpFind)
	if err != nil {
		return nil, err
	}
	if _, ok := o.schema.Field(field); !ok && !o.schema.Open {
		return nil, fmt.Errorf("memory: find %s by %q: no such field", m.key, field)
	}
	recs := o.sorted(func(r *storedRecord) bool {
		v, ok := r.fields[field]
		return ok && slices.ContainsFunc(values, func(want any) bool { return SameValue(v, want) })
	})
	return recs, nil
}

// Get returns the records with the given IDs, in the order asked, each once.
func (m *memObject) Get(ctx context.Context, ids []string) ([]connectors.Record, error) {
	return m.GetWith(ctx, connectors.GetRequest{IDs: ids, Include: m.includeNames()})
}

// GetWith returns the records with the given IDs, in the order asked, each
// once, as Read returns them: the fields and includes asked for.
func (m *memObject) GetWith(ctx context.Context, req connectors.GetRequest) ([]connectors.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	o, err := m.begin(OpGet)
	if err != nil {
		return nil, err
	}
	for _, name := range req.Include {
		if _, ok := o.schema.Include(name); !ok {
			return nil, fmt.Errorf("memory: get %s: unknown include %q", m.key, name)
		}
	}
	drop := droppedFields(o.schema, connectors.ReadRequest{Fields: req.Fields, Include: req.Include})
	var out []connectors.Record
	seen := map[string]bool{}
	for _, id := range req.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if r, ok := o.record(id); ok {
			for name := range r.Fields {
				if drop(name) {
					delete(r.Fields, name)
				}
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// includeNames lists the includes of the object: a plain Get returns the
// whole stored record.
func (m *memObject) includeNames() []string {
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	schema := m.data().schema
	names := make([]string, len(schema.Includes))
	for i, in := range schema.Includes {
		names[i] = in.Name
	}
	return names
}

// Write applies the writes in order, so a later write of a batch sees the
// earlier ones (a duplicate unique value in one batch is a conflict).
// Creates get IDs m-1, m-2, ...; updates merge the given fields into the
// stored record.
// ConcurrentWrites reports the store's SetConcurrentWrites: the store is
// safe for concurrent use either way.
func (m *memObject) ConcurrentWrites() bool {
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	return m.store.concurrent
}

func (m *memObject) Write(ctx context.Context, writes []connectors.Write) []connectors.WriteResult {
	results := make([]connectors.WriteResult, len(writes))
	failAll := func(err error) []connectors.WriteResult {
		for i := range results {
			results[i] = connectors.WriteResult{Err: err}
		}
		return results
	}
	if err := ctx.Err(); err != nil {
		return failAll(err)
	}

	m.store.mu.Lock()
	_, err := m.begin(OpWrite)
	faults := slices.Clone(m.data().failWrite)
	m.store.mu.Unlock()
	if err != nil {
		return failAll(err)
	}

	// Fault matchers are test code: run them without the lock so that they
	// may use the store.
	for i, w := range writes {
		for _, match := range faults {
			if err := match(w); err != nil {
				results[i].Err = err
				break
			}
		}
	}

	m.store.mu.Lock()
	o := m.data()
	for i, w := range writes {
		if results[i].Err != nil {
			continue
		}
		results[i] = o.apply(w)
		if results[i].Err == nil {
			o.calls[OpWritten]++
			if w.Action == connectors.Create {
				o.calls[OpCreated]++
			} else {
				o.calls[OpUpdated]++
			}
		}
	}
	hook := m.store.afterWrite
	m.store.mu.Unlock()

	if hook != nil {
		if err := hook(m.key.conn, m.key.object, writes, results); err != nil {
			return failAll(err)
		}
	}
	return results
}

// apply validates and stores one write. The caller holds the store's lock.
func (o *memObjectData) apply(w connectors.Write) connectors.WriteResult {
	var current *storedRecord
	switch w.Action {
	case connectors.Create:
	case connectors.Update:
		current = o.records[w.ID]
		if current == nil {
			return connectors.WriteResult{Err: &connectors.APIError{
				Service: service, Status: 404, Code: "NOT_FOUND",
				Message: fmt.Sprintf("record %q does not exist", w.ID), Kind: connectors.ErrNotFound,
			}}
		}
	default:
		return connectors.WriteResult{Err: &connectors.APIError{
			Service: service, Status: 400, Code: "INVALID_ACTION", Message: fmt.Sprintf("unknown write action %d", w.Action),
		}}
	}

	if errs := o.validate(w); len(errs) > 0 {
		return connectors.WriteResult{Err: &connectors.APIError{
			Service: service, Status: 400, Code: "VALIDATION_ERROR", Message: "invalid record", Fields: errs,
		}}
	}

	id := w.ID
	fields := map[string]any{}
	if current != nil {
		fields = copyFields(current.fields)
	}
	maps.Copy(fields, copyFields(w.Fields))
	if conflict := o.uniqueConflict(w.ID, fields); conflict != "" {
		return connectors.WriteResult{Err: &connectors.APIError{
			Service: service, Status: 409, Code: "CONFLICT",
			Message: fmt.Sprintf("another record has the same %s", conflict),
			Fields:  []connectors.FieldError{{Field: conflict, Message: "value already taken"}},
			Kind:    connectors.ErrConflict,
		}}
	}
	if current == nil {
		id = o.newID()
	}
	o.seq++
	o.records[id] = &storedRecord{fields: fields, seq: o.seq}
	return connectors.WriteResult{Record: connectors.Record{ID: id, Fields: copyFields(fields)}}
}

// validate checks a write against the schema: known fields, writable
// fields, value types, and required fields on create. Messages are sorted by
// field name.
func (o *memObjectData) validate(w connectors.Write) []connectors.FieldError {
	var errs []connectors.FieldError
	for _, name := range slices.Sorted(maps.Keys(w.Fields)) {
		f, ok := o.schema.Field(name)
		switch {
		case !ok && !o.schema.Open:
			msg := "unknown field"
			if s := connectors.Suggest(name, o.schema.Names()); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			errs = append(errs, connectors.FieldError{Field: name, Message: msg})
		case !ok:
		case f.ReadOnly:
			errs = append(errs, connectors.FieldError{Field: name, Message: "field is read-only"})
		default:
			if msg := checkType(f, w.Fields[name]); msg != "" {
				errs = append(errs, connectors.FieldError{Field: name, Message: msg})
			}
		}
	}
	if w.Action == connectors.Create {
		for _, f := range o.schema.Fields {
			if v, ok := w.Fields[f.Name]; f.Required && (!ok || v == nil || v == "") {
				errs = append(errs, connectors.FieldError{Field: f.Name, Message: "field is required"})
			}
		}
	}
	return errs
}

// uniqueConflict returns the first Unique field whose value in fields is
// held by another record than id.
func (o *memObjectData) uniqueConflict(id string, fields map[string]any) string {
	for _, f := range o.schema.Fields {
		v, ok := fields[f.Name]
		if !f.Unique || !ok || v == nil {
			continue
		}
		for otherID, r := range o.records {
			if otherID != id && SameValue(r.fields[f.Name], v) {
				return f.Name
			}
		}
	}
	return ""
}

// checkType returns why v is not a valid value of field f, or "".
func checkType(f connectors.Field, v any) string {
	if v == nil {
		return ""
	}
	ok := true
	switch f.Type {
	case connectors.TypeString, connectors.TypeDate, connectors.TypeDateTime:
		_, ok = v.(string)
	case connectors.TypeNumber:
		_, ok = number(v)
	case connectors.TypeInteger:
		n, isNum := number(v)
		ok = isNum && n == math.Trunc(n)
	case connectors.TypeBool:
		_, ok = v.(bool)
	case connectors.TypeObject:
		_, ok = v.(map[string]any)
	case connectors.TypeList:
		_, ok = v.([]any)
	}
	if !ok {
		return fmt.Sprintf("want a value of type %s, got %T", f.Type, v)
	}
	return ""
}
