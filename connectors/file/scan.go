package file

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// format is the encoding of a file, chosen by its extension.
type format uint8

const (
	formatJSONL format = iota + 1
	formatCSV
)

func (f format) ext() string {
	if f == formatCSV {
		return ".csv"
	}
	return ".jsonl"
}

var bom = []byte("\xEF\xBB\xBF")

// lineReader reads physical lines, keeping their offsets and numbers.
type lineReader struct {
	r    *bufio.Reader
	off  int64 // offset of the next line
	line int   // number of the next line, 1-based
	last byte  // the last byte read
	long []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), line: 1}
}

// next returns the next line with its terminator (the last line may have
// none), valid until the following call; io.EOF at the end.
func (lr *lineReader) next() ([]byte, error) {
	data, err := lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lr.long = append(lr.long[:0], data...)
		for errors.Is(err, bufio.ErrBufferFull) {
			data, err = lr.r.ReadSlice('\n')
			lr.long = append(lr.long, data...)
		}
		data = lr.long
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(data) == 0 {
		return nil, io.EOF
	}
	lr.off += int64(len(data))
	lr.last = data[len(data)-1]
	if lr.last == '\n' {
		lr.line++
	}
	return data, nil
}

// rawRow is one row of a file as bytes: a JSON Lines line, or a CSV record
// that may span several lines (quoted newlines).
type rawRow struct {
	data  []byte // with the terminator; valid until the next scan
	start int64
	line  int
}

// scanner splits a file into rows, skipping blank lines.
type scanner struct {
	lr    *lineReader
	csv   bool
	delim byte
	rec   []byte
}

func newScanner(r io.Reader, f format, delim byte) *scanner {
	return &scanner{lr: newLineReader(r), csv: f == formatCSV, delim: delim}
}

// next returns the next row; io.EOF at the end.
func (s *scanner) next() (rawRow, error) {
	for {
		start, line := s.lr.off, s.lr.line
		data, err := s.lr.next()
		if err != nil {
			return rawRow{}, err
		}
		if blank(data) {
			continue
		}
		if !s.csv {
			return rawRow{data: data, start: start, line: line}, nil
		}
		// A CSV record goes on while a quoted field is open at the line's
		// end, which needs a quote.
		if bytes.IndexByte(data, '"') < 0 {
			return rawRow{data: data, start: start, line: line}, nil
		}
		st := csvState{atFieldStart: true}
		st.scan(data, s.delim)
		if !st.inQuote {
			return rawRow{data: data, start: start, line: line}, nil
		}
		s.rec = append(s.rec[:0], data...)
		for st.inQuote {
			more, err := s.lr.next()
			if errors.Is(err, io.EOF) {
				break // parseCSV reports the unterminated quote
			}
			if err != nil {
				return rawRow{}, err
			}
			s.rec = append(s.rec, more...)
			st.scan(more, s.delim)
		}
		return rawRow{data: s.rec, start: start, line: line}, nil
	}
}

func blank(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// terminator returns the length of b's line terminator: 0, 1 or 2.
func terminator(b []byte) int {
	switch {
	case bytes.HasSuffix(b, []byte("\r\n")):
		return 2
	case bytes.HasSuffix(b, []byte("\n")):
		return 1
	}
	return 0
}

// csvState follows quoting through a CSV record: a quote opens a quoted
// field only at the start of a field, as RFC 4180 has it.
type csvState struct {
	inQuote      bool
	atFieldStart bool
}

func (st *csvState) scan(b []byte, delim byte) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if st.inQuote {
			if c == '"' {
				if i+1 < len(b) && b[i+1] == '"' {
					i++
					continue
				}
				st.inQuote = false
			}
			continue
		}
		if c == '"' && st.atFieldStart {
			st.inQuote = true
		}
		st.atFieldStart = c == delim
	}
}

// csvError is a malformed CSV record; pos is the byte offset of the problem
// within the record.
type csvError struct {
	pos    int
	reason string
}

func (e *csvError) Error() string { return e.reason }

// parseCSV splits one CSV record into cells, strictly: a quote inside an
// unquoted cell, text after a closing quote and an unterminated quoted cell
// are errors. A quoted cell reads as the bytes between its quotes (CRLF
// stays CRLF, unlike encoding/csv), so values round-trip exactly.
// encoding/csv is not used for reading because it hides where records start
// and end, which in-place rewrites need.
func parseCSV(raw []byte, delim byte, cells []string) ([]string, error) {
	buf, spans, err := splitCSV(raw, delim, nil, nil)
	if err != nil {
		return nil, err
	}
	text := string(buf)
	cells = cells[:0]
	for i := 0; i < len(spans); i += 2 {
		cells = append(cells, text[spans[i]:spans[i+1]])
	}
	return cells, nil
}

// splitCSV is parseCSV without making strings: it appends the text of the
// cells to buf, and the start and end of each in buf to spans. Reading
// makes one string of a whole row and cuts its cells from it, rather than
// making a string per cell.
func splitCSV(raw []byte, delim byte, buf []byte, spans []int) ([]byte, []int, error) {
	b := raw[:len(raw)-terminator(raw)]
	if bytes.IndexByte(b, '"') < 0 {
		// No quotes (most rows): the cells are the text between delimiters.
		base := len(buf)
		buf = append(buf, b...)
		start := 0
		for {
			j := bytes.IndexByte(b[start:], delim)
			if j < 0 {
				return buf, append(spans, base+start, base+len(b)), nil
			}
			spans = append(spans, base+start, base+start+j)
			start += j + 1
		}
	}
	i := 0
	for {
		start := len(buf)
		if i < len(b) && b[i] == '"' {
			open := i
			i++
			for {
				j := bytes.IndexByte(b[i:], '"')
				if j < 0 {
					return nil, nil, &csvError{pos: open, reason: "quoted cell is never closed (a \" is missing)"}
				}
				buf = append(buf, b[i:i+j]...)
				i += j + 1
				if i < len(b) && b[i] == '"' {
					buf = append(buf, '"')
					i++
					continue
				}
				break
			}
			if i < len(b) && b[i] != delim {
				return nil, nil, &csvError{pos: i, reason: "text after a closing quote (write \"\" for a quote inside a quoted cell)"}
			}
		} else {
			end := len(b)
			if j := bytes.IndexByte(b[i:], delim); j >= 0 {
				end = i + j
			}
			if q := bytes.IndexByte(b[i:end], '"'); q >= 0 {
				return nil, nil, &csvError{pos: i + q, reason: "quote inside an unquoted cell (quote the whole cell and write \"\" for the quote)"}
			}
			buf = append(buf, b[i:end]...)
			i = end
		}
		spans = append(spans, start, len(buf))
		if i >= len(b) {
			return buf, spans, nil
		}
		i++ // the delimiter
	}
}

// position returns the line and column of byte pos of a row starting on
// line.
func position(raw []byte, line, pos int) (int, int) {
	pos = min(pos, len(raw))
	before := raw[:pos]
	line += bytes.Count(before, []byte("\n"))
	col := pos - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}
