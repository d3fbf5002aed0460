// Package jsonenc encodes the JSON-family values of records (string,
// float64, int64, bool, nil, []any, map[string]any) without reflection, as
// encoding/json would encode them: map keys sorted, numbers in their
// shortest form. Records are encoded on hot paths (activity log, JSON Lines
// files), where encoding/json's reflection costs more than the rest of the
// work. Values of other types are handed to encoding/json.
package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Append appends the JSON encoding of v to b. With escapeHTML, <, > and &
// are escaped as encoding/json does by default; without, as an Encoder with
// SetEscapeHTML(false) does.
func Append(b []byte, v any, escapeHTML bool) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case string:
		return appendString(b, x, escapeHTML)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case float64:
		if a := math.Abs(x); a == 0 || (a >= 1e-6 && a < 1e21) {
			return strconv.AppendFloat(b, x, 'f', -1, 64)
		}
	case map[string]any:
		// Records have tens of fields: their keys sort on the stack.
		var arr [32]string
		keys := arr[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k, escapeHTML)
			b = append(b, ':')
			b = Append(b, x[k], escapeHTML)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = Append(b, e, escapeHTML)
		}
		return append(b, ']')
	}
	return appendSlow(b, v, escapeHTML)
}

// KeyOrder appends maps that share their keys, as the records of one flow
// do, sorting the keys once: the sort costs more than the rest of a small
// record's encoding. The zero value is ready to use; a KeyOrder is not safe
// for concurrent use.
type KeyOrder struct {
	keys []string
}

// Append appends the JSON encoding of m to b, as Append does.
func (o *KeyOrder) Append(b []byte, m map[string]any, escapeHTML bool) []byte {
	if len(o.keys) == len(m) {
		// Encoded in the last order while each key is found: one lookup
		// per key. A missing one means other keys: start again, sorted.
		start := len(b)
		b = append(b, '{')
		for i, k := range o.keys {
			v, ok := m[k]
			if !ok {
				return o.sortAndAppend(b[:start], m, escapeHTML)
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendString(b, k, escapeHTML), ':')
			b = Append(b, v, escapeHTML)
		}
		return append(b, '}')
	}
	return o.sortAndAppend(b, m, escapeHTML)
}

func (o *KeyOrder) sortAndAppend(b []byte, m map[string]any, escapeHTML bool) []byte {
	o.keys = o.keys[:0]
	for k := range m {
		o.keys = append(o.keys, k)
	}
	slices.Sort(o.keys)
	return o.Append(b, m, escapeHTML)
}

// AppendString appends the JSON encoding of s to b, as Append does; unlike
// Append it does not box s into an interface, which costs an allocation.
func AppendString(b []byte, s string, escapeHTML bool) []byte {
	return appendString(b, s, escapeHTML)
}

// plain tells, per byte, whether encoding/json writes it as it is in a
// string: plain[0] without HTML escaping, plain[1] with. Bytes of
// multi-byte runes are plain here and checked rune by rune.
var plain = func() (t [2][256]bool) {
	for c := range 256 {
		ok := c >= 0x20 && c != '"' && c != '\\'
		t[0][c] = ok
		t[1][c] = ok && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendString writes plain strings as they are and leaves every string
// encoding/json would escape to it.
func appendString(b []byte, s string, escapeHTML bool) []byte {
	table := &plain[0]
	if escapeHTML {
		table = &plain[1]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !table[c] {
			return appendSlow(b, s, escapeHTML)
		}
		if c >= utf8.RuneSelf {
			// U+2028, U+2029 and invalid UTF-8 are escaped or replaced.
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
				return appendSlow(b, s, escapeHTML)
			}
			i += size - 1
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendSlow(b []byte, v any, escapeHTML bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(v); err != nil {
		enc.Encode(err.Error())
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
