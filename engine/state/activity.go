package state

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO activity (id, n, run_id, at, flow, entries) VALUES (?, ?, ?, ?, ?, ?)`,
			next, n, nullID(first.RunID), firstAt, first.Flow, packed); err != nil {
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

// sourceKeyProbe is how an entry of the given source key begins in its
// row's JSON: Activities looks for it to skip rows without the key before
// decoding them.
func sourceKeyProbe(key string) string {
	return string(jsonenc.AppendString([]byte(`{"source_key":`), key, false))
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

// ActivityFilter selects activity entries; zero fields match everything.
type ActivityFilter struct {
	RunID     int64
	Flow      string
	SourceKey string
	// Limit bounds the number of entries; <= 0 means no bound.
	Limit int
}

// Activities returns the entries matching f, newest first.
func (s *Store) Activities(ctx context.Context, f ActivityFilter) ([]Activity, error) {
	var (
		where []string
		args  []any
	)
	if f.RunID != 0 {
		where = append(where, "run_id = ?")
		args = append(args, f.RunID)
	}
	if f.Flow != "" {
		where = append(where, "flow = ?")
		args = append(args, f.Flow)
	}
	q := `SELECT id, run_id, at, flow, entries FROM activity`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY id DESC`

	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("state: activities: %w", err)
	}
	defer rows.Close()
	var probe []byte
	if f.SourceKey != "" {
		probe = []byte(sourceKeyProbe(f.SourceKey))
	}
	var out []Activity
	for rows.Next() && (f.Limit <= 0 || len(out) < f.Limit) {
		var (
			id     int64
			runID  sql.NullInt64
			at     string
			flow   string
			stored []byte
		)
		if err := rows.Scan(&id, &runID, &at, &flow, &stored); err != nil {
			return nil, fmt.Errorf("state: activities: %w", err)
		}
		t, err := parseTime(at)
		if err != nil {
			return nil, fmt.Errorf("state: activities: entry %d: %w", id, err)
		}
		plain, err := io.ReadAll(s2.NewReader(bytes.NewReader(stored)))
		if err != nil {
			out = append(out, Activity{ID: id, RunID: runID.Int64, At: t, Flow: flow, Action: "unreadable",
				Error: fmt.Sprintf("these entries of the activity log cannot be read: %v", err)})
			continue
		}
		if probe != nil && !bytes.Contains(plain, probe) {
			continue
		}
		entries := decodeEntries(plain)
		for i := len(entries) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
			e := &entries[i]
			if f.SourceKey != "" && e.SourceKey != f.SourceKey {
				continue
			}
			out = append(out, Activity{ID: id + int64(i), RunID: runID.Int64, At: t, Flow: flow,
				SourceKey: e.SourceKey, TargetID: e.TargetID, Action: e.Action, Error: e.Error,
				Read: e.Read, Sent: e.Sent, Answer: e.Answer})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("state: activities: %w", err)
	}
	return out, nil
}

// purgeRows bounds each purge transaction, so that a long purge does not
// hold the write lock against a running apply. A row holds one batch of an
// apply: up to some thousands of entries.
const purgeRows = 20

// Purge deletes the activity entries recorded before before, the retention
// limit, and returns how many it deleted. Runs (commands, digests, counts)
// hold no personal data and are kept. Deleted entries are overwritten in
// the file (secure_delete) and the write-ahead log is checkpointed, so
// that the data does not linger on disk.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	cut := formatTime(before)
	// Purged activity (personal data) is overwritten in full, free pages
	// included; the rest of the time the writer zeroes only what costs no
	// extra I/O (secure_delete FAST). The writer is a single connection, so
	// the pragma holds for the deletes below.
	if _, err := s.w.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return 0, fmt.Errorf("state: purge: %w", err)
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = FAST`)
	var total int64
	for {
		rows, entries, err := s.purgeSome(ctx, cut)
		if err != nil {
			return total, fmt.Errorf("state: purge: %w", err)
		}
		total += entries
		if rows < purgeRows {
			break
		}
	}
	if total > 0 {
		// Busy readers may keep part of the log; that is no error, the next
		// checkpoint takes the rest.
		var busy, logFrames, done int
		if err := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return total, fmt.Errorf("state: purge: checkpoint: %w", err)
		}
	}
	return total, nil
}

// purgeSome deletes up to purgeRows rows of entries recorded before cut and
// returns how many rows and entries it deleted.
func (s *Store) purgeSome(ctx context.Context, cut string) (rows, entries int64, err error) {
	res, err := s.w.QueryContext(ctx, `
DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE at < ? LIMIT ?) RETURNING n`, cut, purgeRows)
	if err != nil {
		return 0, 0, err
	}
	defer res.Close()
	for res.Next() {
		var n int64
		if err := res.Scan(&n); err != nil {
			return 0, 0, err
		}
		rows++
		entries += n
	}
	return rows, entries, res.Err()
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
