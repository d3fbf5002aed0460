package file

import "github.com/kopla-dev/kopla/connectors"

// writeBatchSize asks the engine for writes in batches this large: a Write
// call that updates rewrites the whole file, so small batches would rewrite
// a large file many times (creates are journaled), while huge ones would
// hold every record in memory. At
// 7,500 an apply of 100k records costs as little time as at 10,000 and
// peaks some 20 MB lower.
const writeBatchSize = 7_500

// WriteBatchSize implements connectors.WriteBatchSizer.
func (o *object) WriteBatchSize() int { return writeBatchSize }

var _ connectors.WriteBatchSizer = (*object)(nil)
