package file

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/kopla-dev/kopla/connectors"
)

// The journal makes a run of many creates cost time and bytes linear in
// the output. A Write that only appends rows to a large file does not
// rewrite it: its rows are appended to a journal beside it,
// .<file>.kopla-journal, and synced; the journal is merged into the file in
// one rewrite (temporary file, rename) when the engine has written the
// flow (Flush), before any read or update of the file, and when the
// connection closes. The file itself is only ever replaced whole, so a
// crash never leaves it half written; a journal left by a crash is merged
// by the next process that uses the file.
//
// The journal is a header, then the rows' bytes exactly as they follow the
// file: the file and the journal's rows are the file after the merge, so
// the rows' positions in the snapshot are those of the merged file. The
// header says how many bytes of rows are complete and which version of the
// file they follow; it is rewritten in place (one sector) after the rows
// are synced, so a torn append is never merged.

// journalFrom is the file size from which appends go to the journal: a
// rewrite of a smaller file costs little, and the file stays up to date.
const journalFrom = 1 << 20

// journalMagic starts a journal's header.
const journalMagic = "KOPLAJ1\n"

// journalHead is the header's length: magic, rows' length, and the size
// and modification time (ns) of the file the rows follow.
const journalHead = len(journalMagic) + 3*8

// journal is the pending appends of one file.
type journal struct {
	f     *os.File
	size  int64 // bytes of rows in it
	base  int64 // size of the file they follow
	mtime int64 // its modification time, ns
}

func journalPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".kopla-journal")
}

func (j *journal) header() []byte {
	b := make([]byte, 0, journalHead)
	b = append(b, journalMagic...)
	b = binary.BigEndian.AppendUint64(b, uint64(j.size))
	b = binary.BigEndian.AppendUint64(b, uint64(j.base))
	return binary.BigEndian.AppendUint64(b, uint64(j.mtime))
}

// follows tells whether the file is still the version the journal's rows
// follow.
func (j *journal) follows(info fs.FileInfo) bool {
	return info != nil && info.Size() == j.base && info.ModTime().UnixNano() == j.mtime
}

// appendRows appends rows to the journal of o's file (info is the file's
// version), creating the journal first, and returns once they are
// durable.
func (o *object) appendRows(info fs.FileInfo, rows []byte) error {
	st := o.state
	if st.journal == nil {
		f, err := os.OpenFile(journalPath(o.path), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		j := &journal{f: f, base: info.Size(), mtime: info.ModTime().UnixNano()}
		if _, err := f.WriteAt(j.header(), 0); err == nil {
			err = f.Sync()
		}
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			return err
		}
		syncDir(o.conn.dir)
		st.journal = j
	}
	j := st.journal
	if _, err := j.f.WriteAt(rows, int64(journalHead)+j.size); err != nil {
		return err
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	j.size += int64(len(rows))
	if _, err := j.f.WriteAt(j.header(), 0); err != nil {
		j.size -= int64(len(rows))
		return err
	}
	if err := j.f.Sync(); err != nil {
		j.size -= int64(len(rows))
		return err
	}
	return nil
}

// Flush merges the rows journaled by this process into the file, so that
// other programs see them; see connectors.Flusher.
func (o *object) Flush(ctx context.Context) error {
	o.state.mu.Lock()
	defer o.state.mu.Unlock()
	if err := o.settle(); err != nil {
		return o.fileError(err)
	}
	return nil
}

var _ connectors.Flusher = (*object)(nil)

// settle merges the journal of o's file into the file, this process's or
// one a crash left. The caller holds o.state.mu.
func (o *object) settle() error {
	st := o.state
	if st.journal == nil {
		if err := o.recover(); err != nil || st.journal == nil {
			return err
		}
	}
	j := st.journal
	src, err := os.Open(o.path)
	if err != nil {
		return fmt.Errorf("merge the rows written into it: %w", err)
	}
	defer src.Close()
	info, err := src.Stat()
	if err != nil {
		return err
	}
	if !j.follows(info) {
		return fmt.Errorf("the file was changed by another program while %d bytes of rows kopla wrote wait in %s to be added to it; "+
			"restore the file or add those rows to it by hand, then remove %s", j.size, filepath.Base(j.f.Name()), filepath.Base(j.f.Name()))
	}
	tmp, err := os.CreateTemp(o.conn.dir, "."+filepath.Base(o.path)+".tmp-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// The file by the kernel where it can, then the rows.
	if n, err := tmp.ReadFrom(io.NewSectionReader(src, 0, j.base)); err != nil {
		return err
	} else if n != j.base {
		return errChanged
	}
	if n, err := tmp.ReadFrom(io.NewSectionReader(j.f, int64(journalHead), j.size)); err != nil {
		return err
	} else if n != j.size {
		return errors.New("the journal of the file is shorter than its header says")
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := o.conn.rename(tmp.Name(), o.path); err != nil {
		return err
	}
	done = true
	syncDir(o.conn.dir)
	// The merged file is what the snapshot describes: the rows' positions
	// were those after the merge already.
	if newInfo, err := os.Stat(o.path); err == nil && st.snap != nil && st.snap.info != nil && os.SameFile(st.snap.info, info) {
		st.snap.info = newInfo
	} else {
		st.snap = nil
	}
	j.f.Close()
	st.journal = nil
	// Once the file is replaced, the journal is spent: a crash before it is
	// removed leaves one that no longer follows the file, which recover
	// tells by the size.
	if err := os.Remove(j.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	syncDir(o.conn.dir)
	return nil
}

// recover loads the journal a crashed process left beside o's file, if
// any, as st.journal; one already merged is removed.
func (o *object) recover() error {
	f, err := os.OpenFile(journalPath(o.path), os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	head := make([]byte, journalHead)
	if _, err := io.ReadFull(f, head); err != nil || !bytes.HasPrefix(head, []byte(journalMagic)) {
		// Torn at creation: it never held a row that was acknowledged.
		f.Close()
		return os.Remove(f.Name())
	}
	rest := head[len(journalMagic):]
	j := &journal{f: f, size: int64(binary.BigEndian.Uint64(rest)), base: int64(binary.BigEndian.Uint64(rest[8:])), mtime: int64(binary.BigEndian.Uint64(rest[16:]))}
	info, err := os.Stat(o.path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		f.Close()
		return err
	}
	if j.size == 0 || (info != nil && !j.follows(info) && info.Size() == j.base+j.size) {
		// Empty, or merged before the crash.
		f.Close()
		return os.Remove(f.Name())
	}
	o.conn.logger.Warn("merging rows an interrupted run wrote into the file", "file", o.display, "bytes", j.size)
	o.state.journal = j
	return nil
}

// logical reads the file as it is after the merge of its journal: the file
// up to the journal's base, then the journal's rows.
type logical struct {
	main *os.File
	j    *journal
}

func (l logical) ReadAt(p []byte, off int64) (int, error) {
	if l.j == nil {
		return l.main.ReadAt(p, off)
	}
	n := 0
	if off < l.j.base {
		k := int(min(int64(len(p)), l.j.base-off))
		m, err := l.main.ReadAt(p[:k], off)
		n += m
		if err != nil && !(errors.Is(err, io.EOF) && m == k) {
			return n, err
		}
		p, off = p[k:], off+int64(k)
	}
	if len(p) == 0 {
		return n, nil
	}
	rel := off - l.j.base
	if rel >= l.j.size {
		return n, io.EOF
	}
	k := int(min(int64(len(p)), l.j.size-rel))
	m, err := l.j.f.ReadAt(p[:k], int64(journalHead)+rel)
	n += m
	if err == nil && k < len(p) {
		err = io.EOF
	}
	return n, err
}

// settleLocked is settle for callers that do not hold o.state.mu.
func (o *object) settleLocked() error {
	o.state.mu.Lock()
	defer o.state.mu.Unlock()
	if err := o.settle(); err != nil {
		return o.fileError(err)
	}
	return nil
}

// keepJournal merges the journal unless the snapshot knows its rows and
// indexes fields: a journal a crash left, or a file to be scanned again.
// The caller holds o.state.mu.
func (o *object) keepJournal(fields []string) error {
	st := o.state
	if st.journal == nil {
		if err := o.recover(); err != nil || st.journal == nil {
			return err
		}
		return o.settle()
	}
	if info, err := os.Stat(o.path); err == nil && st.journal.follows(info) && st.snap != nil && st.snap.has(fields) {
		return nil
	}
	return o.settle()
}

// rewrites tells whether writes must rewrite the file rather than append
// to it: an update, or for CSV a field the header lacks.
func (o *object) rewrites(snap *snapshot, writes []connectors.Write) bool {
	for _, w := range writes {
		if w.Action != connectors.Create {
			return true
		}
		if o.format == formatCSV {
			for name := range w.Fields {
				if !slices.Contains(snap.head.header, name) {
					return true
				}
			}
		}
	}
	return false
}

// journals tells whether the rows p appends go to the journal.
func (o *object) journals(snap *snapshot, p *writePlan) bool {
	if len(p.updated) > 0 || p.newCols > 0 || len(p.appended) == 0 || snap.info == nil {
		return false
	}
	if o.format == formatCSV && !snap.head.hasHeader {
		return false
	}
	return o.state.journal != nil || snap.info.Size() >= o.conn.journalFrom
}

// journalAppend appends p's rows to the journal and returns the snapshot
// of the file as it is after the merge.
func (o *object) journalAppend(snap *snapshot, p *writePlan) (*snapshot, error) {
	size := snap.info.Size()
	if j := o.state.journal; j != nil {
		size = j.base + j.size
	}
	data := p.appended
	rows := snap.rows
	if size > 0 && snap.last != '\n' {
		// The last row gets the line end it lacked; a copy, as in rewrite.
		data = append([]byte(snap.head.term), p.appended...)
		if n := len(rows); n > 0 && rows[n-1].end == size {
			rows = slices.Clone(rows)
			rows[n-1].end += int64(len(snap.head.term))
		}
	}
	if err := o.appendRows(snap.info, data); err != nil {
		return nil, err
	}
	o.state.owner = o
	base, prev, lines := size+int64(len(data)-len(p.appended)), 0, snap.lines
	if snap.last != '\n' && size > 0 {
		lines++
	}
	for _, end := range p.ends {
		rows = append(rows, rowPos{start: base + int64(prev), end: base + int64(end), line: int32(lines + 1)})
		if o.format == formatCSV {
			lines += bytes.Count(p.appended[prev:end], []byte{'\n'})
		} else {
			lines++
		}
		prev = end
	}
	return &snapshot{info: snap.info, head: snap.head, rows: rows, bad: snap.bad, lines: lines, last: p.appended[len(p.appended)-1], index: snap.index}, nil
}

// Close merges the journals of the connection's files; see
// connectors.Closer.
func (c *connector) Close() error {
	c.files.mu.Lock()
	var owners []*object
	for _, st := range c.files.byAbs {
		st.mu.Lock()
		if st.journal != nil && st.owner != nil && st.owner.conn == c {
			owners = append(owners, st.owner)
		}
		st.mu.Unlock()
	}
	c.files.mu.Unlock()
	var errs []error
	for _, o := range owners {
		errs = append(errs, o.Flush(context.Background()))
	}
	return errors.Join(errs...)
}

var _ connectors.Closer = (*connector)(nil)
