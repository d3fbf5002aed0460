package file

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
)

// files holds the state of every file the connections of one Factory use,
// by absolute path, so that two objects on the same file share a lock.
type files struct {
	mu    sync.Mutex
	byAbs map[string]*fileState
}

func (r *files) state(abs string) *fileState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.byAbs[abs]
	if st == nil {
		st = &fileState{}
		r.byAbs[abs] = st
	}
	return st
}

// fileState is what the process knows of one file. mu serialises finds,
// gets and writes; reads need no lock because a rewrite replaces the file
// by rename, so an open file stays whole.
type fileState struct {
	mu    sync.Mutex
	snap  *snapshot
	scans int // full scans made, for tests of the index cache
	// rows and out are buffers of the last Write, for the next: the
	// engine writes a file in many batches, and allocating megabytes for
	// each costs the garbage collector more than the rest of the write.
	rows []byte
	out  *bufio.Writer
	// journal holds the rows appended but not yet merged into the file
	// (see journal.go), and owner the object that wrote them.
	journal *journal
	owner   *object
}

// keepBuffer is the largest rows buffer kept between writes.
const keepBuffer = 16 << 20

// snapshot describes one version of a file: where its rows are and, per
// field asked for, which rows hold which value. It is valid while the
// file's identity, size and modification time stay the same.
type snapshot struct {
	info fs.FileInfo // nil when the file does not exist
	head fileHead
	rows []rowPos
	bad  []LineError
	// lines is the number of line feeds in the file and last its last
	// byte: where rows appended to it start.
	lines int
	last  byte
	// index maps field -> value text -> row numbers (indexes into rows).
	index map[string]*valueIndex
}

// valueIndex maps the text of one field's values to the rows holding
// them, in file order. Most values are held by one row, so rows are kept
// without a slice per value (which would cost an allocation per row
// indexed): one maps a value to its row, or to manyRows when several rows
// hold it and their list is in many.
type valueIndex struct {
	one  map[string]int32
	many map[string][]int32
}

// manyRows marks a value of valueIndex.one held by several rows.
const manyRows = -1

func newValueIndex() *valueIndex {
	return &valueIndex{one: map[string]int32{}, many: map[string][]int32{}}
}

// addNew records that row n holds value v, unless a row holds it already.
func (x *valueIndex) addNew(v string, n int32) bool {
	if _, ok := x.one[v]; ok {
		return false
	}
	x.one[v] = n
	return true
}

// appendRows appends the rows holding value v to dst.
func (x *valueIndex) appendRows(dst []int32, v string) []int32 {
	n, ok := x.one[v]
	switch {
	case !ok:
		return dst
	case n == manyRows:
		return append(dst, x.many[v]...)
	}
	return append(dst, n)
}

// add records that row n holds value v.
func (x *valueIndex) add(v string, n int32) {
	old, ok := x.one[v]
	switch {
	case !ok:
		x.one[v] = n
	case old == manyRows:
		x.many[v] = insertRow(x.many[v], n)
	case old != n:
		x.one[v] = manyRows
		x.many[v] = insertRow([]int32{old}, n)
	}
}

// insertRow inserts n into the sorted rows, once.
func insertRow(rows []int32, n int32) []int32 {
	i, found := slices.BinarySearch(rows, n)
	if found {
		return rows
	}
	return slices.Insert(rows, i, n)
}

// remove records that row n no longer holds value v.
func (x *valueIndex) remove(v string, n int32) {
	old, ok := x.one[v]
	switch {
	case !ok:
	case old == n:
		delete(x.one, v)
	case old == manyRows:
		rows := x.many[v]
		if i, found := slices.BinarySearch(rows, n); found {
			rows = slices.Delete(rows, i, i+1)
		}
		if len(rows) == 1 {
			x.one[v] = rows[0]
			delete(x.many, v)
		} else {
			x.many[v] = rows
		}
	}
}

// removeFrom takes rows from first on out of the index: the undoing of
// adds for rows a failed write would have appended.
func (x *valueIndex) removeFrom(first int32) {
	for v, n := range x.one {
		if n >= first {
			delete(x.one, v)
		}
	}
	for v, rows := range x.many {
		i, _ := slices.BinarySearch(rows, first)
		if i == len(rows) {
			continue
		}
		switch rows = rows[:i]; len(rows) {
		case 0:
			delete(x.one, v)
			delete(x.many, v)
		case 1:
			x.one[v] = rows[0]
			delete(x.many, v)
		default:
			x.many[v] = rows
		}
	}
}

// rowPos is where a row is in the file.
type rowPos struct {
	start, end int64 // end is after the terminator
	line       int32
	bad        bool
}

func (s *snapshot) current(info fs.FileInfo) bool {
	if s == nil {
		return false
	}
	if s.info == nil || info == nil {
		return s.info == nil && info == nil
	}
	return os.SameFile(s.info, info) && s.info.Size() == info.Size() && s.info.ModTime().Equal(info.ModTime())
}

func (s *snapshot) has(fields []string) bool {
	for _, f := range fields {
		if _, ok := s.index[f]; !ok {
			return false
		}
	}
	return true
}

// open opens the object's file for a find, get or write and returns it
// with a current snapshot indexing fields. f is nil when the file does not
// exist. The caller holds st.mu and closes f.
func (o *object) open(st *fileState, fields []string) (*os.File, *snapshot, error) {
	if err := o.keepJournal(fields); err != nil {
		return nil, nil, o.fileError(err)
	}
	f, err := os.Open(o.path)
	if errors.Is(err, fs.ErrNotExist) {
		st.snap = &snapshot{head: fileHead{term: "\n"}, index: map[string]*valueIndex{}}
		for _, name := range fields {
			st.snap.index[name] = newValueIndex()
		}
		return nil, st.snap, nil
	}
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if st.snap.current(info) && st.snap.has(fields) {
		return f, st.snap, nil
	}
	// Fields indexed before will likely be asked for again: index them in
	// the same scan.
	want := slices.Clone(fields)
	if st.snap != nil {
		for name := range st.snap.index {
			if !slices.Contains(want, name) {
				want = append(want, name)
			}
		}
	}
	st.scans++
	snap, err := o.scan(f, info, want)
	if err != nil {
		f.Close()
		st.snap = nil
		return nil, nil, err
	}
	st.snap = snap
	if len(snap.bad) > 0 {
		o.conn.logger.Warn("file has bad lines; they are skipped",
			"file", o.display, "count", len(snap.bad), "first_line", snap.bad[0].Line)
	}
	return f, snap, nil
}

// scan reads a whole file once, recording where its rows are and indexing
// fields.
func (o *object) scan(f *os.File, info fs.FileInfo, fields []string) (*snapshot, error) {
	rr, err := newRowReader(io.NewSectionReader(f, 0, info.Size()), o.format, o.conn.delim)
	if err != nil {
		return nil, o.fileError(err)
	}
	snap := &snapshot{info: info, index: map[string]*valueIndex{}}
	indexes := make([]*valueIndex, len(fields))
	cols := make([]int, len(fields)) // the CSV columns of fields
	for i, name := range fields {
		indexes[i] = newValueIndex()
		snap.index[name] = indexes[i]
		cols[i] = slices.Index(rr.head.header, name)
	}
	texts, oks := make([]string, len(fields)), make([]bool, len(fields))
	for {
		row, err := rr.nextRaw()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, o.fileError(err)
		}
		n := int32(len(snap.rows))
		perr := rr.keyTexts(row.data, fields, cols, texts, oks)
		snap.rows = append(snap.rows, rowPos{start: row.start, end: row.start + int64(len(row.data)), line: int32(row.line), bad: perr != nil})
		if perr != nil {
			snap.bad = append(snap.bad, lineError(row, perr))
			continue
		}
		for i, idx := range indexes {
			if oks[i] {
				idx.add(texts[i], n)
			}
		}
	}
	snap.head = rr.head
	snap.lines, snap.last = rr.sc.lr.line-1, rr.sc.lr.last
	return snap, nil
}

// move reindexes row n, whose fields were old and are now rec.
func (s *snapshot) move(n int32, old, rec map[string]any) {
	for name, idx := range s.index {
		was, wasOK := text(old[name])
		is, isOK := text(rec[name])
		if wasOK == isOK && was == is {
			continue // most updates leave the key as it was
		}
		if wasOK {
			idx.remove(was, n)
		}
		if isOK {
			idx.add(strings.Clone(is), n) // the index outlives the write's values
		}
	}
}

// lookup returns the rows an ID names: "field=value" (the field must be
// indexed) or "line:N".
func (s *snapshot) lookup(id string) []int32 { return s.appendLookup(nil, id) }

// appendLookup appends the rows of lookup to dst.
func (s *snapshot) appendLookup(dst []int32, id string) []int32 {
	if field, value, ok := parseID(id); ok {
		if idx := s.index[field]; idx != nil {
			return idx.appendRows(dst, value)
		}
		return dst
	}
	if line, ok := parseLineID(id); ok {
		i := sort.Search(len(s.rows), func(i int) bool { return int(s.rows[i].line) >= line })
		if i < len(s.rows) && int(s.rows[i].line) == line && !s.rows[i].bad {
			return append(dst, int32(i))
		}
	}
	return dst
}

// fetch reads and parses rows by number; out[i] is rows[i]. Many rows are
// read in one sequential pass, a few by position.
func (o *object) fetch(f io.ReaderAt, snap *snapshot, rows []int32) ([]fetched, error) {
	var size int64 // of the file after the merge of its journal
	if snap.info != nil {
		size = snap.info.Size()
	}
	if l, ok := f.(logical); ok && l.j != nil {
		size = l.j.base + l.j.size
	}
	order := make([]int, len(rows))
	var total int64
	for i, n := range rows {
		order[i] = i
		total += snap.rows[n].end - snap.rows[n].start
	}
	slices.SortFunc(order, func(a, b int) int { return int(rows[a] - rows[b]) })
	arena := make([]byte, total)
	var br *bufio.Reader
	var pos int64
	if len(rows) > fetchSequential {
		// Rows far apart are read by position: reading the file between
		// them would cost more than a read per row.
		lo, hi := slices.Min(rows), slices.Max(rows)
		if span := snap.rows[hi].end - snap.rows[lo].start; span/int64(len(rows)) < fetchGap {
			br = bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 256<<10)
		}
	}
	out := make([]fetched, len(rows))
	rr := &rowReader{f: o.format, delim: o.conn.delim, head: snap.head}
	for _, i := range order {
		p := snap.rows[rows[i]]
		data := arena[: p.end-p.start : p.end-p.start]
		arena = arena[len(data):]
		var err error
		switch {
		case br == nil || p.start < pos: // by position, or the same row again
			_, err = f.ReadAt(data, p.start)
		case p.start-pos > 1<<20:
			br.Reset(io.NewSectionReader(f, p.start, size-p.start))
			_, err = io.ReadFull(br, data)
			pos = p.end
		default:
			if _, err = br.Discard(int(p.start - pos)); err == nil {
				_, err = io.ReadFull(br, data)
			}
			pos = p.end
		}
		if err != nil {
			return nil, o.fileError(err)
		}
		rec, err := rr.parse(data)
		if err != nil {
			// The snapshot said the row was good: the file changed under us.
			return nil, o.fileError(errors.New("the file changed while it was read; try again"))
		}
		out[i] = fetched{data: data, fields: rec}
	}
	return out, nil
}

// fetchSequential is the number of rows above which fetch reads the file
// sequentially rather than row by row.
const fetchSequential = 32

// fetchGap is the mean distance between the rows fetched above which they
// are read by position.
const fetchGap = 16 << 10

type fetched struct {
	data   []byte
	fields map[string]any
}
