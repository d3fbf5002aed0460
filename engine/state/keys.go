package state

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The key index (table activity_keys) lists, for each row of activity
// entries, every key its entries' records are known by (their source keys,
// their target ids and the keys the engine names in Activity.Keys: the
// e-mail, the order reference, the number the target assigned), as a
// 64-bit hash salted per state file with the offset of the entry, never as
// text: the index finds a person's entries quickly (kopla log -key, trace,
// forget) without adding another copy of an e-mail address to the file,
// and the salt keeps the hashes of two state files from being compared.
// The hash is an index, not a secret: whoever holds the file holds the
// salt.
//
// A list per row rather than a B-tree entry per key: an apply adds one
// index row per batch, at the end of the table, instead of inserting
// several keys per record at random places, which cost a third of the
// apply's time. A lookup reads the lists of the whole log (12 bytes a key,
// a few megabytes for a million entries) and decodes only the rows that
// hold the key.
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

// keyPair is one key of a row's list: a key hash and the offset of the
// entry in its row.
type keyPair struct {
	hash   int64
	offset int
}

// keyPairSize is the size of an encoded keyPair: the hash (8 bytes) and
// the offset (4 bytes), big endian.
const keyPairSize = 12

// appendEntryKeys appends the pairs of entry a, at offset i of its row:
// one per distinct key it is known by.
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

func encodeKeyPairs(b []byte, pairs []keyPair) []byte {
	for _, p := range pairs {
		b = binary.BigEndian.AppendUint64(b, uint64(p.hash))
		b = binary.BigEndian.AppendUint32(b, uint32(p.offset))
	}
	return b
}

func decodeKeyPairs(b []byte) ([]keyPair, error) {
	if len(b)%keyPairSize != 0 {
		return nil, errors.New("key index list: truncated")
	}
	out := make([]keyPair, 0, len(b)/keyPairSize)
	for ; len(b) > 0; b = b[keyPairSize:] {
		out = append(out, keyPair{int64(binary.BigEndian.Uint64(b)), int(binary.BigEndian.Uint32(b[8:]))})
	}
	return out, nil
}

// appendOffsetsOf appends the offsets of the entries of list (encoded
// pairs) that are known by hash.
func appendOffsetsOf(offs []int, list []byte, hash int64) []int {
	h := uint64(hash)
	for ; len(list) >= keyPairSize; list = list[keyPairSize:] {
		if binary.BigEndian.Uint64(list) == h {
			offs = append(offs, int(binary.BigEndian.Uint32(list[8:])))
		}
	}
	return offs
}

const insertKeysSQL = `INSERT INTO activity_keys (row, flow, hashes) VALUES (?, ?, ?)`

// entriesOfKey returns the IDs of the entries the key index lists for a
// key hash, newest first; flow, when not "", keeps those of one flow.
func entriesOfKey(ctx context.Context, q queryer, hash int64, flow string) ([]int64, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if flow == "" {
		rows, err = q.QueryContext(ctx, `SELECT row, hashes FROM activity_keys ORDER BY row DESC`)
	} else {
		rows, err = q.QueryContext(ctx, `SELECT row, hashes FROM activity_keys WHERE flow = ? ORDER BY row DESC`, flow)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		ids  []int64
		offs []int
		list sql.RawBytes
		row  int64
	)
	for rows.Next() {
		if err := rows.Scan(&row, &list); err != nil {
			return nil, err
		}
		offs = appendOffsetsOf(offs[:0], list, hash)
		slices.Sort(offs)
		for i := len(offs) - 1; i >= 0; i-- {
			ids = append(ids, row+int64(offs[i]))
		}
	}
	return ids, rows.Err()
}

// queryer is what a pool and a transaction offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// indexActivity indexes the activity rows logged before the key index
// existed (schema version 1): it runs once, in the migration to version 2.
func indexActivity(ctx context.Context, tx *sql.Tx) error {
	salt, err := loadSalt(ctx, tx)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, flow, entries FROM activity ORDER BY id`)
	if err != nil {
		return err
	}
	type indexed struct {
		id   int64
		flow string
		list []byte
	}
	var all []indexed
	for rows.Next() {
		var (
			r      indexed
			stored []byte
		)
		if err := rows.Scan(&r.id, &r.flow, &stored); err != nil {
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
		r.list = encodeKeyPairs([]byte{}, pairs)
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, r := range all {
		if _, err := tx.ExecContext(ctx, insertKeysSQL, r.id, r.flow, r.list); err != nil {
			return err
		}
	}
	return nil
}
