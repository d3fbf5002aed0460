package plan

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
)

// memChanges is how many changes a flow plan holds in memory before it
// spills them to a temporary file: a plan of a hundred thousand records must
// not need the memory of a hundred thousand records.
const memChanges = 2000

// changeList is the changes of one flow plan, in the order they were
// planned: the first ones in a spill file, the latest ones in memory.
type changeList struct {
	mem     []*Change
	file    *os.File
	w       *bufio.Writer
	spilled int
	counts  Counts
	err     error
	enc     encoder
}

// Add appends a change to the flow's plan.
func (f *FlowPlan) Add(ch *Change) {
	l := &f.changes
	l.counts.Add(ch.Action)
	l.mem = append(l.mem, ch)
	if len(l.mem) >= memChanges && l.err == nil {
		l.err = l.spill()
	}
}

// Spilled is how many of the changes have been moved to the spill file:
// the plan no longer holds them in memory (their values were copied).
func (f *FlowPlan) Spilled() int { return f.changes.spilled }

// Len is the number of changes.
func (f *FlowPlan) Len() int { return f.changes.spilled + len(f.changes.mem) }

// Changes iterates over the changes in the order they were planned. A
// change read back from the spill file is a new value each time.
func (f *FlowPlan) Changes() iter.Seq[*Change] {
	return func(yield func(*Change) bool) {
		l := &f.changes
		if l.spilled > 0 && l.err == nil {
			if l.err = l.w.Flush(); l.err != nil {
				return
			}
			r := bufio.NewReaderSize(io.NewSectionReader(l.file, 0, 1<<62), 64<<10)
			var buf []byte
			d := decoder{}
			for range l.spilled {
				n, err := binary.ReadUvarint(r)
				if err != nil {
					l.err = fmt.Errorf("read plan spill file: %w", err)
					return
				}
				// The change is decoded from the reader's buffer when it
				// fits (reset copies what the change keeps), else read whole.
				body, err := r.Peek(int(min(n, 1<<30)))
				switch {
				case err == nil:
					d.reset(body)
					r.Discard(len(body))
				case errors.Is(err, bufio.ErrBufferFull):
					if uint64(cap(buf)) < n {
						buf = make([]byte, n)
					}
					buf = buf[:n]
					if _, err := io.ReadFull(r, buf); err != nil {
						l.err = fmt.Errorf("read plan spill file: %w", err)
						return
					}
					d.reset(buf)
				default:
					l.err = fmt.Errorf("read plan spill file: %w", err)
					return
				}
				ch := d.change()
				if d.err != nil {
					l.err = d.err
					return
				}
				if !yield(ch) {
					return
				}
			}
		}
		for _, ch := range l.mem {
			if !yield(ch) {
				return
			}
		}
	}
}

// Err reports a failure of the spill file (disk full): the plan is then
// incomplete and must not be applied.
func (f *FlowPlan) Err() error { return f.changes.err }

// spill moves the changes held in memory to the spill file.
func (l *changeList) spill() error {
	if l.file == nil {
		file, err := os.CreateTemp("", "kopla-plan-*")
		if err != nil {
			return fmt.Errorf("create plan spill file: %w", err)
		}
		if runtime.GOOS != "windows" {
			// Unlinked at once: the space is freed when the process ends,
			// whatever happens.
			os.Remove(file.Name())
		}
		l.file, l.w = file, bufio.NewWriterSize(file, 256<<10)
	}
	var size [binary.MaxVarintLen64]byte
	for _, ch := range l.mem {
		l.enc.b = l.enc.b[:0]
		l.enc.change(ch)
		n := binary.PutUvarint(size[:], uint64(len(l.enc.b)))
		if _, err := l.w.Write(size[:n]); err != nil {
			return fmt.Errorf("write plan spill file: %w", err)
		}
		if _, err := l.w.Write(l.enc.b); err != nil {
			return fmt.Errorf("write plan spill file: %w", err)
		}
	}
	l.spilled += len(l.mem)
	clear(l.mem)
	l.mem = l.mem[:0]
	return nil
}

// close removes the spill file.
func (l *changeList) close() error {
	if l.file == nil {
		return nil
	}
	name := l.file.Name()
	err := l.file.Close()
	os.Remove(name)
	l.file, l.w = nil, nil
	return err
}

// Close releases the temporary storage of a large plan.
func (p *Plan) Close() error {
	var first error
	for _, f := range p.Flows {
		if err := f.changes.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
