package file

import (
	"bufio"
	"bytes"
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
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

// writePlan is a Write call resolved against the file. Slices, not maps:
// a plan may hold a hundred thousand rows.
type writePlan struct {
	header  []string // CSV columns after the write
	newCols int      // columns added to an existing CSV header
	// updated are the rows updated, in file order; groups[j] are the writes
	// of updated[j], in order; replaced[j] its new bytes; oldLines[j] the
	// line feeds of its old bytes; old[j] its fields before.
	updated  []int32
	groups   [][]int
	replaced [][]byte
	oldLines []int
	old      []map[string]any
	creates  []int // writes that create, in order
	// idKeys[j] is the field and idValues[j] the value whose key ID names
	// the row of creates[j] ("" for a line ID; see object.record), found
	// while the record is at hand.
	idKeys, idValues []string
	// appended holds the created rows' bytes one after the other; ends[j]
	// is where the row of creates[j] ends in it.
	appended []byte
	ends     []int
	// By write: the record as stored (nil when the write was refused) and
	// its row.
	fields []map[string]any
	rowOf  []int32
}

// Write creates and updates rows in one atomic rewrite of the file; see
// the package doc. A create whose KeyField value another row already has
// fails with a conflict, so a retried create never adds a second row. The
// Record of a JSON Lines row created from values the file holds as they
// are is the write's own Fields map, not a copy.
func (o *object) Write(ctx context.Context, writes []connectors.Write) []connectors.WriteResult {
	results := make([]connectors.WriteResult, len(writes))
	failAll := func(err error) []connectors.WriteResult {
		for i := range results {
			if results[i].Err == nil {
				results[i] = connectors.WriteResult{Err: err}
			}
		}
		return results
	}
	if err := ctx.Err(); err != nil {
		return failAll(err)
	}

	o.state.mu.Lock()
	defer o.state.mu.Unlock()
	var fields []string
	if o.conn.key != "" {
		fields = append(fields, o.conn.key)
	}
	for _, w := range writes {
		if w.KeyField != "" && !slices.Contains(fields, w.KeyField) {
			fields = append(fields, w.KeyField)
		}
		if f, _, ok := parseID(w.ID); ok && w.Action == connectors.Update && !slices.Contains(fields, f) {
			fields = append(fields, f)
		}
	}
	src, snap, err := o.open(o.state, fields)
	if err == nil && o.state.journal != nil && o.rewrites(snap, writes) {
		// The rewrite starts from the file with the journal's rows in it.
		if src != nil {
			src.Close()
		}
		if err = o.settle(); err != nil {
			err = o.fileError(err)
		} else {
			src, snap, err = o.open(o.state, fields)
		}
	}
	if err != nil {
		return failAll(err)
	}
	if src != nil {
		defer src.Close()
	}

	// plan indexes the created rows as it goes (their keys must be unique
	// within the batch too); a write that fails takes them out again.
	p, err := o.plan(src, snap, writes, results)
	if p != nil && cap(p.appended) <= keepBuffer {
		defer func() { o.state.rows = p.appended[:0] }()
	}
	if err == nil && len(p.creates) == 0 && len(p.updated) == 0 {
		return results
	}
	if err == nil {
		err = ctx.Err()
	}
	var newSnap *snapshot
	if err == nil {
		if o.journals(snap, p) {
			newSnap, err = o.journalAppend(snap, p)
		} else {
			newSnap, err = o.rewrite(src, snap, p)
		}
		if err != nil {
			err = o.fileError(err)
		}
	}
	if err != nil {
		snap.unindexFrom(int32(len(snap.rows)))
		return failAll(err)
	}

	// The file is replaced: move the index along and answer.
	for j, n := range p.updated {
		g := p.groups[j]
		newSnap.move(n, p.old[j], p.fields[g[len(g)-1]])
	}
	o.state.snap = newSnap
	// The IDs of the created rows are cut from one string: one allocation
	// per Write rather than one per row.
	var ids []byte
	idEnds := make([]int, len(p.creates))
	for j, i := range p.creates {
		if p.idKeys[j] != "" {
			ids = append(ids, p.idKeys[j]...)
			ids = append(ids, '=')
			ids = append(ids, p.idValues[j]...)
		} else {
			ids = append(ids, linePrefix...)
			ids = strconv.AppendInt(ids, int64(newSnap.rows[p.rowOf[i]].line), 10)
		}
		idEnds[j] = len(ids)
		if j == 0 {
			ids = slices.Grow(ids, len(ids)*(len(p.creates)-1)*5/4)
		}
	}
	idText := string(ids)
	prev := 0
	for j, i := range p.creates {
		results[i] = connectors.WriteResult{Record: connectors.Record{ID: idText[prev:idEnds[j]], Fields: p.fields[i]}}
		prev = idEnds[j]
	}
	for i, w := range writes {
		if rec := p.fields[i]; rec != nil && w.Action == connectors.Update {
			line := int(newSnap.rows[p.rowOf[i]].line)
			results[i] = connectors.WriteResult{Record: connectors.Record{ID: o.updatedID(w.ID, rec, line), Fields: rec}}
		}
	}
	return results
}

// updatedID is the ID of an updated row: the ID it was written by, with
// the new value when the write changed the value the ID names.
func (o *object) updatedID(id string, rec map[string]any, line int) string {
	if field, _, ok := parseID(id); ok {
		if t, ok := text(rec[field]); ok && t != "" {
			return keyID(field, t)
		}
		return lineID(line)
	}
	return lineID(line)
}

func apiError(status int, code, msg string, fields ...connectors.FieldError) *connectors.APIError {
	e := &connectors.APIError{Service: service, Status: status, Code: code, Message: msg, Fields: fields}
	switch status {
	case 404:
		e.Kind = connectors.ErrNotFound
	case 409:
		e.Kind = connectors.ErrConflict
	}
	return e
}

// plan validates the writes, sets the results of refused ones, fetches the
// rows to update and encodes the new rows. Created rows are indexed at
// once; on an error the caller takes them out of the index.
func (o *object) plan(src *os.File, snap *snapshot, writes []connectors.Write, results []connectors.WriteResult) (*writePlan, error) {
	p := &writePlan{
		appended: o.state.rows[:0],
		header:   slices.Clone(snap.head.header),
		fields:   make([]map[string]any, len(writes)),
		rowOf:    make([]int32, len(writes)),
		creates:  make([]int, 0, len(writes)),
		idKeys:   make([]string, 0, len(writes)),
		idValues: make([]string, 0, len(writes)),
	}
	if o.format != formatCSV {
		p.ends = make([]int, 0, len(writes))
	}
	type rowWrite struct {
		row   int32
		write int
	}
	var updates []rowWrite
	var rowBuf []int32          // the rows of an update's ID
	var columns map[string]bool // CSV header, to find new columns
	if o.format == formatCSV {
		columns = make(map[string]bool, len(p.header))
		for _, name := range p.header {
			columns[name] = true
		}
	}
	type fieldIndex struct {
		name string
		idx  *valueIndex
	}
	var indexes []fieldIndex
	for name, idx := range snap.index {
		indexes = append(indexes, fieldIndex{name, idx})
	}
	// indexCreate indexes a created row by the fields other than its
	// KeyField, which the conflict check indexed.
	indexCreate := func(i int, rec map[string]any) {
		for _, x := range indexes {
			if x.name == writes[i].KeyField {
				continue
			}
			if t, ok := text(rec[x.name]); ok {
				// The index outlives the write: it keeps a copy, not a
				// part of the caller's memory.
				x.idx.add(strings.Clone(t), p.rowOf[i])
			}
		}
	}
	jenc := &jsonlEncoder{}
	var csvKeys fieldSet           // the fields of the last CSV create, checked and in the header
	first := int32(len(snap.rows)) // the row of the first create
	for i, w := range writes {
		// A create with the fields of the row before (the common case)
		// has only its values checked, and a JSON Lines row is encoded by
		// the order of the fields found then.
		var known bool
		keys := &jenc.fieldSet
		if o.format == formatCSV {
			keys = &csvKeys
		}
		if w.Action == connectors.Create {
			known = keys.load(w.Fields)
		}
		var convert bool
		var err error
		// encoded is set when the row is appended already: a JSON Lines
		// row of plain values needs no other check of its values.
		var encoded bool
		start := len(p.appended)
		switch {
		case known && o.format != formatCSV:
			if p.appended, encoded = jenc.appendPlain(p.appended); encoded {
				convert, err = o.checked(w, false, nil)
				break
			}
			p.appended = p.appended[:start]
			fallthrough
		case known:
			convert, err = o.checkValues(w, keys.keys, keys.vals)
		default:
			convert, err = o.check(w)
		}
		if err != nil {
			p.appended = p.appended[:start]
			results[i].Err = err
			continue
		}
		switch w.Action {
		case connectors.Create:
			n := first + int32(len(p.creates))
			var rec map[string]any
			if o.format != formatCSV {
				// CSV rows are made once the header is known.
				rec = storedJSON(w.Fields, convert)
			}
			var t string // the KeyField value
			if w.KeyField != "" {
				if rec != nil {
					t, _ = text(rec[w.KeyField])
				} else {
					t, _ = text(w.Fields[w.KeyField])
				}
				if !snap.index[w.KeyField].addNew(strings.Clone(t), n) {
					p.appended = p.appended[:start]
					results[i].Err = apiError(409, "CONFLICT", fmt.Sprintf("a row with %s already exists", keyID(w.KeyField, t)),
						connectors.FieldError{Field: w.KeyField, Message: "value already taken"})
					continue
				}
			}
			p.rowOf[i] = n
			p.creates = append(p.creates, i)
			if o.format != formatCSV {
				p.fields[i] = rec
				p.addIDKey(o.conn.key, w.KeyField, t, rec)
				if !encoded {
					p.appended = jenc.append(p.appended, rec)
				}
				p.appended = append(p.appended, snap.head.term...)
				if start == 0 {
					// Room for all rows, guessed from the first, rather
					// than copying them again and again as they grow.
					p.appended = slices.Grow(p.appended, len(p.appended)*(len(writes)-i-1)*5/4)
				}
				p.ends = append(p.ends, len(p.appended))
				indexCreate(i, rec)
			}
		case connectors.Update:
			// Rows created by this write are not there to update yet.
			rowBuf = snap.appendLookup(rowBuf[:0], w.ID)
			rows := slices.DeleteFunc(rowBuf, func(n int32) bool { return n >= first })
			switch len(rows) {
			case 0:
				results[i].Err = apiError(404, "NOT_FOUND", fmt.Sprintf("no row has ID %q", w.ID))
				continue
			case 1:
			default:
				lines := make([]string, len(rows))
				for j, n := range rows {
					lines[j] = fmt.Sprint(snap.rows[n].line)
				}
				results[i].Err = apiError(409, "AMBIGUOUS", fmt.Sprintf("%d rows have ID %q (lines %s); make the key unique", len(rows), w.ID, strings.Join(lines, ", ")))
				continue
			}
			updates = append(updates, rowWrite{rows[0], i})
			p.rowOf[i] = rows[0]
		}
		if o.format == formatCSV && !known {
			var added []string
			for name := range w.Fields {
				if !columns[name] {
					added = append(added, name)
				}
			}
			if len(added) > 0 {
				slices.Sort(added) // new columns in a deterministic order
				for _, name := range added {
					columns[name] = true
				}
				p.header = append(p.header, added...)
			}
			if w.Action == connectors.Create {
				csvKeys.reset(w.Fields)
			}
		}
	}
	if snap.head.hasHeader {
		p.newCols = len(p.header) - len(snap.head.header)
	}

	// Group the updates by row, in file order, keeping the writes' order.
	slices.SortStableFunc(updates, func(a, b rowWrite) int { return int(a.row - b.row) })
	for _, u := range updates {
		if k := len(p.updated); k > 0 && p.updated[k-1] == u.row {
			p.groups[k-1] = append(p.groups[k-1], u.write)
			continue
		}
		p.updated = append(p.updated, u.row)
		p.groups = append(p.groups, []int{u.write})
	}

	got, err := o.fetch(src, snap, p.updated)
	if err != nil {
		return nil, err
	}
	enc := o.newEncoder(p.header, jenc)
	p.old = make([]map[string]any, len(p.updated))
	p.replaced = make([][]byte, len(p.updated))
	p.oldLines = make([]int, len(p.updated))
	var replaced []byte // the bytes of all updated rows
	for j := range p.updated {
		p.old[j] = got[j].fields
		p.oldLines[j] = bytes.Count(got[j].data, []byte{'\n'})
		rec := o.storedRow(p.header, got[j].fields)
		for k, i := range p.groups[j] {
			for name, v := range writes[i].Fields {
				if _, ok := v.(string); !ok {
					v = stored(o.format, v)
				}
				rec[name] = v
			}
			if k < len(p.groups[j])-1 {
				p.fields[i] = maps.Clone(rec)
			} else {
				p.fields[i] = rec
			}
		}
		start := len(replaced)
		if replaced, err = enc.append(replaced, rec, termOf(got[j].data)); err != nil {
			return nil, err
		}
		p.replaced[j] = replaced[start:len(replaced):len(replaced)]
	}

	if o.format != formatCSV {
		return p, nil
	}
	// The created CSV rows, and the index of their other fields.
	p.ends = make([]int, len(p.creates))
	for j, i := range p.creates {
		var rec map[string]any
		if rec, p.appended, err = enc.csvCreate(p.appended, writes[i].Fields, snap.head.term); err != nil {
			return nil, err
		}
		p.fields[i] = rec
		t, _ := text(rec[writes[i].KeyField])
		p.addIDKey(o.conn.key, writes[i].KeyField, t, rec)
		if j == 0 {
			p.appended = slices.Grow(p.appended, len(p.appended)*(len(p.creates)-1)*5/4)
		}
		p.ends[j] = len(p.appended)
		indexCreate(i, rec)
	}
	return p, nil
}

// addIDKey notes what names the next created row: the value of the key
// setting, else that of the write's KeyField (value t), else its line.
func (p *writePlan) addIDKey(key, keyField, t string, rec map[string]any) {
	for _, k := range [2]string{key, keyField} {
		if k == "" {
			continue
		}
		v, ok := t, true
		if k != keyField {
			v, ok = text(rec[k])
		}
		if ok && v != "" {
			p.idKeys = append(p.idKeys, k)
			p.idValues = append(p.idValues, v)
			return
		}
	}
	p.idKeys = append(p.idKeys, "")
	p.idValues = append(p.idValues, "")
}

// unindexFrom takes rows from first on out of the index.
func (s *snapshot) unindexFrom(first int32) {
	for _, idx := range s.index {
		idx.removeFrom(first)
	}
}

// check refuses a write the file cannot hold. convert tells whether a
// value of the write is not as the file stores it (see stored).
func (o *object) check(w connectors.Write) (convert bool, err error) {
	if w.Action != connectors.Create && w.Action != connectors.Update {
		return false, apiError(400, "INVALID_ACTION", fmt.Sprintf("unknown write action %d", w.Action))
	}
	var errs []connectors.FieldError
	for name, v := range w.Fields {
		switch {
		case name == "":
			errs = append(errs, connectors.FieldError{Field: name, Message: "a field needs a name"})
		case o.format == formatCSV && strings.ContainsAny(name, "\r\n"):
			errs = append(errs, connectors.FieldError{Field: name, Message: "a CSV column name cannot contain a line break"})
		default:
			if msg := checkValue(o.format, v); msg != "" {
				errs = append(errs, connectors.FieldError{Field: name, Message: msg})
			} else if !convert {
				convert = !isStored(v)
			}
		}
	}
	return o.checked(w, convert, errs)
}

// checkValues is check for a create whose field names were found good
// before: names, with values vals.
func (o *object) checkValues(w connectors.Write, names []string, vals []any) (convert bool, err error) {
	var errs []connectors.FieldError
	for j, v := range vals {
		if msg := checkValue(o.format, v); msg != "" {
			errs = append(errs, connectors.FieldError{Field: names[j], Message: msg})
		} else if !convert {
			convert = !isStored(v)
		}
	}
	return o.checked(w, convert, errs)
}

// checked ends check: the key of a create, and the errors found.
func (o *object) checked(w connectors.Write, convert bool, errs []connectors.FieldError) (bool, error) {
	if w.Action == connectors.Create && w.KeyField != "" {
		if t, ok := text(w.Fields[w.KeyField]); !ok || t == "" {
			errs = append(errs, connectors.FieldError{Field: w.KeyField, Message: "the key field has no value: the row could not be found again"})
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b connectors.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return false, apiError(400, "INVALID_RECORD", "the record cannot be written to "+o.display, errs...)
	}
	return convert, nil
}

// storedRow returns a row's fields as stored: for CSV, every column as text.
func (o *object) storedRow(header []string, old map[string]any) map[string]any {
	if o.format != formatCSV {
		if old == nil {
			return map[string]any{}
		}
		return maps.Clone(old) // copies the map's memory, no hashing
	}
	rec := make(map[string]any, len(header))
	for _, name := range header {
		v := old[name]
		if _, ok := v.(string); !ok {
			v, _ = text(v)
		}
		rec[name] = v // a string as it is: no new copy of the text
	}
	return rec
}

// storedJSON returns the fields of a created JSON Lines row as stored:
// fields itself when the file stores its values as they are (a copy would
// cost as much as the rest of the write; the engine never changes a map it
// wrote), else a copy with the values converted.
func storedJSON(fields map[string]any, convert bool) map[string]any {
	switch {
	case fields == nil:
		return map[string]any{}
	case !convert:
		return fields
	}
	rec := maps.Clone(fields) // copies the map's memory, no hashing
	for name, v := range rec {
		rec[name] = stored(formatJSONL, v)
	}
	return rec
}

// encoder encodes the rows of one Write call.
type encoder struct {
	format format
	header []string
	csv    *csvEncoder
	json   *jsonlEncoder
	cells  []string
}

func (o *object) newEncoder(header []string, json *jsonlEncoder) *encoder {
	return &encoder{
		format: o.format, header: header, cells: make([]string, len(header)),
		csv: newCSVEncoder(o.conn.delim), json: json,
	}
}

// append appends the row of rec with terminator term to dst.
func (e *encoder) append(dst []byte, rec map[string]any, term string) ([]byte, error) {
	if e.format != formatCSV {
		dst = e.json.append(dst, rec)
		return append(dst, term...), nil
	}
	for j, name := range e.header {
		e.cells[j], _ = text(rec[name])
	}
	return e.csv.appendRow(dst, e.cells, term)
}

// csvCreate returns the CSV row a create writes (every column, as text)
// and appends its bytes to dst.
func (e *encoder) csvCreate(dst []byte, fields map[string]any, term string) (map[string]any, []byte, error) {
	rec := make(map[string]any, len(e.header))
	for j, name := range e.header {
		v := fields[name]
		t, _ := text(v)
		e.cells[j] = t
		if _, ok := v.(string); ok {
			rec[name] = v // the value as it is: no new copy of the text
		} else {
			rec[name] = t
		}
	}
	dst, err := e.csv.appendRow(dst, e.cells, term)
	return rec, dst, err
}

func termOf(data []byte) string {
	return string(data[len(data)-terminator(data):])
}

// rewrite writes the new file next to the old one and renames it over it:
// untouched rows keep their bytes (CSV rows gain empty cells for new
// columns), updated rows are replaced in place, created rows appended. It
// returns the snapshot of the new file, whose index the caller updates.
func (o *object) rewrite(src *os.File, snap *snapshot, p *writePlan) (_ *snapshot, err error) {
	if err := os.MkdirAll(o.conn.dir, 0o755); err != nil {
		return nil, err
	}
	mode := fs.FileMode(0o644)
	var size int64
	if snap.info != nil {
		mode, size = snap.info.Mode().Perm(), snap.info.Size()
	}
	tmp, err := os.CreateTemp(o.conn.dir, "."+filepath.Base(o.path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	if o.state.out == nil {
		o.state.out = bufio.NewWriterSize(tmp, 256<<10)
	}
	o.state.out.Reset(tmp)
	w := &countingWriter{w: o.state.out}
	c := &copier{w: w, dst: tmp, src: src, size: size}
	head := snap.head
	head.header = p.header
	var rows []rowPos
	var bad []LineError
	if o.format == formatCSV && p.newCols > 0 {
		rows, bad, err = o.rewriteWidened(c, snap, p, &head)
	} else {
		if o.format == formatCSV && !head.hasHeader && len(p.header) > 0 {
			// A file without a header has no rows either: the header goes
			// first, the blank lines there are after it.
			var buf bytes.Buffer
			if err := newCSVEncoder(o.conn.delim).encode(&buf, p.header, head.term); err != nil {
				return nil, err
			}
			w.Write(buf.Bytes())
			head.hasHeader = true
			head.headerEnd = w.off
		}
		rows, bad, err = rewriteRows(c, snap, p)
	}
	if err != nil {
		return nil, err
	}

	if len(p.appended) > 0 {
		if w.off > 0 && w.last != '\n' {
			if n := len(rows); n > 0 && rows[n-1].end == w.off {
				// The last row gets the line end it lacked. A copy: rows
				// may be the old snapshot's, which stays in use if the
				// rename fails.
				rows = slices.Clone(rows)
				rows[n-1].end += int64(len(head.term))
			}
			w.Write([]byte(head.term))
		}
		base, prev := w.off, 0
		if cap(rows)-len(rows) < len(p.ends) {
			// Doubling: a file written in many batches would otherwise
			// copy its rows for each.
			rows = slices.Grow(rows, max(len(p.ends), len(rows)))
		}
		for _, end := range p.ends {
			rows = append(rows, rowPos{start: base + int64(prev), end: base + int64(end), line: int32(w.lines + 1)})
			if o.format == formatCSV {
				w.lines += bytes.Count(p.appended[prev:end], []byte{'\n'})
			} else {
				w.lines++ // JSON escapes line breaks: a JSON line is one line
			}
			prev = end
		}
		w.w.Write(p.appended)
		w.off += int64(len(p.appended))
		w.last = p.appended[len(p.appended)-1]
	}

	if err := w.w.Flush(); err != nil {
		return nil, err
	}
	if err := tmp.Chmod(mode); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := o.conn.rename(tmp.Name(), o.path); err != nil {
		return nil, err
	}
	syncDir(o.conn.dir)
	info, err := os.Stat(o.path)
	if err != nil {
		return nil, err
	}
	return &snapshot{info: info, head: head, rows: rows, bad: bad, lines: w.lines, last: w.last, index: snap.index}, nil
}

// rewriteRows copies the rows of the old file, replacing the updated ones.
// The stretches between updated rows are copied whole, by the kernel when
// they are large, and their rows' positions are moved by arithmetic: a
// write of a few rows into a large file costs little more than its copy.
func rewriteRows(c *copier, snap *snapshot, p *writePlan) ([]rowPos, []LineError, error) {
	if len(p.updated) == 0 {
		if err := c.copy(0, c.size, snap.lines, snap.last); err != nil {
			return nil, nil, err
		}
		// Rows keep their places. Appending to the old snapshot's rows
		// leaves them as they are: it only uses them up to its length.
		return snap.rows, snap.bad, nil
	}
	rows := make([]rowPos, len(snap.rows), len(snap.rows)+len(p.ends))
	bad := slices.Clone(snap.bad)
	nbad := 0
	// pos is the offset in the old file copied up to, posLines its line
	// feeds before; done the rows placed.
	var pos int64
	posLines, done := 0, 0
	move := func(to int) {
		dOff, dLines := c.w.off-pos, int32(c.w.lines-posLines)
		for n := done; n < to; n++ {
			r := snap.rows[n]
			rows[n] = rowPos{start: r.start + dOff, end: r.end + dOff, line: r.line + dLines, bad: r.bad}
			if r.bad {
				bad[nbad].Line += int(dLines)
				nbad++
			}
		}
		done = to
	}
	for j, n := range p.updated {
		old := snap.rows[n]
		move(int(n))
		if err := c.copy(pos, old.start, int(old.line)-1-posLines, '\n'); err != nil {
			return nil, nil, err
		}
		start, line := c.w.off, c.w.lines+1
		c.w.Write(p.replaced[j])
		rows[n] = rowPos{start: start, end: c.w.off, line: int32(line)}
		pos, posLines, done = old.end, int(old.line)-1+p.oldLines[j], int(n)+1
	}
	move(len(snap.rows))
	if err := c.copy(pos, c.size, snap.lines-posLines, snap.last); err != nil {
		return nil, nil, err
	}
	return rows, bad, nil
}

// rewriteWidened rewrites a CSV file whose header gains columns: every
// good row gains empty cells for them, so every row is copied on its own.
func (o *object) rewriteWidened(c *copier, snap *snapshot, p *writePlan, head *fileHead) ([]rowPos, []LineError, error) {
	w := c.w
	r := bufio.NewReaderSize(io.NewSectionReader(c.src, 0, c.size), 256<<10)
	if _, err := r.Discard(int(head.headerEnd)); err != nil {
		return nil, nil, err
	}
	pos := head.headerEnd // bytes of src consumed
	copyTo := func(end int64) error {
		n := end - pos
		pos = end
		return copyN(w, r, n)
	}
	if head.bom {
		w.Write(bom)
	}
	var buf bytes.Buffer
	if err := newCSVEncoder(o.conn.delim).encode(&buf, p.header, head.term); err != nil {
		return nil, nil, err
	}
	w.Write(buf.Bytes())
	head.headerEnd = w.off

	pad := []byte(strings.Repeat(string(o.conn.delim), p.newCols))
	rows := make([]rowPos, len(snap.rows), len(snap.rows)+len(p.ends))
	bad := slices.Clone(snap.bad)
	nbad := 0
	next := 0 // the next of p.updated
	for n, old := range snap.rows {
		if err := copyTo(old.start); err != nil {
			return nil, nil, err
		}
		row := rowPos{start: w.off, line: int32(w.lines + 1), bad: old.bad}
		replace := next < len(p.updated) && p.updated[next] == int32(n)
		switch {
		case replace:
			repl := p.replaced[next]
			next++
			if _, err := r.Discard(int(old.end - old.start)); err != nil {
				return nil, nil, err
			}
			pos = old.end
			w.Write(repl)
		case !old.bad:
			if err := copyPadded(w, r, old.end-old.start, pad); err != nil {
				return nil, nil, err
			}
			pos = old.end
		default:
			if err := copyTo(old.end); err != nil {
				return nil, nil, err
			}
		}
		row.end = w.off
		rows[n] = row
		if old.bad {
			bad[nbad].Line += int(row.line - old.line)
			nbad++
		}
	}
	if err := copyTo(c.size); err != nil {
		return nil, nil, err
	}
	return rows, bad, nil
}

// copier copies stretches of the old file into the new one.
type copier struct {
	w    *countingWriter // on dst
	dst  *os.File
	src  *os.File // nil when there is no old file
	size int64    // of src
	r    *bufio.Reader
	rpos int64 // offset of r in src
}

// bulkCopy is the size from which a stretch is copied by the kernel
// (copy_file_range on Linux) rather than through the process.
const bulkCopy = 64 << 10

var errChanged = errors.New("the file changed while it was rewritten; try again")

// copy copies bytes [from, to) of the old file, which hold lines line
// feeds and end with byte last.
func (c *copier) copy(from, to int64, lines int, last byte) error {
	n := to - from
	if n <= 0 {
		return nil
	}
	if n >= bulkCopy {
		if err := c.w.w.Flush(); err != nil {
			return err
		}
		if _, err := c.src.Seek(from, io.SeekStart); err != nil {
			return err
		}
		copied, err := c.dst.ReadFrom(&io.LimitedReader{R: c.src, N: n})
		if err != nil {
			return err
		}
		if copied != n {
			return errChanged
		}
		c.w.off += n
		c.w.lines += lines
		c.w.last = last
		return nil
	}
	switch {
	case c.r == nil:
		c.r = bufio.NewReaderSize(io.NewSectionReader(c.src, from, c.size-from), bulkCopy)
	case c.rpos != from:
		c.r.Reset(io.NewSectionReader(c.src, from, c.size-from))
	}
	c.rpos = to
	return copyN(c.w, c.r, n)
}

// syncDir makes a rename durable. Some systems cannot sync a directory;
// the rename has happened either way, so failures are ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// countingWriter counts what it writes: the offset, the lines, and the
// last byte. Its underlying bufio.Writer keeps the first error, which
// Flush returns.
type countingWriter struct {
	w     *bufio.Writer
	off   int64
	lines int
	last  byte
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.off += int64(n)
	c.lines += bytes.Count(b[:n], []byte{'\n'})
	if n > 0 {
		c.last = b[n-1]
	}
	return n, err
}

// copyN copies n bytes from r to w without allocating.
func copyN(w *countingWriter, r *bufio.Reader, n int64) error {
	for n > 0 {
		b, err := r.Peek(int(min(n, int64(r.Size()))))
		if len(b) == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				err = errChanged
			}
			return err
		}
		w.Write(b)
		r.Discard(len(b))
		n -= int64(len(b))
	}
	return nil
}

// copyPadded copies a row of n bytes, inserting pad before its terminator.
func copyPadded(w *countingWriter, r *bufio.Reader, n int64, pad []byte) error {
	if n > 2 {
		if err := copyN(w, r, n-2); err != nil {
			return err
		}
		n = 2
	}
	tail, err := r.Peek(int(n))
	if err != nil {
		return err
	}
	tail = slices.Clone(tail)
	r.Discard(int(n))
	t := terminator(tail)
	w.Write(tail[:len(tail)-t])
	w.Write(pad)
	w.Write(tail[len(tail)-t:])
	return nil
}
