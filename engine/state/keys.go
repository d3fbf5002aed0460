package state

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// The key index (table activity_keys) maps each key an activity entry's
// record is known by (its source key, its target id and the keys the
// engine names in Activity.Keys: the e-mail, the order reference, the
// number the target assigned) to the entry's ID. Keys are stored as a
// 64-bit hash salted per state file, never as text: the index makes a
// person's entries quick to find (kopla log -key, trace, forget) without
// adding another copy of an e-mail address to the file, and the salt keeps
// hashes of two state files from being compared. The hash is an index,
// not a secret: whoever holds the file holds the salt.
//
// Keys are matched whatever their case and surrounding space, as e-mail
// addresses are.

// keySaltName is the row of the secrets table holding the salt.
const keySaltName = "key_salt"

// normalizeKey is the form a key is hashed in.
func normalizeKey(k string) string { return strings.ToLower(strings.TrimSpace(k)) }

// keyHash returns the salted 64-bit FNV-1a hash of the normalised key, as
// SQLite stores an INTEGER.
func keyHash(salt []byte, key string) int64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for _, c := range salt {
		h ^= uint64(c)
		h *= prime64
	}
	k := strings.TrimSpace(key)
	for i := 0; i < len(k); i++ {
		c := k[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		} else if c >= 0x80 {
			// Non-ASCII: lower-case the whole key the slow way.
			return keyHashSlow(h, normalizeKey(key)[i:])
		}
		h ^= uint64(c)
		h *= prime64
	}
	return int64(h)
}

func keyHashSlow(h uint64, rest string) int64 {
	const prime64 = 1099511628211
	for i := 0; i < len(rest); i++ {
		h ^= uint64(rest[i])
		h *= prime64
	}
	return int64(h)
}

// loadSalt reads the state's key salt.
func loadSalt(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}) ([]byte, error) {
	var salt []byte
	err := q.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, keySaltName).Scan(&salt)
	if err != nil {
		return nil, fmt.Errorf("read the key salt: %w", err)
	}
	return salt, nil
}

// keyPair is one row of the key index: a key hash and an entry ID, stored
// in a row's key_hashes column as the entry's offset in the row.
type keyPair struct {
	hash   int64
	offset int
}

// appendEntryKeys appends the index pairs of entry a, at offset i of its
// row: one per distinct key it is known by.
func appendEntryKeys(pairs []keyPair, salt []byte, i int, a *Activity) []keyPair {
	start := len(pairs)
	add := func(k string) {
		if strings.TrimSpace(k) == "" {
			return
		}
		h := keyHash(salt, k)
		for _, p := range pairs[start:] {
			if p.hash == h {
				return
			}
		}
		pairs = append(pairs, keyPair{h, i})
	}
	add(a.SourceKey)
	add(a.TargetID)
	for _, k := range a.Keys {
		add(k)
	}
	return pairs
}

// encodeKeyPairs writes pairs as the key_hashes column holds them: per
// pair, the hash (8 bytes, big endian) and the offset (uvarint).
func encodeKeyPairs(b []byte, pairs []keyPair) []byte {
	for _, p := range pairs {
		b = binary.BigEndian.AppendUint64(b, uint64(p.hash))
		b = binary.AppendUvarint(b, uint64(p.offset))
	}
	return b
}

func decodeKeyPairs(b []byte) ([]keyPair, error) {
	var out []keyPair
	for len(b) > 0 {
		if len(b) < 9 {
			return nil, errors.New("key index list: truncated")
		}
		h := int64(binary.BigEndian.Uint64(b))
		off, n := binary.Uvarint(b[8:])
		if n <= 0 {
			return nil, errors.New("key index list: bad offset")
		}
		out = append(out, keyPair{h, int(off)})
		b = b[8+n:]
	}
	return out, nil
}

// insertKeyPairs adds the pairs of the row starting at id to the index.
func (s *Store) insertKeyPairs(ctx context.Context, tx *sql.Tx, id int64, pairs []keyPair) error {
	if len(pairs) == 0 {
		return nil
	}
	return s.insertKeys.exec(ctx, tx, len(pairs), func(i int, args []any) []any {
		return append(args, pairs[i].hash, id+int64(pairs[i].offset))
	})
}

// deleteKeyPairs removes the pairs of the row starting at id from the
// index.
func deleteKeyPairs(ctx context.Context, st *sql.Stmt, id int64, pairs []keyPair) error {
	for _, p := range pairs {
		if _, err := st.ExecContext(ctx, p.hash, id+int64(p.offset)); err != nil {
			return err
		}
	}
	return nil
}

const deleteKeyPairSQL = `DELETE FROM activity_keys WHERE hash = ? AND entry = ?`

// indexActivity indexes the activity rows logged before the key index
// existed (schema version 1): it runs once, in the migration to version 2.
func indexActivity(ctx context.Context, tx *sql.Tx) error {
	salt, err := loadSalt(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, entries FROM activity WHERE key_hashes IS NULL ORDER BY id`)
	if err != nil {
		return err
	}
	type indexed struct {
		id    int64
		pairs []keyPair
	}
	var all []indexed
	for rows.Next() {
		var (
			id     int64
			stored []byte
		)
		if err := rows.Scan(&id, &stored); err != nil {
			rows.Close()
			return err
		}
		plain, err := unpack(stored)
		if err != nil {
			continue // an unreadable row has no keys to index
		}
		var pairs []keyPair
		for i, e := range decodeEntries(plain) {
			pairs = appendEntryKeys(pairs, salt, i, &Activity{SourceKey: e.SourceKey, TargetID: e.TargetID})
		}
		all = append(all, indexed{id, pairs})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ins, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO activity_keys (hash, entry) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, r := range all {
		for _, p := range r.pairs {
			if _, err := ins.ExecContext(ctx, p.hash, r.id+int64(p.offset)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activity SET key_hashes = ? WHERE id = ?`, encodeKeyPairs([]byte{}, r.pairs), r.id); err != nil {
			return err
		}
	}
	return nil
}
