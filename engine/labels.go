package engine

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// references are the records a change knows, by id, for the labels of the
// ids it writes: its ensured records and the records find() returned, and
// the records the same apply creates first (suppliers).
type references struct {
	ensured map[string]any
	// schemas are the schemas of the ensured records, by ensure name: the
	// targets of the ensured flows, whose label templates name them.
	schemas map[string]connectors.Schema
	finds   *findCache
	// schemaOf returns the schema of an object reference, for the records
	// find() returned.
	schemaOf func(ref string) (connectors.Schema, bool)
	// suppliers are the ensured records the apply creates, and marked the
	// values of the fields known in part as attribute evaluated them.
	suppliers []supplier
	marked    map[string]any
}

// references of a record being planned.
func (r *flowRun) references(it *pending) references {
	x := references{ensured: it.ensured, finds: r.pl.finds, suppliers: it.suppliers, marked: it.marked, schemaOf: r.pl.p.schemaOfRef}
	if len(r.f.ensures) > 0 {
		x.schemas = make(map[string]connectors.Schema, len(r.f.ensures))
		for _, e := range r.f.ensures {
			x.schemas[e.name] = e.flow.target.schema
		}
	}
	return x
}

// schemaOfRef is the schema of a kind.connection.object reference.
func (p *Project) schemaOfRef(ref string) (connectors.Schema, bool) {
	i := strings.LastIndexByte(ref, '.')
	if i < 0 {
		return connectors.Schema{}, false
	}
	c := p.conns[ref[:i]]
	if c == nil {
		return connectors.Schema{}, false
	}
	s, ok := c.schemas[ref[i+1:]]
	return s, ok
}

// labelReferences names, for people, the records the id fields of a
// change refer to (an order's CustomerId: "Björkdal Trä AB (1011)"; its
// TermsOfPaymentId: `terms of payment "30 dagar netto"`), from the records
// the change knows (references), by the label template of their object.
// A field refers to a record when its name ends in "Id" (and perhaps a
// number: CostCenterItemId1) and its value is that record's Id; a value
// known only after apply refers to the record the apply creates that
// supplies it. Inside a list or object value (the rows of a document) the
// ids and the values known only after apply are described as the field's
// Parts.
func labelReferences(fields []plan.FieldChange, x references) {
	for i := range fields {
		f := &fields[i]
		if f.Sensitive {
			continue
		}
		switch after := f.After.(type) {
		case string:
			if !isIDField(f.Name) || after == "" {
				continue
			}
			if rec, schema := x.referred(after, x.marked[f.Name]); rec != nil {
				f.Label, f.SensitiveLabel = referenceLabel(rec, schema, strings.Contains(after, plan.Unknown))
			}
		case []any, map[string]any:
			f.Parts = x.parts(f.Parts[:0], f.Name, after, x.marked[f.Name])
		}
	}
}

// partWalk walks a list or object value for its parts. Paths are built
// only for the values that become parts: a document's rows have many
// values and few parts.
type partWalk struct {
	x    references
	out  []plan.Part
	path []pathStep
	keys []string // scratch for the sorted keys of the objects walked
}

// pathStep is one step of a path: an element of a list (key "") or a key
// of an object.
type pathStep struct {
	key   string
	index int
}

func (w *partWalk) pathString() string {
	var b strings.Builder
	for i, s := range w.path {
		switch {
		case s.key == "":
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		case i > 0:
			b.WriteByte('.')
			b.WriteString(s.key)
		default:
			b.WriteString(s.key)
		}
	}
	return b.String()
}

// parts appends to out the parts of field name's value v: its values known
// only after apply, and its ids of records with a label. marked is v as
// attribute evaluated it, or nil.
func (x references) parts(out []plan.Part, name string, v, marked any) []plan.Part {
	w := &partWalk{x: x, out: out, path: []pathStep{{key: name}}}
	w.walk(name, v, marked)
	return w.out
}

// walk visits v, whose field name is key.
func (w *partWalk) walk(key string, v, marked any) {
	switch v := v.(type) {
	case []any:
		for i, el := range v {
			w.path = append(w.path, pathStep{index: i})
			w.walk(key, el, elemOf(marked, i))
			w.path = w.path[:len(w.path)-1]
		}
	case map[string]any:
		start := len(w.keys)
		for k := range v {
			w.keys = append(w.keys, k)
		}
		keys := w.keys[start:]
		slices.Sort(keys)
		for _, k := range keys {
			w.path = append(w.path, pathStep{key: k})
			w.walk(k, v[k], keyOf(marked, k))
			w.path = w.path[:len(w.path)-1]
		}
		w.keys = w.keys[:start]
	case string:
		w.leaf(key, v, marked)
	}
}

// leaf visits a text value, whose field name is key.
func (w *partWalk) leaf(key, v string, marked any) {
	x := w.x
	switch {
	case strings.Contains(v, plan.Unknown):
		p := plan.Part{Path: w.pathString(), Unknown: true}
		if s := x.supplier(marked); s != nil {
			p.Label, p.SensitiveLabel = referenceLabel(s.view, s.flow.target.schema, true)
			if p.Label == "" && s.change != nil {
				// Nothing to name it by that may be shown: the flow
				// and the source record that create it.
				p.Label = "new record of flow " + s.flow.name + " (source " + s.change.SourceKey + ")"
			}
		}
		w.out = append(w.out, p)
	case v != "" && isIDField(key):
		if rec, schema := x.referred(v, nil); rec != nil {
			safe, full := referenceLabel(rec, schema, false)
			if safe != "" || full != "" {
				w.out = append(w.out, plan.Part{Path: w.pathString(), Label: safe, SensitiveLabel: full})
			}
		}
	}
}

// isIDField reports whether a field holds the id of a record by its name:
// it ends in "Id", or in "Id" and a number (CostCenterItemId1).
func isIDField(name string) bool {
	return strings.HasSuffix(strings.TrimRight(name, "0123456789"), "Id")
}

// supplier returns the record the apply creates whose marker marked
// holds, or nil.
func (x references) supplier(marked any) *supplier {
	k, _, _, ok := parseMarker(marked)
	if !ok || k >= len(x.suppliers) {
		return nil
	}
	return &x.suppliers[k]
}

// supplied returns the record the apply creates whose marker marked holds,
// as planned, and its schema.
func (x references) supplied(marked any) (map[string]any, connectors.Schema) {
	if s := x.supplier(marked); s != nil {
		return s.view, s.flow.target.schema
	}
	return nil, connectors.Schema{}
}

// referred returns the record whose Id is id and its schema: an ensured or
// found record, or for an id known after apply the record that supplies
// it (by its marker, else the only ensured record being created).
func (x references) referred(id string, marked any) (map[string]any, connectors.Schema) {
	if strings.Contains(id, plan.Unknown) {
		if rec, schema := x.supplied(marked); rec != nil {
			return rec, schema
		}
		if id != plan.Unknown {
			return nil, connectors.Schema{}
		}
	}
	var created []map[string]any
	var createdSchema connectors.Schema
	check := func(name string, v any, inList bool) map[string]any {
		rec, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		rid := stringOf(rec["Id"])
		if rid == "" {
			rid = stringOf(rec["id"])
		}
		if rid == id && id != plan.Unknown {
			return rec
		}
		if strings.Contains(rid, plan.Unknown) && !inList {
			created = append(created, rec)
			createdSchema = x.schemas[name]
		}
		return nil
	}
	for name, v := range x.ensured {
		if list, ok := v.([]any); ok {
			for _, el := range list {
				if rec := check(name, el, true); rec != nil {
					return rec, x.schemas[name]
				}
			}
			continue
		}
		if rec := check(name, v, false); rec != nil {
			return rec, x.schemas[name]
		}
	}
	if id == plan.Unknown {
		// Without a marker (a value not attributed), the one record (not
		// in a list) the apply creates, if there is one: never a guess
		// among several.
		if len(created) == 1 {
			return created[0], createdSchema
		}
		return nil, connectors.Schema{}
	}
	if x.finds == nil {
		return nil, connectors.Schema{}
	}
	rec := x.finds.byID[id]
	if rec == nil {
		return nil, connectors.Schema{}
	}
	var schema connectors.Schema
	if ref := x.finds.byIDRef[id]; ref != "" && x.schemaOf != nil {
		schema, _ = x.schemaOf(ref)
	}
	return rec, schema
}

// referenceLabel names a record an id refers to: safe without personal
// data, full with it ("" when it is safe). A customer is its name and
// number, "Name (1011)", "Name (new)" for one the apply creates (created);
// names are personal data unless the record says it is a company
// (IsPrivatePerson false): a private person is "private person (1012)",
// with the name in full, and a record that says neither shows its number
// alone. Other records are named by their object's label template
// (`article ART-1001 "Vedkorg"`), the values of sensitive fields only in
// full; without a template, by their number.
func referenceLabel(rec map[string]any, schema connectors.Schema, created bool) (safe, full string) {
	known := make(map[string]any, len(rec))
	for k, v := range rec {
		if !hasUnknown(v) {
			known[k] = v
		}
	}
	_, customer := rec["IsPrivatePerson"]
	if _, ok := rec["CustomerNumber"]; customer || ok {
		return customerLabel(known, created)
	}
	if schema.Label != "" {
		label, used := connectors.FormatLabel(schema.Label, known)
		sensitive := false
		for _, name := range used {
			if fl, ok := schema.Field(name); ok && fl.Sensitive {
				sensitive = true
				delete(known, name)
			}
		}
		if !sensitive {
			return label, ""
		}
		safe, _ = connectors.FormatLabel(schema.Label, known)
		return safe, label
	}
	return stringOf(known["Number"]), ""
}

// customerLabel is referenceLabel of a customer.
func customerLabel(rec map[string]any, created bool) (safe, full string) {
	number := stringOf(rec["CustomerNumber"])
	if number == "" {
		number = stringOf(rec["Number"])
	}
	if number == "" && created {
		number = "new"
	}
	name := strings.TrimSpace(stringOf(rec["Name"]))
	join := func(name string) string {
		switch {
		case name == "" && number == "new":
			return ""
		case name == "":
			return number
		case number == "":
			return name
		}
		return name + " (" + number + ")"
	}
	switch private, known := rec["IsPrivatePerson"].(bool); {
	case known && !private:
		return join(name), ""
	case known && private:
		safe = join("private person")
	default:
		safe = join("")
	}
	if full = join(name); full == safe {
		full = ""
	}
	return safe, full
}
