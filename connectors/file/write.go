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
	"strings"

	"github.com/kopla-dev/kopla/connectors"
)

// writePlan is a Write call resolved against the file. Slices, not maps:
// a plan may hold a hundred thousand rows.
type writePlan struct {
	header  []string // CSV columns after the write
	newCols int      // columns added to an existing CSV header
	// updated are the rows updated, in file order; groups[j] are the writes
	// of updated[j], in order; replaced[j] its new bytes; old[j] its fields
	// before.
	updated  []int32
	groups   [][]int
	replaced [][]byte
	old      []map[string]any
	creates  []int    // writes that create, in order
	appended [][]byte // their bytes
	// By write: the record as stored (nil when the write was refused) and
	// its row.
	fields []map[string]any
	rowOf  []int32
}

// Write creates and updates rows in one atomic rewrite of the file; see
// the package doc. A create whose KeyField value another row already has
// fails with a conflict, so a retried create never adds a second row.
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
	if err != nil {
		return failAll(err)
	}
	if src != nil {
		defer src.Close()
	}

	p, err := o.plan(src, snap, writes, results)
	if err != nil {
		return failAll(err)
	}
	if len(p.creates) == 0 && len(p.updated) == 0 {
		return results
	}
	if err := ctx.Err(); err != nil {
		return failAll(err)
	}
	newSnap, err := o.rewrite(src, snap, p)
	if err != nil {
		return failAll(o.fileError(err))
	}

	// The file is replaced: move the index along and answer.
	for j, n := range p.updated {
		g := p.groups[j]
		newSnap.remove(n, p.old[j])
		newSnap.add(n, p.fields[g[len(g)-1]])
	}
	for _, i := range p.creates {
		newSnap.add(p.rowOf[i], p.fields[i])
	}
	o.state.snap = newSnap
	for i, w := range writes {
		rec := p.fields[i]
		if rec == nil {
			continue
		}
		line := int(newSnap.rows[p.rowOf[i]].line)
		if w.Action == connectors.Create {
			results[i] = connectors.WriteResult{Record: o.record(rec, line, w.KeyField)}
			continue
		}
		results[i] = connectors.WriteResult{Record: connectors.Record{ID: o.updatedID(w.ID, rec, line), Fields: rec}}
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
// rows to update and encodes the new rows.
func (o *object) plan(src *os.File, snap *snapshot, writes []connectors.Write, results []connectors.WriteResult) (*writePlan, error) {
	p := &writePlan{
		header: slices.Clone(snap.head.header),
		fields: make([]map[string]any, len(writes)),
		rowOf:  make([]int32, len(writes)),
	}
	type rowWrite struct {
		row   int32
		write int
	}
	var updates []rowWrite
	newKeys := map[string]map[string]bool{} // KeyField -> values created in this batch
	for i, w := range writes {
		if err := o.check(w); err != nil {
			results[i].Err = err
			continue
		}
		switch w.Action {
		case connectors.Create:
			if w.KeyField != "" {
				t, _ := text(w.Fields[w.KeyField])
				if len(snap.index[w.KeyField][t]) > 0 || newKeys[w.KeyField][t] {
					results[i].Err = apiError(409, "CONFLICT", fmt.Sprintf("a row with %s already exists", keyID(w.KeyField, t)),
						connectors.FieldError{Field: w.KeyField, Message: "value already taken"})
					continue
				}
				if newKeys[w.KeyField] == nil {
					newKeys[w.KeyField] = map[string]bool{}
				}
				newKeys[w.KeyField][t] = true
			}
			p.creates = append(p.creates, i)
		case connectors.Update:
			rows := snap.lookup(w.ID)
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
		if o.format == formatCSV {
			var added []string
			for name := range w.Fields {
				if !slices.Contains(p.header, name) {
					added = append(added, name)
				}
			}
			slices.Sort(added) // new columns in a deterministic order
			p.header = append(p.header, added...)
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
	var buf bytes.Buffer
	enc := o.newEncoder(snap.head, p.header)
	p.old = make([]map[string]any, len(p.updated))
	p.replaced = make([][]byte, len(p.updated))
	for j := range p.updated {
		p.old[j] = got[j].fields
		rec := o.storedRow(p.header, got[j].fields)
		for k, i := range p.groups[j] {
			for name, v := range writes[i].Fields {
				rec[name] = stored(o.format, v)
			}
			if k < len(p.groups[j])-1 {
				p.fields[i] = maps.Clone(rec)
			} else {
				p.fields[i] = rec
			}
		}
		buf.Reset()
		if err := enc.encode(&buf, rec, termOf(got[j].data)); err != nil {
			return nil, err
		}
		p.replaced[j] = slices.Clone(buf.Bytes())
	}
	arena := make([]byte, 0, 128*len(p.creates))
	for j, i := range p.creates {
		rec := o.storedRow(p.header, nil)
		for name, v := range writes[i].Fields {
			rec[name] = stored(o.format, v)
		}
		p.fields[i] = rec
		p.rowOf[i] = int32(len(snap.rows) + j)
		buf.Reset()
		if err := enc.encode(&buf, rec, snap.head.term); err != nil {
			return nil, err
		}
		start := len(arena)
		arena = append(arena, buf.Bytes()...)
		p.appended = append(p.appended, arena[start:len(arena):len(arena)])
	}
	return p, nil
}

// check refuses a write the file cannot hold.
func (o *object) check(w connectors.Write) error {
	if w.Action != connectors.Create && w.Action != connectors.Update {
		return apiError(400, "INVALID_ACTION", fmt.Sprintf("unknown write action %d", w.Action))
	}
	var errs []connectors.FieldError
	for name := range w.Fields {
		switch {
		case name == "":
			errs = append(errs, connectors.FieldError{Field: name, Message: "a field needs a name"})
		case o.format == formatCSV && strings.ContainsAny(name, "\r\n"):
			errs = append(errs, connectors.FieldError{Field: name, Message: "a CSV column name cannot contain a line break"})
		default:
			if msg := checkValue(o.format, w.Fields[name]); msg != "" {
				errs = append(errs, connectors.FieldError{Field: name, Message: msg})
			}
		}
	}
	if w.Action == connectors.Create && w.KeyField != "" {
		if t, ok := text(w.Fields[w.KeyField]); !ok || t == "" {
			errs = append(errs, connectors.FieldError{Field: w.KeyField, Message: "the key field has no value: the row could not be found again"})
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b connectors.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return apiError(400, "INVALID_RECORD", "the record cannot be written to "+o.display, errs...)
	}
	return nil
}

// storedRow returns a row's fields as stored: for CSV, every column as text.
func (o *object) storedRow(header []string, old map[string]any) map[string]any {
	if o.format != formatCSV {
		rec := make(map[string]any, len(old))
		maps.Copy(rec, old)
		return rec
	}
	rec := make(map[string]any, len(header))
	for _, name := range header {
		v, _ := text(old[name])
		rec[name] = v
	}
	return rec
}

// encoder encodes the rows of one Write call.
type encoder struct {
	format format
	header []string
	csv    *csvEncoder
	cells  []string
}

func (o *object) newEncoder(head fileHead, header []string) *encoder {
	return &encoder{
		format: o.format, header: header, cells: make([]string, len(header)),
		csv: newCSVEncoder(o.conn.delim),
	}
}

func (e *encoder) encode(buf *bytes.Buffer, rec map[string]any, term string) error {
	if e.format != formatCSV {
		return encodeJSONL(buf, rec, term)
	}
	for j, name := range e.header {
		e.cells[j], _ = text(rec[name])
	}
	return e.csv.encode(buf, e.cells, term)
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

	w := &countingWriter{w: bufio.NewWriterSize(tmp, 256<<10)}
	var r *bufio.Reader
	if src != nil {
		r = bufio.NewReaderSize(io.NewSectionReader(src, 0, size), 256<<10)
	}
	var pos int64 // bytes of src consumed
	copyTo := func(end int64) error {
		n := end - pos
		pos = end
		return copyN(w, r, n)
	}

	head := snap.head
	head.header = p.header
	if o.format == formatCSV && (p.newCols > 0 || !head.hasHeader) && len(p.header) > 0 {
		if head.hasHeader {
			if _, err := r.Discard(int(head.headerEnd)); err != nil {
				return nil, err
			}
			pos = head.headerEnd
		}
		if head.bom {
			w.Write(bom)
		}
		var buf bytes.Buffer
		if err := newCSVEncoder(o.conn.delim).encode(&buf, p.header, head.term); err != nil {
			return nil, err
		}
		w.Write(buf.Bytes())
		head.hasHeader = true
		head.headerEnd = w.off
	} else if head.hasHeader {
		if err := copyTo(head.headerEnd); err != nil {
			return nil, err
		}
	}

	pad := []byte(strings.Repeat(string(o.conn.delim), p.newCols))
	rows := make([]rowPos, len(snap.rows), len(snap.rows)+len(p.appended))
	bad := slices.Clone(snap.bad)
	nbad := 0
	next := 0 // the next of p.updated
	for n, old := range snap.rows {
		if err := copyTo(old.start); err != nil {
			return nil, err
		}
		row := rowPos{start: w.off, line: int32(w.lines + 1), bad: old.bad}
		replace := next < len(p.updated) && p.updated[next] == int32(n)
		switch {
		case replace:
			repl := p.replaced[next]
			next++
			if _, err := r.Discard(int(old.end - old.start)); err != nil {
				return nil, err
			}
			pos = old.end
			w.Write(repl)
		case len(pad) > 0 && !old.bad:
			if err := copyPadded(w, r, old.end-old.start, pad); err != nil {
				return nil, err
			}
			pos = old.end
		default:
			if err := copyTo(old.end); err != nil {
				return nil, err
			}
		}
		row.end = w.off
		rows[n] = row
		if old.bad {
			bad[nbad].Line += int(row.line - old.line)
			nbad++
		}
	}
	if r != nil {
		if err := copyTo(size); err != nil {
			return nil, err
		}
	}
	for _, data := range p.appended {
		if w.off > 0 && w.last != '\n' {
			w.Write([]byte(head.term))
		}
		start, line := w.off, w.lines+1
		w.Write(data)
		rows = append(rows, rowPos{start: start, end: w.off, line: int32(line)})
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
	return &snapshot{info: info, head: head, rows: rows, bad: bad, index: snap.index}, nil
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
				err = errors.New("the file changed while it was rewritten; try again")
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
