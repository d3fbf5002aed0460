package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kopla-dev/kopla/engine/plan"
)

// wholeRecordUpdater is a target whose updates replace whole records
// (eAccounting's PUT): the connector merges the fields written into the
// current record. The plan keeps the target record it read for each update
// (plan.Change.Target), and apply hands it to the write while it is fresh
// (connectors.Write.Current), which saves the connector a read per update.
type wholeRecordUpdater interface {
	ReplacesWholeRecords() bool
}

func replacesWholeRecords(target any) bool {
	w, ok := target.(wholeRecordUpdater)
	return ok && w.ReplacesWholeRecords()
}

// freshRead is how long the plan's read of a target record stands for the
// record itself at apply. Past it (an apply that waited long at its prompt,
// a long run's last batches), the connector reads the record again before
// it merges. A saved plan's read is checked whole when the apply starts
// (see staleBatch), and is fresh from then.
const freshRead = 5 * time.Minute

// targetKey names a record of a target object.
type targetKey struct{ object, id string }

// current returns the record an update merges into, as the plan read it,
// when that read is fresh: nil for any other target, or when the record
// may have changed since (a saved plan whose record changed in a field the
// flow does not write, another flow of this apply wrote it, the read is
// too old). a.mu is held.
func (a *applier) current(f *flow, target any, ch *plan.Change) map[string]any {
	if ch.Action != plan.Update || len(ch.Target) == 0 || !replacesWholeRecords(target) {
		return nil
	}
	k := targetKey{f.target.ref, ch.TargetID}
	if a.changedSincePlan[k] || a.written[k] || a.p.engine.opts.Now().Sub(a.readAt) > freshRead {
		return nil
	}
	var rec map[string]any
	if err := json.Unmarshal(ch.Target, &rec); err != nil {
		return nil // the connector reads it
	}
	if _, ok := rec["id"]; ok {
		if _, real := f.target.schema.Field("id"); !real {
			delete(rec, "id") // added for expressions (withID)
		}
	}
	return rec
}

// markWritten records that a whole-record target's record was written in
// this apply: a later update of it (by another flow) reads it again. a.mu
// is held.
func (a *applier) markWritten(f *flow, target any, id string) {
	if id != "" && replacesWholeRecords(target) {
		a.written[targetKey{f.target.ref, id}] = true
	}
}

// sameRecord reports whether the record the plan read (its Target) still
// holds what the target holds now, every field.
func sameRecord(planned json.RawMessage, now map[string]any) bool {
	var rec map[string]any
	if err := json.Unmarshal(planned, &rec); err != nil {
		return false
	}
	delete(rec, "id")
	for k, v := range rec {
		if !valuesEqual(v, now[k]) {
			return false
		}
	}
	for k, v := range now {
		if _, ok := rec[k]; !ok && k != "id" && !valuesEqual(nil, v) {
			return false
		}
	}
	return true
}

// lockRecords waits until no other batch writes any of the records ids of a
// whole-record target, and takes them: two merges of one record at the
// same time would each overwrite what the other wrote. All are taken at
// once, so two batches never wait for each other.
func (s *scheduler) lockRecords(ctx context.Context, object string, ids []string) error {
	for {
		s.mu.Lock()
		var busy chan struct{}
		for _, id := range ids {
			if c := s.busy[targetKey{object, id}]; c != nil {
				busy = c
				break
			}
		}
		if busy == nil {
			c := make(chan struct{})
			for _, id := range ids {
				s.busy[targetKey{object, id}] = c
			}
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		select {
		case <-busy:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// unlockRecords gives back what lockRecords took.
func (s *scheduler) unlockRecords(object string, ids []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var c chan struct{}
	for _, id := range ids {
		k := targetKey{object, id}
		if c == nil {
			c = s.busy[k]
		}
		delete(s.busy, k)
	}
	if c != nil {
		close(c)
	}
}
