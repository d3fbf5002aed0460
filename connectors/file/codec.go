package file

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// rowError is why a row cannot be parsed; pos is a byte offset in the row
// (-1 when unknown).
type rowError struct {
	pos    int
	reason string
}

func (e *rowError) Error() string { return e.reason }

// lineError places a row error at its line and column.
func lineError(r rawRow, err error) LineError {
	var re *rowError
	if errors.As(err, &re) && re.pos >= 0 {
		line, col := position(r.data, r.line, re.pos)
		return LineError{Line: line, Column: col, Reason: re.reason}
	}
	return LineError{Line: r.line, Reason: err.Error()}
}

// decodeJSONL parses one JSON Lines row into fields; p is scratch space
// for the rows of one file.
func decodeJSONL(p *jsonParser, raw []byte) (map[string]any, error) {
	raw = bytes.TrimPrefix(raw, bom) // editors on Windows may start a file with one
	if m, ok := p.decode(raw); ok {
		return m, nil
	}
	return decodeJSONLStd(raw)
}

// decodeJSONLStd is decodeJSONL by encoding/json, which also says what is
// wrong with a bad row.
func decodeJSONLStd(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonRowError(err, "invalid JSON")
	}
	if rest := raw[dec.InputOffset():]; !blank(rest) {
		pos := int(dec.InputOffset()) + len(rest) - len(bytes.TrimLeft(rest, " \t"))
		return nil, &rowError{pos: pos, reason: "invalid JSON: more than one value on the line"}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &rowError{pos: -1, reason: fmt.Sprintf("want a JSON object ({...}), got %s", jsonKind(v))}
	}
	for k, e := range m {
		m[k] = fromJSON(e)
	}
	return m, nil
}

func jsonRowError(err error, what string) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return &rowError{pos: int(syn.Offset) - 1, reason: what + ": " + syn.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &rowError{pos: -1, reason: what + ": the line ends inside a value"}
	}
	return &rowError{pos: -1, reason: what + ": " + err.Error()}
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// fromJSON turns decoded JSON into record values: whole numbers become
// int64, other numbers float64.
func fromJSON(v any) any {
	switch v := v.(type) {
	case json.Number:
		s := string(v)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n
			}
		}
		f, _ := strconv.ParseFloat(s, 64)
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = fromJSON(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = fromJSON(e)
		}
		return v
	}
	return v
}

// fieldSet is the sorted field names of a record, and the values of the
// record at hand by them. Most rows of a write have the same fields: a
// record with the names of the last is checked and encoded by the names
// found then, without sorting them again.
type fieldSet struct {
	keys []string
	vals []any
}

// load tells whether rec has the fields of the set, and if so loads its
// values.
func (f *fieldSet) load(rec map[string]any) bool {
	if len(rec) != len(f.keys) || f.keys == nil {
		return false
	}
	f.vals = f.vals[:0]
	for _, k := range f.keys {
		v, ok := rec[k]
		if !ok {
			return false
		}
		f.vals = append(f.vals, v)
	}
	return true
}

// reset makes the set that of rec, with its values loaded.
func (f *fieldSet) reset(rec map[string]any) {
	f.keys = f.keys[:0]
	for k := range rec {
		f.keys = append(f.keys, k)
	}
	slices.Sort(f.keys)
	f.vals = f.vals[:0]
	for _, k := range f.keys {
		f.vals = append(f.vals, rec[k])
	}
}

// jsonlEncoder encodes records as JSON objects with their keys sorted,
// byte for byte as jsonenc does, but sorts a set of keys only once.
type jsonlEncoder struct {
	fieldSet
	names [][]byte // keys[i] encoded as `"key":`, after a comma but for the first
}

// append appends rec encoded as a JSON object (HTML not escaped) to b.
func (e *jsonlEncoder) append(b []byte, rec map[string]any) []byte {
	if !e.load(rec) {
		e.reset(rec)
		e.names = e.names[:0]
		for i, k := range e.keys {
			var name []byte
			if i > 0 {
				name = append(name, ',')
			}
			name = jsonenc.Append(name, k, false)
			e.names = append(e.names, append(name, ':'))
		}
	}
	return e.appendLoaded(b)
}

// appendPlain appends the record whose values load loaded if they are all
// plain: strings, whole numbers as int64, other finite float64, booleans
// and nulls, which a JSON Lines file holds as they are and need no check.
// ok is false when a value is not (b then holds a part of the record).
func (e *jsonlEncoder) appendPlain(b []byte) (_ []byte, ok bool) {
	b = append(b, '{')
	for i, name := range e.names {
		b = append(b, name...)
		switch v := e.vals[i].(type) {
		case string:
			if !plainJSON(v) {
				b = jsonenc.Append(b, e.vals[i], false)
				continue
			}
			b = append(b, '"')
			b = append(b, v...)
			b = append(b, '"')
		case int64:
			b = strconv.AppendInt(b, v, 10)
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) || !isStored(v) {
				return b, false
			}
			b = jsonenc.Append(b, e.vals[i], false) // the interface as it is: no boxing
		case bool:
			b = strconv.AppendBool(b, v)
		case nil:
			b = append(b, "null"...)
		default:
			return b, false
		}
	}
	return append(b, '}'), true
}

// appendLoaded appends the record whose values load loaded.
func (e *jsonlEncoder) appendLoaded(b []byte) []byte {
	b = append(b, '{')
	for i, name := range e.names {
		b = append(b, name...)
		if s, ok := e.vals[i].(string); ok && plainJSON(s) {
			b = append(b, '"')
			b = append(b, s...)
			b = append(b, '"')
			continue
		}
		b = jsonenc.Append(b, e.vals[i], false)
	}
	return append(b, '}')
}

// plainJSON tells whether s is ASCII that JSON holds as it is: no control
// characters, quotes or backslashes. Other strings go to jsonenc.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// csvEncoder encodes CSV records as encoding/csv does, byte for byte.
// Cells are written as they are (no UseCRLF, which would turn a cell's line
// breaks into CRLF and drop its lone CRs): a value reads back exactly as it
// was written, so writing it again changes nothing. Only the record's
// terminator follows the file.
type csvEncoder struct {
	delim byte
	// ascii is set for a delimiter below 0x80, which appendRow handles;
	// encoding/csv writes others (as UTF-8) and refuses NUL.
	ascii bool
	buf   bytes.Buffer
	w     *csv.Writer
}

func newCSVEncoder(delim byte) *csvEncoder {
	e := &csvEncoder{delim: delim, ascii: delim != 0 && delim < utf8.RuneSelf}
	e.w = csv.NewWriter(&e.buf)
	e.w.Comma = rune(delim)
	return e
}

// encode appends one record to dst with terminator term.
func (e *csvEncoder) encode(dst *bytes.Buffer, cells []string, term string) error {
	b, err := e.appendRow(dst.AvailableBuffer(), cells, term)
	dst.Write(b)
	return err
}

// appendRow appends one record to b with terminator term.
func (e *csvEncoder) appendRow(b []byte, cells []string, term string) ([]byte, error) {
	if len(cells) == 1 && cells[0] == "" {
		// A lone empty cell would be a blank line, which readers skip.
		b = append(b, `""`...)
		return append(b, term...), nil
	}
	if !e.ascii {
		e.buf.Reset()
		if err := e.w.Write(cells); err != nil {
			return b, err
		}
		e.w.Flush()
		if err := e.w.Error(); err != nil {
			return b, err
		}
		out := e.buf.Bytes()
		b = append(b, out[:len(out)-terminator(out)]...)
		return append(b, term...), nil
	}
	for n, cell := range cells {
		if n > 0 {
			b = append(b, e.delim)
		}
		if !e.needsQuotes(cell) {
			b = append(b, cell...)
			continue
		}
		b = append(b, '"')
		for {
			i := strings.IndexByte(cell, '"')
			if i < 0 {
				break
			}
			b = append(b, cell[:i+1]...)
			b = append(b, '"')
			cell = cell[i+1:]
		}
		b = append(b, cell...)
		b = append(b, '"')
	}
	return append(b, term...), nil
}

// needsQuotes is encoding/csv's rule for quoting a cell.
func (e *csvEncoder) needsQuotes(cell string) bool {
	if cell == "" {
		return false
	}
	if cell == `\.` {
		return true
	}
	for i := 0; i < len(cell); i++ {
		if c := cell[i]; c == '\n' || c == '\r' || c == '"' || c == e.delim {
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(cell)
	return unicode.IsSpace(r)
}

// text returns the text form of a scalar value: how a CSV cell holds it and
// how keys compare (5, 5.0 and "5" are the same key). ok is false for nil,
// lists and objects.
func text(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int:
		return strconv.Itoa(v), true
	case int32:
		return strconv.FormatInt(int64(v), 10), true
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	}
	return "", false
}

// checkValue returns why v cannot be stored in a file of format f, or "".
// JSON Lines holds the JSON family; CSV cells hold text, numbers and
// booleans.
func checkValue(f format, v any) string {
	switch v := v.(type) {
	case nil, string, bool, int, int32, int64:
		return ""
	case float32:
		return checkFloat(float64(v))
	case float64:
		return checkFloat(v)
	case map[string]any:
		if f == formatCSV {
			return "a CSV cell cannot hold an object; write it to a .jsonl file or map it to text"
		}
		for _, e := range v {
			if msg := checkValue(f, e); msg != "" {
				return msg
			}
		}
		return ""
	case []any:
		if f == formatCSV {
			return "a CSV cell cannot hold a list; write it to a .jsonl file or join it to text"
		}
		for _, e := range v {
			if msg := checkValue(f, e); msg != "" {
				return msg
			}
		}
		return ""
	}
	return fmt.Sprintf("a %T is not a record value (text, number, boolean, list or object)", v)
}

func checkFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "not a finite number"
	}
	return ""
}

// isStored tells whether v is as a JSON Lines file stores it (stored
// returns it unchanged, a copy for lists and objects).
func isStored(v any) bool {
	switch n := v.(type) {
	case nil, string, bool, int64:
		return true
	case float64:
		return !(n == math.Trunc(n) && math.Abs(n) < 1<<63)
	}
	return false
}

// stored returns v as reading it back from a file of format f gives it.
func stored(f format, v any) any {
	if f == formatCSV {
		s, _ := text(v)
		return s
	}
	switch n := v.(type) {
	case int:
		return int64(n)
	case int32:
		return int64(n)
	case float32:
		return float64(n)
	case float64:
		// JSON writes 5.0 as 5, which reads back as a whole number.
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n)
		}
		return n
	case map[string]any:
		out := make(map[string]any, len(n))
		for k, e := range n {
			out[k] = stored(f, e)
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, e := range n {
			out[i] = stored(f, e)
		}
		return out
	}
	return v
}
