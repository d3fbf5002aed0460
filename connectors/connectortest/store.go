// Package connectortest holds test doubles and the conformance suite for
// connectors.
//
// The memory connector ([Factory], kind "memory") keeps its records in a
// [Store] that a test fills and inspects from Go: it counts calls per
// operation and injects faults (failed records, failed calls, a crash after a
// committed write), so engine tests can check batching, retries and
// reconciliation without a network.
//
// [RunConformance] is the suite every connector's objects pass.
package connectortest

import (
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/kopla-dev/kopla/connectors"
)

// Operation names counted by [Store.Calls].
const (
	OpRead  = "read"  // Read calls
	OpFind  = "find"  // Find calls
	OpGet   = "get"   // Get calls
	OpWrite = "write" // Write calls

	OpWritten = "written" // records a Write stored (created or updated)
	OpCreated = "created" // records a Write created
	OpUpdated = "updated" // records a Write updated
)

// defaultPageSize is the page size of Read until SetPageSize changes it.
const defaultPageSize = 100

// AfterWriteFunc runs after a Write call stored its records and before the
// answer returns. A non-nil error replaces the result of every write in the
// batch while the stored records stay: the answer of a committed write was
// lost, as when a process or connection dies at the wrong moment.
type AfterWriteFunc func(conn, object string, writes []connectors.Write, results []connectors.WriteResult) error

// Store holds the objects and records of memory connections, by connection
// name and object name. It is safe for concurrent use. Its zero value is not
// usable; call NewStore.
type Store struct {
	mu         sync.Mutex
	objects    map[objectKey]*memObjectData
	pageSize   int
	afterWrite AfterWriteFunc
	// concurrent says the engine may write batches at the same time (see
	// SetConcurrentWrites).
	concurrent bool
}

type objectKey struct{ conn, object string }

// memObjectData is one object's records and test controls, guarded by Store.mu.
type memObjectData struct {
	schema  connectors.Schema
	records map[string]*storedRecord
	seq     int64 // last change sequence number; also the Read cursor
	nextID  int64 // last generated ID number

	calls     map[string]int
	failCall  map[string]error
	failWrite []func(connectors.Write) error
}

type storedRecord struct {
	fields map[string]any
	seq    int64 // change sequence number of the last change
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{objects: map[objectKey]*memObjectData{}, pageSize: defaultPageSize}
}

// object returns the object's data, creating an open, empty object when
// create is set. The caller holds s.mu.
func (s *Store) object(conn, object string, create bool) *memObjectData {
	k := objectKey{conn, object}
	o := s.objects[k]
	if o == nil && create {
		o = &memObjectData{
			schema:   connectors.Schema{Open: true},
			records:  map[string]*storedRecord{},
			calls:    map[string]int{},
			failCall: map[string]error{},
		}
		s.objects[k] = o
	}
	return o
}

// Define declares (or redeclares) an object of a connection with its schema.
// Records already stored stay.
func (s *Store) Define(conn, object string, schema connectors.Schema) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.object(conn, object, true).schema = schema
}

// Put stores records as they are, bypassing validation: the data a test
// starts from. A record without ID gets a generated one; a record with an
// existing ID replaces it. Each put record counts as a change for
// incremental reads. An object not defined yet is defined with an open schema.
// Put returns the IDs, in order.
func (s *Store) Put(conn, object string, recs ...connectors.Record) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.object(conn, object, true)
	ids := make([]string, len(recs))
	for i, r := range recs {
		id := r.ID
		if id == "" {
			id = o.newID()
		}
		o.seq++
		o.records[id] = &storedRecord{fields: copyFields(r.Fields), seq: o.seq}
		ids[i] = id
	}
	return ids
}

// Records returns copies of an object's records, sorted by ID (numbers in
// IDs compare as numbers, so m-2 comes before m-10).
func (s *Store) Records(conn, object string) []connectors.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.object(conn, object, false)
	if o == nil {
		return nil
	}
	return o.sorted(func(*storedRecord) bool { return true })
}

// Calls returns how often an operation was called on an object (OpRead,
// OpFind, OpGet, OpWrite), or how many records writes stored (OpWritten,
// OpCreated, OpUpdated).
func (s *Store) Calls(conn, object, op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.object(conn, object, false); o != nil {
		return o.calls[op]
	}
	return 0
}

// ResetCalls sets all call counters of all objects back to zero.
func (s *Store) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.objects {
		clear(o.calls)
	}
}

// SetPageSize sets the number of records per page of Read (at least 1).
func (s *Store) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = max(n, 1)
}

// FailWrite adds a fault to an object's writes: every write for which match
// returns an error fails with that error (as its WriteResult.Err) and is not
// stored; the other writes of the batch proceed. Faults accumulate; a nil
// match removes all of the object's write faults.
func (s *Store) FailWrite(conn, object string, match func(connectors.Write) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.object(conn, object, true)
	if match == nil {
		o.failWrite = nil
		return
	}
	o.failWrite = append(o.failWrite, match)
}

// FailCall makes every call of an operation (OpRead, OpFind, OpGet, OpWrite)
// on an object fail with err: Read, Find and Get return it, Write sets it on
// every write. The call is still counted. A nil err removes the fault.
func (s *Store) FailCall(conn, object, op string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.object(conn, object, true)
	if err == nil {
		delete(o.failCall, op)
		return
	}
	o.failCall[op] = err
}

// AfterWrite installs the hook run after every Write call's records are
// stored (nil removes it). See AfterWriteFunc.
func (s *Store) AfterWrite(f AfterWriteFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.afterWrite = f
}

// newID returns the next generated ID, skipping IDs a test put by hand.
func (o *memObjectData) newID() string {
	for {
		o.nextID++
		id := "m-" + strconv.FormatInt(o.nextID, 10)
		if _, taken := o.records[id]; !taken {
			return id
		}
	}
}

// sorted returns copies of the records keep accepts, sorted by ID.
func (o *memObjectData) sorted(keep func(*storedRecord) bool) []connectors.Record {
	var out []connectors.Record
	for id, r := range o.records {
		if keep(r) {
			out = append(out, connectors.Record{ID: id, Fields: copyFields(r.fields)})
		}
	}
	slices.SortFunc(out, func(a, b connectors.Record) int { return naturalCompare(a.ID, b.ID) })
	return out
}

func (o *memObjectData) record(id string) (connectors.Record, bool) {
	r, ok := o.records[id]
	if !ok {
		return connectors.Record{}, false
	}
	return connectors.Record{ID: id, Fields: copyFields(r.fields)}, true
}

// naturalCompare orders strings with runs of digits compared as numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := trimZeros(a[:da]), trimZeros(b[:db])
			if c := len(na) - len(nb); c != 0 {
				return c
			}
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			if a[0] < b[0] {
				return -1
			}
			return 1
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}

// copyFields deep-copies a record's fields, so that neither a test nor the
// engine can change stored records through a map it holds.
func copyFields(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}

func (k objectKey) String() string { return fmt.Sprintf("%s.%s", k.conn, k.object) }

// SetConcurrentWrites says whether the store's objects tell the engine that
// their batches may be written at the same time (ConcurrentWrites), as the
// HTTP connectors do. Off by default: batches go one at a time per
// connection.
func (s *Store) SetConcurrentWrites(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.concurrent = on
}
