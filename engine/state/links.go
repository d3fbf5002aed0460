package state

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// linksChunk is how many keys one IN query carries: well under SQLite's
// limit on bound parameters, large enough that a 100k-record plan needs only
// 200 queries.
const linksChunk = 500

// Link ties a source record to the target record a flow wrote it to.
type Link struct {
	Flow      string
	SourceKey string
	TargetID  string
	// KeyValue is the target key value (the e-mail, the customer number)
	// the records were matched or created by; "" when not known.
	KeyValue string
	// FieldHashes maps each target field to HashValue of the value last
	// written to it. PutLinks merges the given hashes into the stored ones
	// while the link keeps its TargetID, so an update passes the hashes of
	// the fields it wrote only; a link to another TargetID replaces them.
	// To forget hashes, delete the link first.
	FieldHashes map[string]string
	// Values, when set, are the values last written to the target fields:
	// PutLinks and Save store their hashes with FieldHashes, as if the
	// caller had put HashValue of each in FieldHashes. Links read from the
	// state have FieldHashes only.
	Values map[string]any
	// UpdatedAt is when the link was last written (UTC); PutLinks sets it to
	// the current time when zero.
	UpdatedAt time.Time
}

const (
	upsertLinksHead = `INSERT INTO links (flow, source_key, target_id, key_value, field_hashes, updated_at)`
	// The hashes are bound as bytes (no copy into a string) and cast, so
	// that they are stored as TEXT.
	upsertLinksTuple = `(?, ?, ?, ?, CAST(? AS TEXT), ?)`
	// The hashes merge into those of the same target record (an update
	// writes only the fields that changed; the others keep their last
	// written value) and replace those of another one (re-linked).
	// %s is the dialect's merge of two JSON objects (dialect.jsonMerge).
	upsertLinksTail = `ON CONFLICT (flow, source_key) DO UPDATE SET
	field_hashes = CASE WHEN links.target_id = excluded.target_id
		THEN %s
		ELSE excluded.field_hashes END,
	target_id = excluded.target_id,
	key_value = excluded.key_value,
	updated_at = excluded.updated_at`
)

const linkColumns = `flow, source_key, target_id, key_value, field_hashes, updated_at`

func selectLinksSQL(n int) string {
	return `SELECT ` + linkColumns + ` FROM links WHERE flow = ? AND source_key IN (` + placeholders(n) + `)`
}

func deleteLinksSQL(n int) string {
	return `DELETE FROM links WHERE flow = ? AND source_key IN (` + placeholders(n) + `)`
}

// Links returns the links of flow for the given source keys, by source key.
// Keys without a link are absent from the map. The lookup reads one
// consistent snapshot, in batched queries.
func (s *Store) Links(ctx context.Context, flow string, sourceKeys []string) (map[string]Link, error) {
	out := make(map[string]Link, len(sourceKeys))
	if len(sourceKeys) == 0 {
		return out, nil
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("state: links of %s: %w", flow, err)
	}
	defer tx.Rollback()
	err = eachIn(ctx, tx, s.selectLinks, []any{flow}, sourceKeys, func(st *sql.Stmt, args []any) error {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		return scanLinks(rows, func(l Link) error {
			out[l.SourceKey] = l
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("state: links of %s: %w", flow, err)
	}
	return out, nil
}

// scanLinks calls fn for each row and closes rows.
func scanLinks(rows *sql.Rows, fn func(Link) error) error {
	defer rows.Close()
	var hashes sql.RawBytes
	var updated string
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.Flow, &l.SourceKey, &l.TargetID, &l.KeyValue, &hashes, &updated); err != nil {
			return err
		}
		var err error
		if l.FieldHashes, err = parseHashes(hashes); err != nil {
			return fmt.Errorf("link %s/%s: field hashes: %w", l.Flow, l.SourceKey, err)
		}
		if l.UpdatedAt, err = parseTime(updated); err != nil {
			return fmt.Errorf("link %s/%s: %w", l.Flow, l.SourceKey, err)
		}
		if err := fn(l); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PutLinks creates or updates links, all in one transaction: either every
// link is stored or none is. An existing link takes the new TargetID,
// KeyValue and UpdatedAt; its FieldHashes are merged (see [Link]).
func (s *Store) PutLinks(ctx context.Context, links []Link) error {
	if len(links) == 0 {
		return nil
	}
	if err := checkLinks(links); err != nil {
		return fmt.Errorf("state: put links: %w", err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error { return s.putLinks(ctx, tx, links) })
	if err != nil {
		return fmt.Errorf("state: put links: %w", err)
	}
	return nil
}

func (s *Store) putLinks(ctx context.Context, tx *sql.Tx, links []Link) error {
	if len(links) == 0 {
		return nil
	}
	// The flow and the time, the same for most links, are boxed into
	// interfaces once: each boxing costs an allocation.
	now := any(formatTime(s.nowUTC()))
	var flow any = ""
	// hashes holds the field hashes of all links, one allocation for many;
	// each link's are capped, so that later appends never write into them.
	hashes := make([]byte, 0, 32*len(links)*(len(links[0].FieldHashes)+len(links[0].Values)+1))
	var keys []string
	return s.upsertLinks.exec(ctx, tx, len(links), func(i int, args []any) []any {
		l := &links[i]
		updated := now
		if !l.UpdatedAt.IsZero() {
			updated = formatTime(l.UpdatedAt)
		}
		if flow != l.Flow {
			flow = l.Flow
		}
		start := len(hashes)
		hashes, keys = appendLinkHashes(hashes, keys, l.FieldHashes, l.Values)
		return append(args, flow, l.SourceKey, l.TargetID, l.KeyValue, hashes[start:len(hashes):len(hashes)], updated)
	})
}

func checkLinks(links []Link) error {
	for i, l := range links {
		if err := checkLink(l); err != nil {
			return fmt.Errorf("link %d: %w", i, err)
		}
	}
	return nil
}

func checkLink(l Link) error {
	switch {
	case l.Flow == "":
		return errors.New("empty flow")
	case l.SourceKey == "":
		return fmt.Errorf("flow %s: empty source key", l.Flow)
	case l.TargetID == "":
		return fmt.Errorf("flow %s, source key %q: empty target id", l.Flow, l.SourceKey)
	}
	return nil
}

// ListLinks calls fn for every link of flow ("" means every flow), ordered by
// flow and source key, reading one consistent snapshot. An error from fn
// stops the listing and is returned as is. fn may call other methods of the
// Store.
func (s *Store) ListLinks(ctx context.Context, flow string, fn func(Link) error) error {
	var (
		rows *sql.Rows
		err  error
	)
	if flow == "" {
		rows, err = s.r.QueryContext(ctx, `SELECT `+linkColumns+` FROM links ORDER BY flow, source_key`)
	} else {
		rows, err = s.r.QueryContext(ctx, `SELECT `+linkColumns+` FROM links WHERE flow = ? ORDER BY source_key`, flow)
	}
	if err != nil {
		return fmt.Errorf("state: list links: %w", err)
	}
	var fnErr error
	err = scanLinks(rows, func(l Link) error {
		if err := fn(l); err != nil {
			fnErr = err
			return err
		}
		return nil
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("state: list links: %w", err)
	}
	return nil
}

// DeleteLinks deletes the links of flow for the given source keys (keys
// without a link are ignored), in one transaction.
func (s *Store) DeleteLinks(ctx context.Context, flow string, sourceKeys []string) error {
	if len(sourceKeys) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		return eachIn(ctx, tx, s.deleteLinks, []any{flow}, sourceKeys, func(st *sql.Stmt, args []any) error {
			_, err := st.ExecContext(ctx, args...)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("state: delete links of %s: %w", flow, err)
	}
	return nil
}

// appendLinkHashes appends the field hashes of a link (see appendHashes)
// with the sorted names of the link before, keys, when they are its names
// too, and returns the names it used. Links of one flow written by the
// engine have values only, the same names each: then each value is looked
// up once.
func appendLinkHashes(b []byte, keys []string, hashes map[string]string, values map[string]any) ([]byte, []string) {
	if len(hashes) == 0 && len(keys) == len(values) {
		start := len(b)
		b = append(b, '{')
		for i, k := range keys {
			v, ok := values[k]
			if !ok {
				b = b[:start]
				break
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = append(appendJSONString(b, k), ':')
			b = append(appendHash(append(b, '"'), v), '"')
		}
		if len(b) > start {
			return append(b, '}'), keys
		}
	}
	keys = hashKeys(keys, hashes, values)
	return appendHashes(b, keys, hashes, values), keys
}

// appendHashes appends the field hashes of keys (see hashKeys), those of
// values (hashed) and the others of hashes, as a JSON object with sorted
// keys, which is what json_patch merges on update.
func appendHashes(b []byte, keys []string, hashes map[string]string, values map[string]any) []byte {
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, k), ':')
		if v, ok := values[k]; ok {
			b = append(appendHash(append(b, '"'), v), '"')
		} else {
			b = appendJSONString(b, hashes[k])
		}
	}
	return append(b, '}')
}

// hashKeys returns the sorted field names of hashes and values: prev, the
// names of the link before, when they are the same, as they are for the
// links of one flow. It may reuse prev's array.
func hashKeys(prev []string, hashes map[string]string, values map[string]any) []string {
	union := len(values)
	for k := range hashes {
		if _, ok := values[k]; !ok {
			union++
		}
	}
	same := len(prev) == union
	for _, k := range prev {
		if !same {
			break
		}
		_, inValues := values[k]
		_, inHashes := hashes[k]
		same = inValues || inHashes
	}
	if same {
		return prev
	}
	keys := prev[:0]
	for k := range hashes {
		if _, ok := values[k]; !ok {
			keys = append(keys, k)
		}
	}
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendJSONString(b []byte, s string) []byte {
	if plainString(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	j, _ := json.Marshal(s) // a string always encodes
	return append(b, j...)
}

// parseHashes reads what appendHashes wrote. Objects whose strings hold no
// escapes (field names and hex digests never do) are parsed directly;
// anything else goes through encoding/json.
func parseHashes(b []byte) (map[string]string, error) {
	m, ok := parsePlainObject(b)
	if ok {
		return m, nil
	}
	m = map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// parsePlainObject parses {"k":"v",...} written without spaces or escapes;
// ok is false for any other input.
func parsePlainObject(b []byte) (map[string]string, bool) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, false
	}
	m := map[string]string{}
	b = b[1 : len(b)-1]
	str := func() (string, bool) {
		if len(b) == 0 || b[0] != '"' {
			return "", false
		}
		end := bytes.IndexByte(b[1:], '"')
		if end < 0 {
			return "", false
		}
		s := b[1 : 1+end]
		if bytes.IndexByte(s, '\\') >= 0 {
			return "", false
		}
		b = b[end+2:]
		return string(s), true
	}
	for len(b) > 0 {
		k, ok := str()
		if !ok || len(b) == 0 || b[0] != ':' {
			return nil, false
		}
		b = b[1:]
		v, ok := str()
		if !ok {
			return nil, false
		}
		m[k] = v
		if len(b) > 0 {
			if b[0] != ',' || len(b) == 1 {
				return nil, false
			}
			b = b[1:]
		}
	}
	return m, true
}
