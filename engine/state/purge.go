package state

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"time"
)

// purgeRows bounds each purge transaction, so that a long purge does not
// hold the write lock against a running apply. A row holds one batch of an
// apply: up to some thousands of entries.
const purgeRows = 20

// minimizeChunk bounds the links one transaction of minimizeLinks checks.
const minimizeChunk = 1000

// Purge deletes the activity entries recorded before before, the retention
// limit, with their key index, and returns how many it deleted. The links
// whose records then have no entry left in the log lose their key value
// and field hashes (the e-mail address a contact was matched by, digests
// of personal values that could be found again by trying candidates): a
// link kept beyond the retention period holds the two records' ids only,
// which is all later plans need. Runs (commands, digests, counts) hold no
// personal data and are kept. Deleted data is overwritten in the file
// (secure_delete) and the write-ahead log is checkpointed, so that it does
// not linger on disk.
func (s *Store) Purge(ctx context.Context, before time.Time) (int64, error) {
	cut := formatTime(before)
	var total int64
	err := s.secureDelete(ctx, func() (bool, error) {
		for {
			rows, entries, err := s.purgeSome(ctx, cut)
			if err != nil {
				return total > 0, err
			}
			total += entries
			if rows < purgeRows {
				break
			}
		}
		if total == 0 {
			// Links age out of the log with their last entries: with none
			// purged, none has lost its last one.
			return false, nil
		}
		n, err := s.minimizeLinks(ctx, cut)
		return total+n > 0, err
	})
	if err != nil {
		return total, fmt.Errorf("state: purge: %w", err)
	}
	return total, nil
}

// secureDelete runs fn, which deletes personal data, with the deleted
// content overwritten in full, free pages included (the rest of the time
// the writer zeroes only what costs no extra I/O, secure_delete FAST), and
// checkpoints the write-ahead log afterwards when fn reports it deleted
// something. The writer is a single connection, so the pragma holds for
// fn's statements.
func (s *Store) secureDelete(ctx context.Context, fn func() (deleted bool, err error)) error {
	if s.pg != nil {
		// Postgres has no secure_delete: deleted rows stay in the table's
		// pages until autovacuum reuses them (docs/scale.md).
		_, err := fn()
		return err
	}
	if _, err := s.w.ExecContext(ctx, `PRAGMA secure_delete = ON`); err != nil {
		return err
	}
	defer s.w.ExecContext(context.WithoutCancel(ctx), `PRAGMA secure_delete = FAST`)
	deleted, err := fn()
	if deleted {
		// Busy readers may keep part of the log; that is no error, the next
		// checkpoint takes the rest.
		var busy, logFrames, done int
		if cerr := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); cerr != nil && err == nil {
			err = fmt.Errorf("checkpoint: %w", cerr)
		}
	}
	return err
}

// purgeSome deletes up to purgeRows rows of entries recorded before cut
// (their key index goes with them, ON DELETE CASCADE) and returns how many
// rows and entries it deleted.
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

// minimizeLinks drops the key value and field hashes of the links last
// written before cut whose records have no entry left in the activity
// log, and returns how many it changed.
func (s *Store) minimizeLinks(ctx context.Context, cut string) (int64, error) {
	var (
		total int64
		after RecordRef
	)
	for {
		var batch []RecordRef
		rows, err := s.w.QueryContext(ctx, `
SELECT flow, source_key FROM links
WHERE updated_at < ? AND (key_value <> '' OR field_hashes <> '{}') AND (flow, source_key) > (?, ?)
ORDER BY flow, source_key LIMIT ?`, cut, after.Flow, after.SourceKey, minimizeChunk)
		if err != nil {
			return total, err
		}
		for rows.Next() {
			var r RecordRef
			if err := rows.Scan(&r.Flow, &r.SourceKey); err != nil {
				rows.Close()
				return total, err
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, err
		}
		if len(batch) == 0 {
			return total, nil
		}
		after = batch[len(batch)-1]
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			logged, err := s.logged(ctx, tx, batch)
			if err != nil {
				return err
			}
			for _, r := range batch {
				if logged[r] {
					continue
				}
				res, err := tx.ExecContext(ctx, `UPDATE links SET key_value = '', field_hashes = '{}' WHERE flow = ? AND source_key = ?`, r.Flow, r.SourceKey)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				total += n
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("minimise links: %w", err)
		}
		if len(batch) < minimizeChunk {
			return total, nil
		}
	}
}

// logged reports which of the records have an entry in the activity log,
// reading the key index once.
func (s *Store) logged(ctx context.Context, tx *sql.Tx, records []RecordRef) (map[RecordRef]bool, error) {
	byHash := map[uint64][]RecordRef{}
	for _, r := range records {
		h := uint64(keyHash(s.salt, r.SourceKey))
		byHash[h] = append(byHash[h], r)
	}
	rows, err := tx.QueryContext(ctx, `SELECT flow, hashes FROM activity_keys`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[RecordRef]bool{}
	var (
		flow string
		list sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&flow, &list); err != nil {
			return nil, err
		}
		for b := []byte(list); len(b) >= keyPairSize; b = b[keyPairSize:] {
			for _, r := range byHash[binary.BigEndian.Uint64(b)] {
				if r.Flow == flow {
					out[r] = true
				}
			}
		}
	}
	return out, rows.Err()
}
