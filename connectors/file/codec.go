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

// decodeJSONLFast decodes the rows decodeJSONL meets most, to the same
// values, with a fraction of encoding/json's allocations: the row is made
// one string, and keys and strings without escapes are cut from it. It
// gives up (ok false) on anything unusual, which decodeJSONLStd then
// decodes or explains: a bad row, \u escapes, invalid UTF-8, deep nesting.
func decodeJSONLFast(raw []byte) (map[string]any, bool) {
	var p jsonParser
	return p.decode(raw)
}

// decode is decodeJSONLFast, reusing p's space.
func (p *jsonParser) decode(raw []byte) (_ map[string]any, ok bool) {
	p.s, p.i, p.depth = string(raw), 0, 0
	clear(p.members)
	p.members = p.members[:0]
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		return nil, false
	}
	v, ok := p.object()
	if !ok || strings.TrimSpace(p.s[p.i:]) != "" {
		return nil, false
	}
	return v, true
}

// fields reads the text (see text) of top-level fields names of a row
// into texts, with oks[i] false where the row has no text for names[i],
// and makes no other value. Texts do not share memory with the row: they
// go into an index that outlives it. It gives up (false) where
// decodeJSONLFast does.
func (p *jsonParser) fields(raw []byte, names, texts []string, oks []bool) bool {
	p.s, p.i, p.depth, p.discard = string(raw), 0, 1, 0
	clear(oks)
	if p.next() != '{' {
		return false
	}
	p.i++
	if p.next() == '}' {
		p.i++
		return strings.TrimSpace(p.s[p.i:]) == ""
	}
	for {
		if p.next() != '"' {
			return false
		}
		k, ok := p.str()
		if !ok || p.next() != ':' {
			return false
		}
		p.i++
		j := slices.Index(names, k)
		if j < 0 {
			p.discard++
			_, ok = p.value()
			p.discard--
		} else if p.next() == '"' { // a repeated key keeps its last value
			var t string
			if t, ok = p.str(); ok {
				texts[j], oks[j] = strings.Clone(t), true
			}
		} else {
			var v any
			if v, ok = p.value(); ok {
				texts[j], oks[j] = text(v)
			}
		}
		if !ok {
			return false
		}
		c := p.next()
		p.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return false
		}
	}
	return strings.TrimSpace(p.s[p.i:]) == ""
}

// jsonParser is decodeJSONLFast's state: the row, the offset in it, the
// depth of nesting, and the members of the objects being read.
type jsonParser struct {
	s       string
	i       int
	depth   int
	members []jsonMember
	// discard is above 0 while reading values nobody keeps: they are
	// checked but not made.
	discard int
}

type jsonMember struct {
	key   string
	value any
}

// maxJSONDepth is the nesting decodeJSONLFast leaves to encoding/json.
const maxJSONDepth = 100

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// next skips space and returns the next byte, 0 at the end.
func (p *jsonParser) next() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *jsonParser) value() (any, bool) {
	switch c := p.next(); {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok := p.str()
		if !ok || p.discard > 0 {
			return nil, ok
		}
		return s, true
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, true
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, true
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return nil, true
	}
	return nil, false
}

func (p *jsonParser) object() (map[string]any, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // {
	first := len(p.members)
	if p.next() == '}' {
		p.i++
		return map[string]any{}, true
	}
	for {
		if p.next() != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok || p.next() != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if p.discard == 0 {
			p.members = append(p.members, jsonMember{k, v})
		}
		c := p.next()
		p.i++
		if c == '}' {
			break
		}
		if c != ',' {
			return nil, false
		}
	}
	if p.discard > 0 {
		return nil, true
	}
	// The members are gathered first so that the map is made at its size.
	m := make(map[string]any, len(p.members)-first)
	for _, kv := range p.members[first:] {
		m[kv.key] = kv.value // a repeated key keeps its last value, as encoding/json
	}
	clear(p.members[first:])
	p.members = p.members[:first]
	return m, true
}

func (p *jsonParser) array() (any, bool) {
	if p.depth++; p.depth > maxJSONDepth {
		return nil, false
	}
	defer func() { p.depth-- }()
	p.i++ // [
	out := []any{}
	if p.next() == ']' {
		p.i++
		return out, true
	}
	for {
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if p.discard == 0 {
			out = append(out, v)
		}
		c := p.next()
		p.i++
		if c == ']' {
			return out, true
		}
		if c != ',' {
			return nil, false
		}
	}
}

// str reads a string; p.s[p.i] is its opening quote.
func (p *jsonParser) str() (string, bool) {
	p.i++
	start := p.i
	ascii := true
	for ; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s, ascii || utf8.ValidString(s)
		case c == '\\':
			return p.escaped(start, ascii)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// escaped reads the rest of a string with escapes from p.i, which started
// at start.
func (p *jsonParser) escaped(start int, ascii bool) (string, bool) {
	b := []byte(p.s[start:p.i])
	for p.i < len(p.s) {
		c := p.s[p.i]
		p.i++
		switch {
		case c == '"':
			return string(b), ascii || utf8.Valid(b)
		case c < 0x20:
			return "", false
		case c != '\\':
			if c >= utf8.RuneSelf {
				ascii = false
			}
			b = append(b, c)
			continue
		}
		if p.i >= len(p.s) {
			return "", false
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		default: // \u escapes are left to encoding/json
			return "", false
		}
	}
	return "", false
}

// number reads a number as fromJSON makes it: whole numbers that fit are
// int64, others float64.
func (p *jsonParser) number() (any, bool) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	intStart := p.i
	if n := digits(); n == 0 || (n > 1 && p.s[intStart] == '0') {
		return nil, false
	}
	whole := true
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, false
		}
		whole = false
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, false
		}
		whole = false
	}
	lit := p.s[start:p.i]
	if p.discard > 0 {
		return nil, true
	}
	if whole {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return n, true
		}
	}
	f, _ := strconv.ParseFloat(lit, 64)
	return f, true
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
