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
	buf   []byte // a CSV row's text, reused
	spans []int  // where its cells are in buf
	json  jsonParser
	// skip marks the CSV columns csvFields leaves out, when not nil;
	// above holds the values of the row before.
	skip  []bool
	above []any
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
	row, err = rr.nextRaw()
	if err != nil {
		return rawRow{}, nil, nil, err
	}
	fields, perr := rr.parse(row.data)
	if perr != nil {
		le := lineError(row, perr)
		return row, nil, &le, nil
	}
	return row, fields, nil, nil
}

// nextRaw returns the next row's bytes; io.EOF at the end.
func (rr *rowReader) nextRaw() (rawRow, error) {
	row, err := rr.sc.next()
	if err != nil {
		return rawRow{}, err
	}
	if rr.head.term == "\n" && row.start == 0 && terminator(row.data) == 2 {
		rr.head.term = "\r\n"
	}
	return row, nil
}

// parse parses one row's bytes.
func (rr *rowReader) parse(data []byte) (map[string]any, error) {
	if rr.f != formatCSV {
		return decodeJSONL(&rr.json, data)
	}
	return rr.csvFields(data)
}

// csvFields parses a CSV row into fields: every header column (but those
// of skip), "" for missing trailing cells. Their text is cut from one
// string, and a cell the same as the one above it is that cell's value.
func (rr *rowReader) csvFields(data []byte) (map[string]any, error) {
	buf, spans, err := splitCSV(data, rr.delim, rr.buf[:0], rr.spans[:0])
	if err != nil {
		return nil, csvToRowError(err)
	}
	rr.buf, rr.spans = buf, spans
	header := rr.head.header
	cells := len(spans) / 2
	if cells > len(header) {
		return nil, tooManyCells(cells, len(header))
	}
	if len(rr.above) != len(header) {
		rr.above = make([]any, len(header))
	}
	row := string(buf)
	fields := make(map[string]any, len(header))
	for i, name := range header {
		switch {
		case rr.skip != nil && rr.skip[i]:
		case i >= cells:
			fields[name] = ""
		default:
			// Columns of few values (a country, a status) repeat from
			// row to row: the value above needs no new allocation.
			cell := buf[spans[2*i]:spans[2*i+1]]
			if above, ok := rr.above[i].(string); ok && above == string(cell) {
				fields[name] = rr.above[i]
				continue
			}
			v := any(row[spans[2*i]:spans[2*i+1]])
			fields[name], rr.above[i] = v, v
		}
	}
	return fields, nil
}

// keyTexts reads the text (see text) of fields names of a row into texts,
// with oks[i] false where the row has no text for names[i]: what an index
// needs, without making the row's fields. cols are the CSV columns of
// names (-1 for none). Texts do not share memory with the row. A row that
// cannot be parsed is an error, as for parse.
func (rr *rowReader) keyTexts(data []byte, names []string, cols []int, texts []string, oks []bool) error {
	if rr.f != formatCSV {
		raw := bytes.TrimPrefix(data, bom)
		if rr.json.fields(raw, names, texts, oks) {
			return nil
		}
		rec, err := decodeJSONLStd(raw)
		if err != nil {
			return err
		}
		for i, name := range names {
			texts[i], oks[i] = text(rec[name])
		}
		return nil
	}
	buf, spans, err := splitCSV(data, rr.delim, rr.buf[:0], rr.spans[:0])
	if err != nil {
		return csvToRowError(err)
	}
	rr.buf, rr.spans = buf, spans
	cells := len(spans) / 2
	if cells > len(rr.head.header) {
		return tooManyCells(cells, len(rr.head.header))
	}
	for i, col := range cols {
		switch {
		case col < 0:
			texts[i], oks[i] = "", false
		case col >= cells:
			texts[i], oks[i] = "", true // a missing trailing cell is empty
		default:
			texts[i], oks[i] = string(buf[spans[2*col]:spans[2*col+1]]), true
		}
	}
	return nil
}

func tooManyCells(cells, columns int) error {
	return &rowError{pos: -1, reason: fmt.Sprintf("%d cells, but the header has %d columns", cells, columns)}
}

func csvToRowError(err error) error {
	var ce *csvError
	if errors.As(err, &ce) {
		return &rowError{pos: ce.pos, reason: ce.reason}
	}
	return err
}
