package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/kopla-dev/kopla/connectors"
)

// object is one file of a connection.
type object struct {
	conn    *connector
	name    string
	path    string
	display string // the path as the project names it, for messages
	format  format
	state   *fileState
}

var (
	_ connectors.Object        = (*object)(nil)
	_ connectors.Reader        = (*object)(nil)
	_ connectors.Finder        = (*object)(nil)
	_ connectors.Getter        = (*object)(nil)
	_ connectors.RequestGetter = (*object)(nil)
	_ connectors.Writer        = (*object)(nil)
)

func (o *object) Name() string { return o.name }

// Schema describes the file as it is now; see schema. A file that cannot
// be read has an open schema without fields (Read reports the problem).
func (o *object) Schema() connectors.Schema {
	s, err := o.schema()
	if err != nil {
		return connectors.Schema{Open: true}
	}
	return s
}

// schemaSample is how many JSON Lines records the schema is inferred from.
const schemaSample = 1000

// schema returns the CSV header's columns (text, usable as keys), or the
// fields of the first JSON Lines records with the types of their values.
func (o *object) schema() (connectors.Schema, error) {
	s := connectors.Schema{Open: true, PositionalIDs: o.conn.key == ""}
	if err := o.settleLocked(); err != nil {
		return s, err
	}
	f, err := os.Open(o.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, o.fileError(err)
	}
	defer f.Close()
	rr, err := newRowReader(f, o.format, o.conn.delim)
	if err != nil {
		return s, o.fileError(err)
	}
	if o.format == formatCSV {
		// The header is the schema of what is read; writes may add columns.
		s.Open, s.Extensible = false, true
		for _, name := range rr.head.header {
			s.Fields = append(s.Fields, connectors.Field{Name: name, Type: connectors.TypeString, Key: true})
		}
		return s, nil
	}
	types := map[string]connectors.Type{}
	seen := map[string]bool{}
	for n := 0; n < schemaSample; {
		_, rec, bad, err := rr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s, o.fileError(err)
		}
		if bad != nil {
			continue
		}
		n++
		for k, v := range rec {
			t, known := typeOf(v)
			switch {
			case !seen[k]:
				seen[k] = true
				types[k] = t
				if !known {
					types[k] = typeUnknown
				}
			case !known:
			case types[k] == typeUnknown:
				types[k] = t
			default:
				types[k] = unify(types[k], t)
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(seen)) {
		t := types[name]
		if t == typeUnknown {
			t = connectors.TypeAny
		}
		scalar := t == connectors.TypeString || t == connectors.TypeNumber || t == connectors.TypeInteger || t == connectors.TypeBool
		s.Fields = append(s.Fields, connectors.Field{Name: name, Type: t, Key: scalar})
	}
	return s, nil
}

// typeUnknown marks a field seen only with null values so far.
const typeUnknown connectors.Type = 255

func typeOf(v any) (connectors.Type, bool) {
	switch v.(type) {
	case nil:
		return connectors.TypeAny, false
	case string:
		return connectors.TypeString, true
	case bool:
		return connectors.TypeBool, true
	case int64:
		return connectors.TypeInteger, true
	case float64:
		return connectors.TypeNumber, true
	case map[string]any:
		return connectors.TypeObject, true
	case []any:
		return connectors.TypeList, true
	}
	return connectors.TypeAny, true
}

func unify(a, b connectors.Type) connectors.Type {
	switch {
	case a == b:
		return a
	case (a == connectors.TypeInteger && b == connectors.TypeNumber) || (a == connectors.TypeNumber && b == connectors.TypeInteger):
		return connectors.TypeNumber
	}
	return connectors.TypeAny
}

// fileError places an error at the object's file.
func (o *object) fileError(err error) error {
	return fmt.Errorf("file: %s: %w", o.display, err)
}

// missingError is the error of reading an object with no file: neither
// name.csv nor name.jsonl exists in the directory.
func (o *object) missingError() error {
	stem := filepath.Join(o.conn.display, o.name)
	return fmt.Errorf("file: %s: %w: there is no %s.csv or %s.jsonl; create the file, "+
		"or, if no file means no records, set missing = \"empty\" in connection file.%s", stem, connectors.ErrSourceMissing, o.name, o.name, o.conn.name)
}

// record makes a record of a row's fields; its ID follows the rules of the
// package doc, with field the key the operation knows ("" for none).
func (o *object) record(fields map[string]any, line int, field string) connectors.Record {
	return connectors.Record{ID: string(o.appendID(nil, fields, line, field)), Fields: fields}
}

// appendID appends the ID of the record of fields to b.
func (o *object) appendID(b []byte, fields map[string]any, line int, field string) []byte {
	for _, k := range [2]string{o.conn.key, field} {
		if k == "" {
			continue
		}
		if t, ok := text(fields[k]); ok && t != "" {
			b = append(b, k...)
			b = append(b, '=')
			return append(b, t...)
		}
	}
	b = append(b, linePrefix...)
	return strconv.AppendInt(b, int64(line), 10)
}

// Read streams the file's rows in pages, without loading the file. Files
// cannot be read incrementally: the cursor is always "", and a cursor given
// is ignored (everything is read). Files have no includes and no archived
// rows. Bad rows are skipped and reported at the end in a *BadLinesError,
// after every good row was emitted.
func (o *object) Read(ctx context.Context, req connectors.ReadRequest, emit func([]connectors.Record) error) (string, error) {
	if len(req.Include) > 0 {
		return "", o.fileError(fmt.Errorf("include %q: files have no associations", req.Include[0]))
	}
	if req.Archived {
		return "", nil
	}
	if err := o.settleLocked(); err != nil {
		return "", err
	}
	f, err := os.Open(o.path)
	if errors.Is(err, fs.ErrNotExist) {
		if o.conn.missingEmpty {
			return "", nil
		}
		return "", o.missingError()
	}
	if err != nil {
		return "", o.fileError(err)
	}
	defer f.Close()
	rr, err := newRowReader(f, o.format, o.conn.delim)
	if err != nil {
		return "", o.fileError(err)
	}
	if o.conn.key == "" {
		// Info, not a warning: the schema says the IDs are positional, so
		// the engine matches these rows by key only; the line numbers are
		// only what the activity log calls them.
		o.conn.logger.Info("rows are identified by line number, which changes when lines are added or removed by hand; set key on the connection for stable IDs",
			"file", o.display)
	}
	var bad []LineError
	page := make([]connectors.Record, 0, o.conn.pageSize)
	// The IDs of a page are cut from one string, apart from the rows' text:
	// a caller that keeps the IDs keeps no rows.
	var ids []byte
	idEnds := make([]int, 0, o.conn.pageSize)
	flush := func() error {
		all, prev := string(ids), 0
		for j, end := range idEnds {
			page[j].ID = all[prev:end]
			prev = end
		}
		ids, idEnds = ids[:0], idEnds[:0]
		return emit(page)
	}
	if o.format == formatCSV && req.Fields != nil {
		// The columns to leave out are known from the header.
		rr.skip = make([]bool, len(rr.head.header))
		for i, name := range rr.head.header {
			rr.skip[i] = !slices.Contains(req.Fields, name) && name != o.conn.key
		}
	}
	for {
		row, err := rr.nextRaw()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", o.fileError(err)
		}
		fields, err := rr.parse(row.data)
		if err != nil {
			bad = append(bad, lineError(row, err))
			continue
		}
		if req.Fields != nil && o.format != formatCSV {
			for k := range fields {
				if !slices.Contains(req.Fields, k) && k != o.conn.key {
					delete(fields, k)
				}
			}
		}
		ids = o.appendID(ids, fields, row.line, "")
		idEnds = append(idEnds, len(ids))
		page = append(page, connectors.Record{Fields: fields})
		if len(page) == o.conn.pageSize {
			if err := ctx.Err(); err != nil {
				return "", err
			}
			if err := flush(); err != nil {
				return "", err
			}
			page = make([]connectors.Record, 0, o.conn.pageSize)
		}
	}
	if len(page) > 0 {
		if err := flush(); err != nil {
			return "", err
		}
	}
	if len(bad) > 0 {
		return "", &BadLinesError{File: o.display, Lines: bad}
	}
	return "", nil
}

// Find returns the rows whose field has one of values (compared as text),
// in file order. The first Find by a field scans the file; later ones use
// an index kept until the file changes.
func (o *object) Find(ctx context.Context, field string, values []any) ([]connectors.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(values) == 0 {
		return nil, nil
	}
	o.state.mu.Lock()
	defer o.state.mu.Unlock()
	f, snap, err := o.open(o.state, []string{field})
	if err != nil || f == nil {
		return nil, err
	}
	defer f.Close()
	var rows []int32
	for _, v := range values {
		if t, ok := text(v); ok {
			rows = snap.index[field].appendRows(rows, t)
		}
	}
	slices.Sort(rows)
	rows = slices.Compact(rows)
	got, err := o.fetch(logical{f, o.state.journal}, snap, rows)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Record, 0, len(rows))
	for i, n := range rows {
		out = append(out, o.record(got[i].fields, int(snap.rows[n].line), field))
	}
	return out, nil
}

// GetWith returns the rows of the given IDs with the fields a Read of
// req.Fields returns (the key field always). Files have no includes.
func (o *object) GetWith(ctx context.Context, req connectors.GetRequest) ([]connectors.Record, error) {
	if len(req.Include) > 0 {
		return nil, o.fileError(fmt.Errorf("include %q: files have no associations", req.Include[0]))
	}
	recs, err := o.Get(ctx, req.IDs)
	if err != nil || req.Fields == nil {
		return recs, err
	}
	for _, r := range recs {
		for k := range r.Fields {
			if !slices.Contains(req.Fields, k) && k != o.conn.key {
				delete(r.Fields, k)
			}
		}
	}
	return recs, nil
}

// Get returns the rows of "field=value" and "line:N" IDs, in the order
// asked, each under the ID it was asked by. A "field=value" ID held by
// several rows returns them all.
func (o *object) Get(ctx context.Context, ids []string) ([]connectors.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o.state.mu.Lock()
	defer o.state.mu.Unlock()
	f, snap, err := o.open(o.state, idFields(ids))
	if err != nil || f == nil {
		return nil, err
	}
	defer f.Close()
	var out []connectors.Record
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		rows := snap.lookup(id)
		got, err := o.fetch(logical{f, o.state.journal}, snap, rows)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			out = append(out, connectors.Record{ID: id, Fields: got[i].fields})
		}
	}
	return out, nil
}
