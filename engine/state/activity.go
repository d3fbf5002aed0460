package state

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/kopla-dev/kopla/internal/jsonenc"
)

// Activity is what happened to one record in a run: what was read from the
// source, what was sent to the target and what it answered. The engine
// redacts personal data per field before logging; Purge deletes entries
// past the retention period.
type Activity struct {
	ID        int64
	RunID     int64     // 0 when not part of a recorded run
	At        time.Time // UTC; LogActivity sets the current time when zero
	Flow      string
	SourceKey string
	TargetID  string
	Action    string // create, update, no_op, skip, error, blocked; unreadable when read back
	// Read, Sent and Answer are JSON documents, nil when absent. They are
	// stored unchecked: one that is not JSON reads back as an unreadable
	// entry, without its documents.
	Read, Sent, Answer json.RawMessage
	Error              string
	// Keys are the other values the record is known by in any system (the
	// flow's key value, such as an e-mail address or an order reference,
	// and the numbers the target assigned), so that kopla log -key finds
	// the entry by any of them, as by SourceKey and TargetID. They go in
	// the key index only, hashed (keys.go): the entry does not hold them,
	// and entries read back have none.
	Keys []string
}

// LogActivity appends entries to the activity log, in one transaction.
func (s *Store) LogActivity(ctx context.Context, acts []Activity) error {
	if len(acts) == 0 {
		return nil
	}
	if err := checkActivities(acts); err != nil {
		return fmt.Errorf("state: log activity: %w", err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.logActivity(ctx, tx, acts) })
	if err != nil {
		return fmt.Errorf("state: log activity: %w", err)
	}
	return nil
}

// logActivity stores each run of consecutive entries of the same run, time
// and flow as one row whose entries column is their JSON array, compressed
// (S2, a faster Snappy): an apply logs a row per batch, not per record.
// Entry i of a row starting at id has the ID id+i, so that IDs stay one per
// entry and in order.
func (s *Store) logActivity(ctx context.Context, tx *sql.Tx, acts []Activity) error {
	next := int64(1)
	err := tx.QueryRowContext(ctx, `SELECT id + n FROM activity ORDER BY id DESC LIMIT 1`).Scan(&next)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	now := formatTime(s.nowUTC())
	at := func(a *Activity) string {
		if a.At.IsZero() {
			return now
		}
		return formatTime(a.At)
	}
	// The entries are compressed as they are encoded, a block at a time:
	// a batch's entries take megabytes, compressed a seventh of that. The
	// buffers are kept between calls rather than left to the garbage
	// collector.
	bufs := s.activityBufs.Get().(*activityBufs)
	defer s.activityBufs.Put(bufs)
	for len(acts) > 0 {
		first := &acts[0]
		firstAt := at(first)
		n := 1
		for n < len(acts) && acts[n].RunID == first.RunID && acts[n].Flow == first.Flow && at(&acts[n]) == firstAt {
			n++
		}
		packed, err := bufs.pack(acts[:n])
		if err != nil {
			return err
		}
		bufs.pairs = bufs.pairs[:0]
		for i := range acts[:n] {
			bufs.pairs = appendEntryKeys(bufs.pairs, s.salt, i, &acts[i])
		}
		bufs.keys = encodeKeyPairs(bufs.keys[:0], bufs.pairs)
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity (id, n, run_id, at, flow, entries) VALUES (?, ?, ?, ?, ?, ?)`,
			next, n, nullID(first.RunID), firstAt, first.Flow, packed); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, insertKeysSQL, next, first.Flow, bufs.keys); err != nil {
			return err
		}
		next += int64(n)
		acts = acts[n:]
	}
	return nil
}

// activityBufs are the buffers logActivity reuses.
type activityBufs struct {
	entry  []byte
	packed bytes.Buffer
	zw     *s2.Writer
	pairs  []keyPair
	keys   []byte
}

// activityBlock is how much JSON the compressor takes at a time: entries
// of one flow repeat their field names and much of their values within it.
const activityBlock = 256 << 10

// pack returns the JSON array of the entries of acts, one per line,
// compressed (S2 stream format). The bytes are valid until the next call.
func (b *activityBufs) pack(acts []Activity) ([]byte, error) {
	b.packed.Reset()
	if b.zw == nil {
		b.zw = s2.NewWriter(&b.packed, s2.WriterConcurrency(1), s2.WriterBlockSize(activityBlock))
	} else {
		b.zw.Reset(&b.packed)
	}
	sep := "["
	for i := range acts {
		b.entry = appendEntry(append(b.entry[:0], sep...), &acts[i])
		if _, err := b.zw.Write(b.entry); err != nil {
			return nil, err
		}
		sep = ",\n"
	}
	if _, err := b.zw.Write([]byte("]")); err != nil {
		return nil, err
	}
	if err := b.zw.Close(); err != nil {
		return nil, err
	}
	return b.packed.Bytes(), nil
}

// entry is an activity entry as its row's JSON array holds it, one entry
// per line; the run, time and flow are columns of the row.
type entry struct {
	SourceKey string          `json:"source_key"`
	TargetID  string          `json:"target_id,omitempty"`
	Action    string          `json:"action"`
	Error     string          `json:"error,omitempty"`
	Read      json.RawMessage `json:"read,omitempty"`
	Sent      json.RawMessage `json:"sent,omitempty"`
	Answer    json.RawMessage `json:"answer,omitempty"`
}

// appendEntry appends the JSON of a's entry on one line, as encoding/json
// would write an entry, without its reflection: this runs for every record
// an apply writes.
//
// The documents are not checked: an apply writes them with its own
// encoder, and checking them would cost more than storing them. Should one
// not be JSON, only its own entry is lost: decodeEntries reads the others
// line by line.
func appendEntry(b []byte, a *Activity) []byte {
	b = jsonenc.AppendString(append(b, `{"source_key":`...), a.SourceKey, false)
	if a.TargetID != "" {
		b = jsonenc.AppendString(append(b, `,"target_id":`...), a.TargetID, false)
	}
	b = jsonenc.AppendString(append(b, `,"action":`...), a.Action, false)
	if a.Error != "" {
		b = jsonenc.AppendString(append(b, `,"error":`...), a.Error, false)
	}
	b = appendDoc(b, `,"read":`, a.Read)
	b = appendDoc(b, `,"sent":`, a.Sent)
	b = appendDoc(b, `,"answer":`, a.Answer)
	return append(b, '}')
}

// appendDoc appends the member name and doc, on one line, unless doc is
// absent.
func appendDoc(b []byte, name string, doc json.RawMessage) []byte {
	if len(doc) == 0 {
		return b
	}
	b = append(b, name...)
	start := len(b)
	b = append(b, doc...)
	// A newline of JSON is whitespace: a space keeps the entry on its line.
	for i := bytes.IndexByte(b[start:], '\n'); i >= 0; i = bytes.IndexByte(b[start:], '\n') {
		b[start+i] = ' '
	}
	return b
}

func checkActivities(acts []Activity) error {
	for i, a := range acts {
		if err := checkActivity(a); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	return nil
}

func checkActivity(a Activity) error {
	switch {
	case a.Flow == "":
		return errors.New("empty flow")
	case a.Action == "":
		return fmt.Errorf("flow %s, source key %q: empty action", a.Flow, a.SourceKey)
	}
	return nil
}

// decodeEntries returns the entries of a row, uncompressed. A row holding an entry that is
// not JSON (a document logged unchecked) is read line by line: that entry
// alone is reported unreadable.
func decodeEntries(stored []byte) []entry {
	var entries []entry
	if err := json.Unmarshal(stored, &entries); err == nil {
		return entries
	}
	lines := bytes.Split(stored, []byte(",\n"))
	entries = make([]entry, 0, len(lines))
	for i, line := range lines {
		if i == 0 {
			line = bytes.TrimPrefix(line, []byte("["))
		}
		if i == len(lines)-1 {
			line = bytes.TrimSuffix(line, []byte("]"))
		}
		var e entry
		if err := json.Unmarshal(line, &e); err != nil {
			e = entry{Action: "unreadable", Error: fmt.Sprintf("this entry of the activity log cannot be read: %v", err)}
		}
		entries = append(entries, e)
	}
	return entries
}
