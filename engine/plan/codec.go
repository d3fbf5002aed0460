package plan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
)

// The spill codec: a compact binary form of a Change, for plans too large
// to hold in memory. It is private to one process (written and read back by
// the same plan), so it needs no versioning; saved plans are JSON.

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
)

var errCorrupt = errors.New("plan spill file is corrupt")

type encoder struct{ b []byte }

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
	e.str(ch.SourceKey)
	e.value(ch.Key)
	e.str(ch.TargetID)
	e.str(string(ch.Action))
	e.uvarint(uint64(len(ch.Fields)))
	for _, f := range ch.Fields {
		e.str(f.Name)
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
		e.b = append(e.b, flags)
	}
	e.str(ch.Reason)
	e.str(ch.Field)
	e.uvarint(uint64(len(ch.Requires)))
	for _, r := range ch.Requires {
		e.str(r.Flow)
		e.str(r.SourceKey)
		e.str(r.Ensure)
		e.b = binary.AppendVarint(e.b, int64(r.Index))
	}
	e.bytes(ch.Source)
	if ch.Ensured == nil {
		e.value(nil)
	} else {
		e.value(ch.Ensured)
	}
	e.bytes(ch.Target)
}

type decoder struct {
	b   []byte
	err error
	// names interns field names and actions, which repeat in every change.
	names map[string]string
}

// name decodes a string that repeats from change to change.
func (d *decoder) name() string {
	raw := d.raw()
	if s, ok := d.names[string(raw)]; ok {
		return s
	}
	s := string(raw)
	if d.names == nil {
		d.names = map[string]string{}
	}
	if len(d.names) < 1024 {
		d.names[s] = s
	}
	return s
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) uvarint() uint64 {
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *decoder) varint() int64 {
	n, k := binary.Varint(d.b)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *decoder) raw() []byte {
	n := d.uvarint()
	if uint64(len(d.b)) < n {
		d.fail()
		return nil
	}
	p := d.b[:n:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) str() string { return string(d.raw()) }

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) value() any {
	switch d.byte() {
	case tagNil:
		return nil
	case tagString:
		return d.str()
	case tagFloat:
		if len(d.b) < 8 {
			d.fail()
			return nil
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
		d.b = d.b[8:]
		return f
	case tagInt:
		return d.varint()
	case tagTrue:
		return true
	case tagFalse:
		return false
	case tagList:
		n := d.uvarint()
		if n > uint64(len(d.b)) {
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
		if n > uint64(len(d.b)) {
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
	ch := &Change{SourceKey: d.str(), Key: d.value(), TargetID: d.str(), Action: Action(d.name())}
	if n := d.uvarint(); n > 0 && n <= uint64(len(d.b)) {
		ch.Fields = make([]FieldChange, n)
		for i := range ch.Fields {
			f := &ch.Fields[i]
			f.Name = d.name()
			f.Before = d.value()
			f.After = d.value()
			flags := d.byte()
			f.CreateOnly, f.Unknown, f.Sensitive = flags&1 != 0, flags&2 != 0, flags&4 != 0
		}
	}
	ch.Reason = d.str()
	ch.Field = d.str()
	if n := d.uvarint(); n > 0 && n <= uint64(len(d.b)) {
		ch.Requires = make([]Ref, n)
		for i := range ch.Requires {
			ch.Requires[i] = Ref{Flow: d.str(), SourceKey: d.str(), Ensure: d.str(), Index: int(d.varint())}
		}
	}
	if src := d.raw(); len(src) > 0 {
		ch.Source = append([]byte(nil), src...)
	}
	if m, ok := d.value().(map[string]any); ok {
		ch.Ensured = m
	}
	if t := d.raw(); len(t) > 0 {
		ch.Target = append([]byte(nil), t...)
	}
	return ch
}
