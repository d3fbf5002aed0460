package state

import (
	"context"
	"database/sql"
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

// purgeSome deletes up to purgeRows rows of entries recorded before cut,
// with their key index, and returns how many rows and entries it deleted.
func (s *Store) purgeSome(ctx context.Context, cut string) (rows, entries int64, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.QueryContext(ctx, `
DELETE FROM activity WHERE id IN (SELECT id FROM activity WHERE at < ? LIMIT ?) RETURNING id, n, key_hashes`, cut, purgeRows)
		if err != nil {
			return err
		}
		type purged struct {
			id    int64
			pairs []keyPair
		}
		var all []purged
		for res.Next() {
			var (
				id, n int64
				keys  []byte
			)
			if err := res.Scan(&id, &n, &keys); err != nil {
				res.Close()
				return err
			}
			pairs, err := decodeKeyPairs(keys)
			if err != nil {
				res.Close()
				return fmt.Errorf("activity row %d: %w", id, err)
			}
			rows++
			entries += n
			all = append(all, purged{id, pairs})
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
		del, err := tx.PrepareContext(ctx, deleteKeyPairSQL)
		if err != nil {
			return err
		}
		defer del.Close()
		for _, p := range all {
			if err := deleteKeyPairs(ctx, del, p.id, p.pairs); err != nil {
				return err
			}
		}
		return nil
	})
	return rows, entries, err
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
			for _, r := range batch {
				logged, err := s.hasEntries(ctx, tx, r)
				if err != nil || logged {
					return err
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

// hasEntries reports whether the activity log holds an entry of record r.
func (s *Store) hasEntries(ctx context.Context, tx *sql.Tx, r RecordRef) (bool, error) {
	ids, err := entriesOfKey(ctx, tx, keyHash(s.salt, r.SourceKey))
	if err != nil {
		return false, err
	}
	for _, id := range ids {
		var flow string
		err := tx.QueryRowContext(ctx, `SELECT flow FROM activity WHERE id <= ? ORDER BY id DESC LIMIT 1`, id).Scan(&flow)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return false, err
		}
		if flow == r.Flow {
			return true, nil
		}
	}
	return false, nil
}
