package file

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

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
