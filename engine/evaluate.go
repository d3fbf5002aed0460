package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

// errNeedFetch stops the evaluation of a record whose find() result is not
// in the cache yet; the record is evaluated again once the misses of the
// whole batch have been fetched in a few calls.
var errNeedFetch = errors.New("find result not fetched yet")

// maxFindRounds bounds the fetch-and-retry rounds of one batch. An
// evaluation stops at its first find() miss, so a record needs one round
// per find the batch has not fetched yet (an order's rows look up a VAT
// code, a coding, cost centres and the freight article) and per level of
// finds whose arguments come from other finds: the bound only stops a
// runaway, each round fetches at least one value.
const maxFindRounds = 64

type findKey struct{ ref, field, value string }

type findResult struct {
	fields map[string]any
	err    error
}

// findCache is the batched, cached live lookup behind find().
type findCache struct {
	p       *Project
	results map[findKey]findResult
	pending map[findKey]any
	// stubbed caches hold every answer there is (flow unit tests): a miss
	// is an error, never a fetch, unless anyValue answers every value of
	// its object and field (keyed without value).
	stubbed  bool
	anyValue map[findKey]findResult
	// byID holds the records found, by their Id field, for plan labels,
	// and byIDRef the object each is of (its label template).
	byID    map[string]map[string]any
	byIDRef map[string]string
	// misses counts the find() calls that matched nothing, and lastMiss is
	// the latest: an expression that then fails names it (see explainMiss).
	misses   int
	lastMiss findKey
	// near says, per find() that matched nothing, which values its object
	// has that are closest (see noteMisses).
	near map[findKey]string
	// listed holds the values listed for it, by object and field (a key
	// without value).
	listed map[findKey]valueListing
}

func newFindCache(p *Project) *findCache {
	return &findCache{p: p, results: map[findKey]findResult{}, pending: map[findKey]any{}, byID: map[string]map[string]any{}, byIDRef: map[string]string{}}
}

func (c *findCache) get(ref, field string, value any) (any, error) {
	if _, _, _, ok := parseMarker(value); ok {
		return nil, nil // a supplier's marker (attribute): no record has it
	}
	k := findKey{ref, field, stringOf(value)}
	if r, ok := c.results[k]; ok {
		if r.fields == nil {
			if r.err == nil {
				c.misses, c.lastMiss = c.misses+1, k
			}
			return nil, r.err
		}
		return r.fields, r.err
	}
	if r, ok := c.anyValue[findKey{ref: ref, field: field}]; ok && c.stubbed {
		if r.fields == nil {
			return nil, nil
		}
		return r.fields, nil
	}
	if c.stubbed {
		return nil, fmt.Errorf("find(%s, %q, %q) has no stub in this test: add a find block for it", ref, field, k.value)
	}
	c.pending[k] = value
	return nil, errNeedFetch
}

// fetch looks up every pending value, one Find call per object and field
// (the connector batches further as its API needs).
func (c *findCache) fetch(ctx context.Context) error {
	type group struct{ ref, field string }
	groups := map[group][]any{}
	for k, v := range c.pending {
		g := group{k.ref, k.field}
		groups[g] = append(groups[g], v)
	}
	c.pending = map[findKey]any{}
	for g, values := range groups {
		recs, err := c.p.findIn(ctx, g.ref, g.field, values)
		if err != nil {
			for _, v := range values {
				c.results[findKey{g.ref, g.field, stringOf(v)}] = findResult{err: fmt.Errorf("find(%s, %q, %q): %w", g.ref, g.field, stringOf(v), err)}
			}
			continue
		}
		matches := matchByValue(recs, g.field, values)
		var missed []string
		for _, v := range values {
			key := stringOf(v)
			k := findKey{g.ref, g.field, key}
			switch m := matches[key]; len(m) {
			case 0:
				c.results[k] = findResult{}
				missed = append(missed, key)
			case 1:
				c.results[k] = findResult{fields: withID(m[0])}
				if id := stringOf(m[0].Fields["Id"]); id != "" {
					c.byID[id] = c.results[k].fields
					if c.byIDRef != nil {
						c.byIDRef[id] = g.ref
					}
				}
			default:
				c.results[k] = findResult{err: fmt.Errorf("find(%s, %q, %q): %d records match; find needs a value that identifies one record", g.ref, g.field, key, len(m))}
			}
		}
		c.noteMisses(ctx, g.ref, g.field, missed)
	}
	return ctx.Err()
}

// withID returns a record's fields, with its id under "id" when the
// connector has no such field.
func withID(r connectors.Record) map[string]any {
	if _, ok := r.Fields["id"]; ok || r.ID == "" {
		return r.Fields
	}
	out := make(map[string]any, len(r.Fields)+1)
	for k, v := range r.Fields {
		out[k] = v
	}
	out["id"] = r.ID
	return out
}

// matchByValue groups records by which of the wanted values their field
// holds: exactly first, else ignoring case (systems such as HubSpot compare
// e-mails without case).
func matchByValue(recs []connectors.Record, field string, values []any) map[string][]connectors.Record {
	out := map[string][]connectors.Record{}
	if len(recs) == 0 {
		return out
	}
	wanted := make(map[string]bool, len(values))
	for _, v := range values {
		wanted[stringOf(v)] = true
	}
	var folded map[string]string // built only when a record does not match exactly
	for _, r := range recs {
		s := stringOf(r.Fields[field])
		if wanted[s] {
			out[s] = append(out[s], r)
			continue
		}
		if folded == nil {
			folded = make(map[string]string, len(values))
			for v := range wanted {
				folded[strings.ToLower(v)] = v
			}
		}
		if orig, ok := folded[strings.ToLower(s)]; ok {
			out[orig] = append(out[orig], r)
		}
	}
	return out
}

// findIn runs a Find on the object a reference names.
func (p *Project) findIn(ctx context.Context, ref, field string, values []any) ([]connectors.Record, error) {
	obj, err := p.objectByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	finder, ok := obj.(connectors.Finder)
	if !ok {
		return nil, fmt.Errorf("%s cannot find records", ref)
	}
	return finder.Find(ctx, field, values)
}

// objectByRef opens the object of a kind.connection.object reference.
func (p *Project) objectByRef(ctx context.Context, ref string) (connectors.Object, error) {
	i := strings.LastIndexByte(ref, '.')
	if i < 0 {
		return nil, fmt.Errorf("%q is not an object reference", ref)
	}
	c, ok := p.conns[ref[:i]]
	if !ok {
		return nil, fmt.Errorf("unknown connection %s", ref[:i])
	}
	conn, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	return conn.Object(ref[i+1:])
}

// evaluator runs compiled programs, reusing one VM (not safe for concurrent
// use: one evaluator per goroutine).
type evaluator struct {
	vm vm.VM
}

func (ev *evaluator) run(pr *program, env map[string]any) (any, error) {
	if pr.fast != nil {
		return ev.vm.Run(pr.fast, env)
	}
	return ev.vm.Run(pr.prog, env)
}

// recordError is a runtime failure of one record's expression.
type recordError struct {
	field string // "" for where and ensure
	what  string
	err   error
	// note says what else went wrong while the expression ran: a find()
	// that matched nothing (see findCache.missNote).
	note string
}

func (e *recordError) Error() string {
	msg := e.err.Error()
	var fe *file.Error
	if errors.As(e.err, &fe) {
		msg = fe.Message
		if fe.Prev != nil && !errors.Is(fe.Prev, errNeedFetch) {
			msg = fe.Prev.Error()
		}
	}
	if e.note != "" {
		msg += " (" + e.note + ")"
	}
	if e.field != "" {
		return fmt.Sprintf("field %s: %s", e.field, msg)
	}
	return fmt.Sprintf("%s: %s", e.what, msg)
}

func (e *recordError) Unwrap() error { return e.err }

// hasUnknown reports whether a value holds a value known only after apply.
func hasUnknown(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, plan.Unknown)
	case []any:
		for _, e := range v {
			if hasUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if hasUnknown(e) {
				return true
			}
		}
	}
	return false
}

// recordID identifies a record passed to an ensured flow: its id when it
// has one, else a digest of its content.
func recordID(m map[string]any) string {
	for _, k := range []string{"id", "hs_object_id", "Id", "ID"} {
		if v, ok := m[k]; ok && v != nil && v != "" {
			return stringOf(v)
		}
	}
	b, _ := json.Marshal(m)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// redactor replaces sensitive values by a marker, in a record, in its
// object and list-of-object fields, and in the records included in it: the
// activity log keeps no personal data a schema marks sensitive.
type redactor struct {
	sensitive map[string]bool
	nested    map[string]*redactor
}

// newRedactor builds the redactor of records shaped by fields, with the
// includes a flow reads (their schemas from the connection's). It is nil
// when there is nothing to redact.
func newRedactor(fields []connectors.Field, includes []connectors.Include, schemas map[string]connectors.Schema) *redactor {
	r := &redactor{sensitive: map[string]bool{}, nested: map[string]*redactor{}}
	for _, f := range fields {
		switch {
		case f.Sensitive:
			r.sensitive[f.Name] = true
		case f.Type == connectors.TypeObject && len(f.Fields) > 0:
			if n := newRedactor(f.Fields, nil, nil); n != nil {
				r.nested[f.Name] = n
			}
		case f.Type == connectors.TypeList && f.Elem != nil && len(f.Elem.Fields) > 0:
			if n := newRedactor(f.Elem.Fields, nil, nil); n != nil {
				r.nested[f.Name] = n
			}
		}
	}
	for _, inc := range includes {
		if s, ok := schemas[inc.Object]; ok {
			if n := newRedactor(s.Fields, nil, nil); n != nil {
				r.nested[inc.Name] = n
			}
		}
	}
	if len(r.sensitive)+len(r.nested) == 0 {
		return nil
	}
	return r
}

// record returns fields with sensitive values replaced; a nil redactor
// returns them as they are.
func (r *redactor) record(fields map[string]any) map[string]any {
	if r == nil || fields == nil {
		return fields
	}
	out := make(map[string]any, len(fields))
	for k, v := range fields {
		switch {
		case v == nil:
			out[k] = v
		case r.sensitive[k]:
			out[k] = "(sensitive)"
		case r.nested[k] != nil:
			out[k] = r.nested[k].value(v)
		default:
			out[k] = v
		}
	}
	return out
}

func (r *redactor) value(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return r.record(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.value(e)
		}
		return out
	}
	return v
}

// json redacts an encoded record; when there is nothing to redact the bytes
// are kept as they are.
func (r *redactor) json(raw json.RawMessage) json.RawMessage {
	if r == nil {
		return raw
	}
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return mustJSON(map[string]string{"unreadable": err.Error()})
	}
	return mustJSON(r.record(fields))
}
