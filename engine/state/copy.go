package state

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// copyTables are the tables a copy carries, parents before children (the
// foreign keys hold at every insert), each ordered by its primary key,
// whose text columns sort bytewise on both databases. The lock is not
// copied: it belongs to the processes of one database. The secrets are:
// the salt keys the activity log's key index.
var copyTables = []struct {
	name, cols, order string
	binary            map[string]bool // BLOB / BYTEA columns
}{
	{name: "runs", cols: "id, command, config_digest, started_at, finished_at, status, counts, pid, host", order: "id"},
	{name: "links", cols: "id, flow, source_key, target_id, key_value, field_hashes, updated_at", order: "id"},
	{name: "cursors", cols: "flow, cursor, updated_at", order: "flow"},
	{name: "intents", cols: "id, run_id, created_at, intents", order: "id"},
	{name: "activity", cols: "id, n, run_id, at, flow, entries", order: "id", binary: map[string]bool{"entries": true}},
	{name: "activity_keys", cols: "row, flow, hashes", order: "row", binary: map[string]bool{"hashes": true}},
	{name: "secrets", cols: "name, value", order: "name", binary: map[string]bool{"value": true}},
	{name: "notify_states", cols: "notify, rule, flow, status, since, count, last_success, pending, updated_at",
		order: "notify, rule, flow", binary: map[string]bool{"pending": true}},
}

// TableCopy is what a copy carried of one table.
type TableCopy struct {
	Table string
	Rows  int64
	// Checksum is the SHA-256 of the table's rows in key order, the same
	// for the same values on SQLite and Postgres.
	Checksum string
}

// CopyTo copies the whole state into dst, which must hold no state yet
// (a new file or schema: Open creates it), in one transaction of dst, and
// then verifies it: per table, the rows and checksum read back from dst
// must be those read from s. The caller holds both states' locks, so that
// no apply writes either meanwhile. It returns the figures per table.
func (s *Store) CopyTo(ctx context.Context, dst *Store) ([]TableCopy, error) {
	if err := dst.checkEmpty(ctx); err != nil {
		return nil, err
	}
	src, err := s.r.BeginTx(ctx, s.snapshotOptions())
	if err != nil {
		return nil, fmt.Errorf("state: copy: %w", err)
	}
	defer src.Rollback()
	var sums []TableCopy
	err = dst.inTx(ctx, func(tx *sql.Tx) error {
		// The new state's own salt gives way to the copied one.
		if _, err := tx.ExecContext(ctx, `DELETE FROM secrets`); err != nil {
			return err
		}
		for _, t := range copyTables {
			sum, err := copyTable(ctx, src, tx, t.name, t.cols, t.order, t.binary)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.name, err)
			}
			sums = append(sums, sum)
		}
		if dst.pg != nil {
			// Rows came with their IDs: the identities go on after them.
			for _, t := range []string{"runs", "links", "intents"} {
				if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), (SELECT max(id) FROM `+t+`))`); err != nil {
					return fmt.Errorf("table %s: continue its IDs: %w", t, err)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("state: copy: %w (nothing was copied)", err)
	}
	if dst.pg != nil {
		// Statistics for the planner now, not at autovacuum's next round:
		// without them lookups by key scan a flow's links.
		if _, err := dst.w.ExecContext(ctx, `ANALYZE links, runs, intents, activity, activity_keys`); err != nil {
			return sums, fmt.Errorf("state: copy: analyze: %w", err)
		}
	}
	if dst.salt, err = loadSalt(ctx, dst.r); err != nil {
		return sums, fmt.Errorf("state: copy: %w", err)
	}
	got, err := dst.Checksums(ctx)
	if err != nil {
		return sums, fmt.Errorf("state: copy: verify: %w", err)
	}
	var bad []string
	for i, g := range got {
		if g != sums[i] {
			bad = append(bad, fmt.Sprintf("%s: %d rows, checksum %s copied; %d rows, checksum %s read back",
				g.Table, sums[i].Rows, sums[i].Checksum[:12], g.Rows, g.Checksum[:12]))
		}
	}
	if bad != nil {
		return sums, fmt.Errorf("state: copy: the copy differs from its source (%s): remove the copy and try again", strings.Join(bad, "; "))
	}
	return sums, nil
}

// Checksums reads every copied table and returns its rows and checksum.
func (s *Store) Checksums(ctx context.Context) ([]TableCopy, error) {
	tx, err := s.r.BeginTx(ctx, s.snapshotOptions())
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var out []TableCopy
	for _, t := range copyTables {
		sum, err := copyTable(ctx, tx, nil, t.name, t.cols, t.order, t.binary)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.name, err)
		}
		out = append(out, sum)
	}
	return out, nil
}

// snapshotOptions are those of a read transaction that sees one state
// throughout: SQLite's always does; Postgres's needs REPEATABLE READ.
func (s *Store) snapshotOptions() *sql.TxOptions {
	if s.pg != nil {
		return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// checkEmpty refuses a state that holds anything a copy would add to.
func (s *Store) checkEmpty(ctx context.Context) error {
	var full []string
	for _, t := range copyTables {
		if t.name == "secrets" {
			continue
		}
		var n int64
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t.name).Scan(&n); err != nil {
			return fmt.Errorf("state: copy: count %s: %w", t.name, err)
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s has %d rows", t.name, n))
		}
	}
	if full != nil {
		return fmt.Errorf("state: copy: the target already holds a state (%s): copy into a new file or schema", strings.Join(full, ", "))
	}
	return nil
}

// copyTable reads a table from src in key order, checksums its rows and,
// when dst is not nil, inserts them there.
func copyTable(ctx context.Context, src, dst *sql.Tx, table, cols, order string, binaryCols map[string]bool) (TableCopy, error) {
	names := strings.Split(cols, ", ")
	rows, err := src.QueryContext(ctx, `SELECT `+cols+` FROM `+table+` ORDER BY `+order)
	if err != nil {
		return TableCopy{}, err
	}
	defer rows.Close()
	var ins *sql.Stmt
	if dst != nil {
		if ins, err = dst.PrepareContext(ctx, `INSERT INTO `+table+` (`+cols+`) VALUES (`+placeholders(len(names))+`)`); err != nil {
			return TableCopy{}, err
		}
		defer ins.Close()
	}
	vals := make([]any, len(names))
	ptrs := make([]any, len(names))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	h := sha256.New()
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return TableCopy{}, err
		}
		for i, v := range vals {
			// Each database hands text and bytes back as it stored them
			// (SQLite may keep '' in a BLOB column as text): the column's
			// type decides what is written and hashed.
			switch x := v.(type) {
			case string:
				if binaryCols[names[i]] {
					vals[i] = []byte(x)
				}
			case []byte:
				if !binaryCols[names[i]] {
					vals[i] = string(x)
				} else {
					vals[i] = append([]byte{}, x...)
				}
			}
			if err := hashValue(h, vals[i]); err != nil {
				return TableCopy{}, fmt.Errorf("column %s: %w", names[i], err)
			}
		}
		if ins != nil {
			if _, err := ins.ExecContext(ctx, vals...); err != nil {
				return TableCopy{}, fmt.Errorf("row %d: %w", n+1, err)
			}
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return TableCopy{}, err
	}
	return TableCopy{Table: table, Rows: n, Checksum: hex.EncodeToString(h.Sum(nil))}, nil
}

// hashValue writes v to h with its kind and length, so that no two rows
// of different values hash alike.
func hashValue(h hash.Hash, v any) error {
	var kind byte
	var b []byte
	switch x := v.(type) {
	case nil:
		kind = 'n'
	case int64:
		kind, b = 'i', strconv.AppendInt(nil, x, 10)
	case string:
		kind, b = 't', []byte(x)
	case []byte:
		kind, b = 'b', x
	default:
		return errors.New("unexpected value of type " + fmt.Sprintf("%T", v))
	}
	var l [9]byte
	l[0] = kind
	binary.BigEndian.PutUint64(l[1:], uint64(len(b)))
	h.Write(l[:])
	h.Write(b)
	return nil
}
