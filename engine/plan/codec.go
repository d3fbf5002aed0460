package plan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// The spill codec: a compact binary form of a Change, for plans too large
// to hold in memory. It is private to one process (written and read back by
// the same plan), so it needs no versioning; saved plans are JSON.
//
// A change is its raw JSON first (source and target record), then the rest.
// Field names are written once: a name the change before had at the same
// position is a zero length. Changes are decoded in the order they were
// encoded, so the decoder always knows the names of the change before.

const (
	tagNil byte = iota
	tagString
	tagFloat
	tagInt
	tagTrue
	tagFalse
	tagList
	tagMap
	tagOther // any other Go value, by its fmt rendering (never produced by connectors)
	// tagAfter is a change's key that is the new value of one of its
	// fields (as in most creates): the index of the field, not the value.
	tagAfter
)

var errCorrupt = errors.New("plan spill file is corrupt")

type encoder struct {
	b    []byte
	last []string // the field names of the change before
}

// Actions by their code in the spill file; 0 is an action written out.
var actionCodes = []Action{"", Create, Update, NoOp, Skip, Error, Blocked}

func (e *encoder) uvarint(n uint64) { e.b = binary.AppendUvarint(e.b, n) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bytes(p []byte) {
	e.uvarint(uint64(len(p)))
	e.b = append(e.b, p...)
}

func (e *encoder) value(v any) {
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, tagNil)
	case string:
		e.b = append(e.b, tagString)
		e.str(x)
	case float64:
		e.b = append(e.b, tagFloat)
		e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(x))
	case int64:
		e.b = append(e.b, tagInt)
		e.b = binary.AppendVarint(e.b, x)
	case int:
		e.b = append(e.b, tagInt)
		e.b = binary.AppendVarint(e.b, int64(x))
	case bool:
		if x {
			e.b = append(e.b, tagTrue)
		} else {
			e.b = append(e.b, tagFalse)
		}
	case []any:
		e.b = append(e.b, tagList)
		e.uvarint(uint64(len(x)))
		for _, el := range x {
			e.value(el)
		}
	case map[string]any:
		e.b = append(e.b, tagMap)
		e.uvarint(uint64(len(x)))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			e.str(k)
			e.value(x[k])
		}
	default:
		e.b = append(e.b, tagOther)
		e.str(fmt.Sprint(x))
	}
}

func (e *encoder) change(ch *Change) {
	e.bytes(ch.Source)
	e.bytes(ch.Target)
	e.str(ch.SourceKey)
	e.str(ch.TargetID)
	if code := actionCode(ch.Action); code > 0 {
		e.b = append(e.b, code)
	} else {
		e.b = append(e.b, 0)
		e.str(string(ch.Action))
	}
	e.uvarint(uint64(len(ch.Fields)))
	for i, f := range ch.Fields {
		e.name(i, f.Name)
		e.value(f.Before)
		e.value(f.After)
		var flags byte
		if f.CreateOnly {
			flags |= 1
		}
		if f.Unknown {
			flags |= 2
		}
		if f.Sensitive {
			flags |= 4
		}
		if f.Default {
			flags |= 8
		}
		if len(f.Defaults) > 0 {
			flags |= 16
		}
		if f.Label != "" {
			flags |= 32
		}
		if f.SensitiveLabel != "" {
			flags |= 64
		}
		if len(f.Parts) > 0 {
			flags |= 128
		}
		e.b = append(e.b, flags)
		if len(f.Defaults) > 0 {
			e.uvarint(uint64(len(f.Defaults)))
			for _, name := range f.Defaults {
				e.str(name)
			}
		}
		if f.Label != "" {
			e.str(f.Label)
		}
		if f.SensitiveLabel != "" {
			e.str(f.SensitiveLabel)
		}
		if len(f.Parts) > 0 {
			e.uvarint(uint64(len(f.Parts)))
			for _, p := range f.Parts {
				e.str(p.Path)
				if p.Unknown {
					e.b = append(e.b, 1)
				} else {
					e.b = append(e.b, 0)
				}
				e.str(p.Label)
				e.str(p.SensitiveLabel)
			}
		}
	}
	e.key(ch)
	e.str(ch.Reason)
	e.str(ch.Field)
	e.uvarint(uint64(len(ch.Requires)))
	for _, r := range ch.Requires {
		e.str(r.Flow)
		e.str(r.SourceKey)
		e.str(r.Ensure)
		e.b = binary.AppendVarint(e.b, int64(r.Index))
	}
	if ch.Ensured == nil {
		e.value(nil)
	} else {
		e.value(ch.Ensured)
	}
	e.uvarint(uint64(len(ch.Warnings)))
	for _, w := range ch.Warnings {
		e.str(w)
	}
	if t := ch.Totals; t == nil {
		e.b = append(e.b, 0)
	} else {
		flags := byte(1)
		if t.Unknown {
			flags |= 2
		}
		if len(t.Rows) > 0 {
			flags |= 4
		}
		e.b = append(e.b, flags)
		e.str(t.Currency)
		e.value(t.Net)
		e.value(t.VAT)
		e.value(t.Gross)
		e.str(t.Error)
		if len(t.Rows) > 0 {
			e.uvarint(uint64(len(t.Rows)))
			for _, r := range t.Rows {
				e.uvarint(uint64(r.Row))
				e.value(r.Amount)
				e.value(r.VATRate)
			}
		}
	}
	e.str(ch.Label)
	if ch.LabelSensitive {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// key writes a change's key, by reference to the field with that new value
// when there is one.
func (e *encoder) key(ch *Change) {
	if k, ok := ch.Key.(string); ok {
		for i, f := range ch.Fields {
			if after, ok := f.After.(string); ok && after == k {
				e.b = append(e.b, tagAfter)
				e.uvarint(uint64(i))
				return
			}
		}
	}
	e.value(ch.Key)
}

// name writes the field name at position i of a change: a zero when the
// change before had it there, else its length plus one and the name.
func (e *encoder) name(i int, name string) {
	if i < len(e.last) && e.last[i] == name {
		e.b = append(e.b, 0)
		return
	}
	e.uvarint(uint64(len(name)) + 1)
	e.b = append(e.b, name...)
	switch {
	case i < len(e.last):
		e.last[i] = name
	case i == len(e.last):
		e.last = append(e.last, name)
	}
}

func actionCode(a Action) byte {
	for i, c := range actionCodes {
		if i > 0 && c == a {
			return byte(i)
		}
	}
	return 0
}

// decoder reads changes back. A change's strings are cut from one string
// of the whole encoded change, and changes, field changes and raw JSON are
// handed out of chunks: a change costs a few allocations, not one per value.
type decoder struct {
	s   string // the rest of the change being decoded
	err error
	// last holds the field names of the change before, in order.
	last []string
	// source and target are the raw JSON of the change being decoded.
	source, target []byte

	changes []Change
	fields  []FieldChange
	raws    []byte
}

// Chunk sizes of the decoder, some 16 to 32 KiB each.
const (
	decodeChanges = 64
	decodeFields  = 512
	decodeRaws    = 32 << 10
)

// reset starts decoding an encoded change: its raw JSON is copied into the
// decoder's chunk, the rest becomes one string the change's strings are cut
// from.
func (d *decoder) reset(b []byte) {
	d.err = nil
	d.source, b = d.rawBytes(b)
	d.target, b = d.rawBytes(b)
	d.s = string(b)
}

// rawBytes decodes length-prefixed bytes from the start of b into the
// decoder's chunk (nil when there are none) and returns the rest of b.
func (d *decoder) rawBytes(b []byte) (raw, rest []byte) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		d.fail()
		return nil, nil
	}
	p := b[k : k+int(n)]
	if len(p) == 0 {
		return nil, b[k:]
	}
	if cap(d.raws)-len(d.raws) < len(p) {
		d.raws = make([]byte, 0, max(decodeRaws, len(p)))
	}
	at := len(d.raws)
	d.raws = append(d.raws, p...)
	return d.raws[at:len(d.raws):len(d.raws)], b[k+int(n):]
}

// name decodes the field name at position i of a change.
func (d *decoder) name(i int) string {
	n := d.uvarint()
	if n == 0 {
		if i < len(d.last) {
			return d.last[i]
		}
		d.fail()
		return ""
	}
	n--
	if uint64(len(d.s)) < n {
		d.fail()
		return ""
	}
	name := strings.Clone(d.s[:n]) // not the whole change's string
	d.s = d.s[n:]
	switch {
	case i < len(d.last):
		d.last[i] = name
	case i == len(d.last):
		d.last = append(d.last, name)
	}
	return name
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.s = ""
}

func (d *decoder) uvarint() uint64 {
	if len(d.s) > 0 && d.s[0] < 0x80 { // one byte: most lengths and tags
		c := d.s[0]
		d.s = d.s[1:]
		return uint64(c)
	}
	var n uint64
	for i := 0; i < len(d.s) && i < binary.MaxVarintLen64; i++ {
		c := d.s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				break // overflow
			}
			d.s = d.s[i+1:]
			return n | uint64(c)<<(7*i)
		}
		n |= uint64(c&0x7f) << (7 * i)
	}
	d.fail()
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	n := int64(u >> 1)
	if u&1 != 0 {
		n = ^n
	}
	return n
}

// str decodes a string, cut from the change's string.
func (d *decoder) str() string {
	n := d.uvarint()
	if uint64(len(d.s)) < n {
		d.fail()
		return ""
	}
	s := d.s[:n]
	d.s = d.s[n:]
	return s
}

func (d *decoder) byte() byte {
	if len(d.s) == 0 {
		d.fail()
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) value() any {
	switch d.byte() {
	case tagNil:
		return nil
	case tagString:
		return d.str()
	case tagFloat:
		if len(d.s) < 8 {
			d.fail()
			return nil
		}
		var bits uint64
		for i := range 8 {
			bits |= uint64(d.s[i]) << (8 * i)
		}
		d.s = d.s[8:]
		return math.Float64frombits(bits)
	case tagInt:
		return d.varint()
	case tagTrue:
		return true
	case tagFalse:
		return false
	case tagList:
		n := d.uvarint()
		if n > uint64(len(d.s)) {
			d.fail()
			return nil
		}
		list := make([]any, n)
		for i := range list {
			list[i] = d.value()
		}
		return list
	case tagMap:
		n := d.uvarint()
		if n > uint64(len(d.s)) {
			d.fail()
			return nil
		}
		m := make(map[string]any, n)
		for range n {
			k := d.str()
			m[k] = d.value()
		}
		return m
	case tagOther:
		return d.str()
	}
	d.fail()
	return nil
}

func (d *decoder) change() *Change {
	if len(d.changes) == cap(d.changes) {
		d.changes = make([]Change, 0, decodeChanges)
	}
	d.changes = d.changes[:len(d.changes)+1]
	ch := &d.changes[len(d.changes)-1]
	ch.Source, ch.Target = d.source, d.target
	ch.SourceKey = d.str()
	ch.TargetID = d.str()
	if code := d.byte(); code == 0 {
		ch.Action = Action(strings.Clone(d.str()))
	} else if int(code) < len(actionCodes) {
		ch.Action = actionCodes[code]
	} else {
		d.fail()
	}
	if n := d.uvarint(); n > 0 && n <= uint64(len(d.s)) {
		if cap(d.fields)-len(d.fields) < int(n) {
			d.fields = make([]FieldChange, 0, max(decodeFields, int(n)))
		}
		at := len(d.fields)
		d.fields = d.fields[:at+int(n)]
		ch.Fields = d.fields[at : at+int(n) : at+int(n)]
		for i := range ch.Fields {
			f := &ch.Fields[i]
			f.Name = d.name(i)
			f.Before = d.value()
			f.After = d.value()
			flags := d.byte()
			f.CreateOnly, f.Unknown, f.Sensitive, f.Default = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0
			if flags&16 != 0 {
				if n := d.uvarint(); n > 0 && n <= uint64(len(d.s)) {
					f.Defaults = make([]string, n)
					for j := range f.Defaults {
						f.Defaults[j] = d.str()
					}
				} else {
					d.fail()
				}
			}
			if flags&32 != 0 {
				f.Label = strings.Clone(d.str())
			}
			if flags&64 != 0 {
				f.SensitiveLabel = strings.Clone(d.str())
			}
			if flags&128 != 0 {
				if n := d.uvarint(); n > 0 && n <= uint64(len(d.s)) {
					f.Parts = make([]Part, n)
					for j := range f.Parts {
						p := &f.Parts[j]
						p.Path = strings.Clone(d.str())
						p.Unknown = d.byte() == 1
						p.Label = strings.Clone(d.str())
						p.SensitiveLabel = strings.Clone(d.str())
					}
				} else {
					d.fail()
				}
			}
		}
	}
	if len(d.s) > 0 && d.s[0] == tagAfter {
		d.s = d.s[1:]
		if i := d.uvarint(); i < uint64(len(ch.Fields)) {
			ch.Key = ch.Fields[i].After
		} else {
			d.fail()
		}
	} else {
		ch.Key = d.value()
	}
	ch.Reason = d.str()
	ch.Field = d.str()
	if n := d.uvarint(); n > 0 && n <= uint64(len(d.s)) {
		ch.Requires = make([]Ref, n)
		for i := range ch.Requires {
			ch.Requires[i] = Ref{Flow: d.str(), SourceKey: d.str(), Ensure: d.str(), Index: int(d.varint())}
		}
	}
	if m, ok := d.value().(map[string]any); ok {
		ch.Ensured = m
	}
	if n := d.uvarint(); n > 0 && n <= uint64(len(d.s)) {
		ch.Warnings = make([]string, n)
		for i := range ch.Warnings {
			ch.Warnings[i] = d.str()
		}
	}
	if flags := d.byte(); flags&1 != 0 {
		t := &Totals{Unknown: flags&2 != 0, Currency: d.str()}
		t.Net, _ = d.value().(float64)
		t.VAT, _ = d.value().(float64)
		t.Gross, _ = d.value().(float64)
		t.Error = d.str()
		if flags&4 != 0 {
			if n := d.uvarint(); n > 0 && n <= uint64(len(d.s)) {
				t.Rows = make([]RowTotal, n)
				for i := range t.Rows {
					r := &t.Rows[i]
					r.Row = int(d.uvarint())
					r.Amount, _ = d.value().(float64)
					r.VATRate, _ = d.value().(float64)
				}
			} else {
				d.fail()
			}
		}
		ch.Totals = t
	}
	ch.Label = d.str()
	ch.LabelSensitive = d.byte() == 1
	return ch
}
