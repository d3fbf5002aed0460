package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// rowSizes are the numbers of rows the multi-row statements of a
// rowInserter carry, largest first: a batch of n rows takes n/100
// statements of 100 rows, then tens, then single rows. Binding a hundred
// rows per statement costs far less than a hundred statement executions.
var rowSizes = []int{100, 10, 1}

// rowInserter inserts rows with multi-row statements prepared once.
type rowInserter struct {
	cols  int
	stmts map[int]*sql.Stmt // by number of rows
}

// newRowInserter prepares, on db, head followed by n copies of tuple and
// then tail, for each n in rowSizes; tuple has cols placeholders.
func newRowInserter(ctx context.Context, db *sql.DB, head, tuple string, cols int, tail string) (*rowInserter, error) {
	ins := &rowInserter{cols: cols, stmts: map[int]*sql.Stmt{}}
	for _, n := range rowSizes {
		q := head + " VALUES " + strings.TrimSuffix(strings.Repeat(tuple+",", n), ",") + " " + tail
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			ins.Close()
			return nil, fmt.Errorf("prepare %d-row insert: %w", n, err)
		}
		ins.stmts[n] = st
	}
	return ins, nil
}

// exec inserts n rows within tx; fill appends the cols values of row i to
// args and returns it.
func (ins *rowInserter) exec(ctx context.Context, tx *sql.Tx, n int, fill func(i int, args []any) []any) error {
	return ins.run(ctx, tx, n, fill, func(st *sql.Stmt, args []any) error {
		_, err := st.ExecContext(ctx, args...)
		return err
	})
}

// run splits n rows into statements of rowSizes rows and calls do for each
// with the statement, bound to tx, and its arguments.
func (ins *rowInserter) run(ctx context.Context, tx *sql.Tx, n int, fill func(i int, args []any) []any,
	do func(st *sql.Stmt, args []any) error) error {
	args := make([]any, 0, min(n, rowSizes[0])*ins.cols)
	bound := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range bound {
			st.Close()
		}
	}()
	for i := 0; i < n; {
		size := 1
		for _, s := range rowSizes {
			if s <= n-i {
				size = s
				break
			}
		}
		args = args[:0]
		for j := i; j < i+size; j++ {
			args = fill(j, args)
		}
		st, ok := bound[size]
		if !ok {
			st = tx.StmtContext(ctx, ins.stmts[size])
			bound[size] = st
		}
		if err := do(st, args); err != nil {
			if size == 1 {
				return fmt.Errorf("row %d: %w", i, err)
			}
			return fmt.Errorf("rows %d to %d: %w", i, i+size-1, err)
		}
		i += size
	}
	return nil
}

// Close releases the prepared statements.
func (ins *rowInserter) Close() {
	if ins == nil {
		return
	}
	for _, st := range ins.stmts {
		st.Close()
	}
}

// inStatement runs a statement with an IN list of keys, prepared once for
// each of keySizes. A chunk of k keys uses the smallest size that holds k,
// padded with repeats of its last key (IN ignores repeats), so no call
// compiles SQL.
type inStatement struct {
	stmts map[int]*sql.Stmt
}

// keySizes are the IN-list sizes of an inStatement, largest first.
var keySizes = []int{linksChunk, 125, 25, 5}

// newInStatement prepares query(n) on db for each n in keySizes; query(n)
// must end its parameters with n placeholders for the keys.
func newInStatement(ctx context.Context, db *sql.DB, query func(n int) string) (*inStatement, error) {
	q := &inStatement{stmts: map[int]*sql.Stmt{}}
	for _, n := range keySizes {
		st, err := db.PrepareContext(ctx, query(n))
		if err != nil {
			q.Close()
			return nil, fmt.Errorf("prepare %d-key statement: %w", n, err)
		}
		q.stmts[n] = st
	}
	return q, nil
}

// Close releases the prepared statements.
func (q *inStatement) Close() {
	if q == nil {
		return
	}
	for _, st := range q.stmts {
		st.Close()
	}
}

// eachIn calls do, within tx, for each chunk of keys with the statement of
// its size and its arguments: fixed, then the keys.
func eachIn[K any](ctx context.Context, tx *sql.Tx, q *inStatement, fixed []any, keys []K,
	do func(st *sql.Stmt, args []any) error) error {
	bound := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range bound {
			st.Close()
		}
	}()
	args := make([]any, 0, len(fixed)+min(len(keys), keySizes[0]))
	return chunks(keys, keySizes[0], func(c []K) error {
		size := keySizes[0]
		for _, n := range keySizes {
			if n >= len(c) {
				size = n
			}
		}
		args = append(args[:0], fixed...)
		for _, k := range c {
			args = append(args, k)
		}
		for len(args) < len(fixed)+size {
			args = append(args, c[len(c)-1])
		}
		st, ok := bound[size]
		if !ok {
			st = tx.StmtContext(ctx, q.stmts[size])
			bound[size] = st
		}
		return do(st, args)
	})
}
