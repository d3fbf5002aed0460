package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// rowReader reads the records of a file: a scanner plus the format's
// parsing, and for CSV the header.
type rowReader struct {
	sc    *scanner
	f     format
	delim byte
	head  fileHead
	cells []string
}

// fileHead is what the first row of a file tells.
type fileHead struct {
	// header holds the CSV columns; hasHeader is false for an empty file.
	header    []string
	hasHeader bool
	headerEnd int64 // offset after the header row
	bom       bool
	// term is the file's line terminator, "\n" or "\r\n", taken from its
	// first row so that rows kopla adds look like the rows already there.
	term string
}

// newRowReader starts reading r; for CSV it reads the header. A broken
// header is an error for the whole file.
func newRowReader(r io.Reader, f format, delim byte) (*rowReader, error) {
	rr := &rowReader{sc: newScanner(r, f, delim), f: f, delim: delim, head: fileHead{term: "\n"}}
	if f != formatCSV {
		return rr, nil
	}
	row, err := rr.sc.next()
	if errors.Is(err, io.EOF) {
		return rr, nil
	}
	if err != nil {
		return nil, err
	}
	rr.head.hasHeader = true
	rr.head.headerEnd = row.start + int64(len(row.data))
	if terminator(row.data) == 2 {
		rr.head.term = "\r\n"
	}
	data := row.data
	if row.start == 0 && bytes.HasPrefix(data, bom) {
		rr.head.bom = true
		data = data[len(bom):]
	}
	cells, err := parseCSV(data, delim, nil)
	if err != nil {
		return nil, fmt.Errorf("header: %s", lineError(row, csvToRowError(err)))
	}
	seen := map[string]int{}
	for i, name := range cells {
		if name == "" {
			return nil, fmt.Errorf("header: line %d: column %d has no name", row.line, i+1)
		}
		if j, dup := seen[name]; dup {
			return nil, fmt.Errorf("header: line %d: columns %d and %d are both named %q", row.line, j+1, i+1, name)
		}
		seen[name] = i
	}
	rr.head.header = cells
	return rr, nil
}

// next returns the next row and its fields. A row that cannot be parsed
// comes with bad set and no fields; err is an I/O error or io.EOF.
func (rr *rowReader) next() (row rawRow, fields map[string]any, bad *LineError, err error) {
	row, err = rr.sc.next()
	if err != nil {
		return rawRow{}, nil, nil, err
	}
	if rr.head.term == "\n" && row.start == 0 && terminator(row.data) == 2 {
		rr.head.term = "\r\n"
	}
	fields, perr := rr.parse(row.data)
	if perr != nil {
		le := lineError(row, perr)
		return row, nil, &le, nil
	}
	return row, fields, nil, nil
}

// parse parses one row's bytes.
func (rr *rowReader) parse(data []byte) (map[string]any, error) {
	if rr.f != formatCSV {
		return decodeJSONL(data)
	}
	cells, err := parseCSV(data, rr.delim, rr.cells)
	if err != nil {
		return nil, csvToRowError(err)
	}
	rr.cells = cells
	return csvRow(rr.head.header, cells)
}

func csvToRowError(err error) error {
	var ce *csvError
	if errors.As(err, &ce) {
		return &rowError{pos: ce.pos, reason: ce.reason}
	}
	return err
}
