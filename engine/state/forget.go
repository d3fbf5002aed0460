package state

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/klauspost/compress/s2"
)

// Erasure is what [Store.Forget] removed.
type Erasure struct {
	// Records are the records whose data was removed.
	Records []RecordRef
	// Entries is how many activity entries were erased.
	Entries int
	// Links is how many links were deleted.
	Links int
	// PendingIntents are the writes in flight (the journal) that name one
	// of Records. They are kept: the next apply needs them to tell whether
	// a create whose answer was lost happened. Once it has reconciled them,
	// Forget again.
	PendingIntents []Intent
}

// Forget erases from the state the data of the records known by key (a
// person's e-mail address, a source or target id, an order reference):
// their activity entries, wherever they are in the log, and their links,
// in one transaction, overwriting what it deletes (secure_delete) and
// checkpointing the write-ahead log. It is the right to erasure (GDPR
// article 17) for what kopla keeps; the source and target systems hold
// their own copies. Records that only refer to the person (an order of a
// customer) are not erased: they are known by their own keys.
//
// A later apply that reads the record from its source again logs it anew:
// erase it in the source first.
func (s *Store) Forget(ctx context.Context, key string) (Erasure, error) {
	if normalizeKey(key) == "" {
		return Erasure{}, errors.New("state: forget: empty key")
	}
	var er Erasure
	err := s.secureDelete(ctx, func() (bool, error) {
		var err error
		er, err = s.forget(ctx, key)
		return er.Entries+er.Links > 0, err
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("state: forget %q: %w", key, err)
	}
	return er, nil
}

func (s *Store) forget(ctx context.Context, key string) (Erasure, error) {
	var er Erasure
	found := map[RecordRef]bool{}
	if err := s.recordsKnownBy(ctx, []string{key}, found); err != nil {
		return er, err
	}
	if len(found) == 0 {
		return er, nil
	}
	for r := range found {
		er.Records = append(er.Records, r)
	}
	slices.SortFunc(er.Records, func(a, b RecordRef) int { return strings.Compare(a.String(), b.String()) })
	// The entries to erase, by the row holding them.
	var ids []int64
	for _, r := range er.Records {
		acts, err := s.Activities(ctx, ActivityFilter{Flow: r.Flow, SourceKey: r.SourceKey})
		if err != nil {
			return er, err
		}
		for _, a := range acts {
			ids = append(ids, a.ID)
		}
	}
	slices.Sort(ids)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n, err := s.eraseEntries(ctx, tx, ids)
		if err != nil {
			return fmt.Errorf("erase activity: %w", err)
		}
		er.Entries = n
		for _, r := range er.Records {
			res, err := tx.ExecContext(ctx, `DELETE FROM links WHERE flow = ? AND source_key = ?`, r.Flow, r.SourceKey)
			if err != nil {
				return fmt.Errorf("delete links: %w", err)
			}
			d, _ := res.RowsAffected()
			er.Links += int(d)
			// A forgotten record is not read again for having failed.
			if _, err := tx.ExecContext(ctx, `DELETE FROM retries WHERE flow = ? AND source_key = ?`, r.Flow, r.SourceKey); err != nil {
				return fmt.Errorf("delete retries: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Erasure{}, err
	}
	pending, err := s.PendingIntents(ctx, "")
	if err != nil {
		return er, err
	}
	for _, in := range pending {
		if found[RecordRef{in.Flow, in.SourceKey}] || (in.KeyValue != "" && normalizeKey(in.KeyValue) == normalizeKey(key)) {
			er.PendingIntents = append(er.PendingIntents, in)
		}
	}
	return er, nil
}

// eraseEntries replaces the entries with the given IDs (sorted) by
// tombstones that keep their IDs and nothing else, removes them from the
// key index, and returns how many it erased.
func (s *Store) eraseEntries(ctx context.Context, tx *sql.Tx, ids []int64) (int, error) {
	erased := 0
	for len(ids) > 0 {
		var (
			rowID  int64
			n      int
			stored []byte
		)
		err := tx.QueryRowContext(ctx, `SELECT id, n, entries FROM activity WHERE id <= ? ORDER BY id DESC LIMIT 1`, ids[0]).
			Scan(&rowID, &n, &stored)
		if err != nil {
			return erased, fmt.Errorf("entry %d: %w", ids[0], err)
		}
		drop := map[int]bool{}
		for len(ids) > 0 && ids[0] < rowID+int64(n) {
			drop[int(ids[0]-rowID)] = true
			ids = ids[1:]
		}
		plain, err := unpack(stored)
		if err != nil {
			return erased, fmt.Errorf("activity row %d: %w", rowID, err)
		}
		lines := splitEntries(plain)
		if len(lines) != n {
			return erased, fmt.Errorf("activity row %d holds %d entries, not %d", rowID, len(lines), n)
		}
		tomb := appendEntry(nil, &Activity{Action: erasedAction})
		for i := range drop {
			lines[i] = tomb
		}
		packed, err := packLines(lines)
		if err != nil {
			return erased, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activity SET entries = ? WHERE id = ?`, packed, rowID); err != nil {
			return erased, err
		}
		var list []byte
		if err := tx.QueryRowContext(ctx, `SELECT hashes FROM activity_keys WHERE row = ?`, rowID).Scan(&list); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return erased, err
		}
		pairs, err := decodeKeyPairs(list)
		if err != nil {
			return erased, fmt.Errorf("activity row %d: %w", rowID, err)
		}
		pairs = slices.DeleteFunc(pairs, func(p keyPair) bool { return drop[p.offset] })
		if _, err := tx.ExecContext(ctx, `UPDATE activity_keys SET hashes = ? WHERE row = ?`, encodeKeyPairs([]byte{}, pairs), rowID); err != nil {
			return erased, err
		}
		erased += len(drop)
	}
	return erased, nil
}

// splitEntries returns the entries of a row's JSON array, one per line, as
// appendEntry wrote them.
func splitEntries(plain []byte) [][]byte {
	plain = bytes.TrimSuffix(bytes.TrimPrefix(plain, []byte("[")), []byte("]"))
	return bytes.Split(plain, []byte(",\n"))
}

// packLines is the inverse of splitEntries followed by unpack.
func packLines(lines [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := s2.NewWriter(&buf, s2.WriterConcurrency(1), s2.WriterBlockSize(activityBlock))
	buf.Grow(64 * len(lines))
	if _, err := zw.Write([]byte("[")); err != nil {
		return nil, err
	}
	if _, err := zw.Write(bytes.Join(lines, []byte(",\n"))); err != nil {
		return nil, err
	}
	if _, err := zw.Write([]byte("]")); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
