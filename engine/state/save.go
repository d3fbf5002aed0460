package state

import (
	"context"
	"database/sql"
	"fmt"
)

// Batch is what an apply stores after one batch of writes: the links of the
// records written, their activity, and the resolution of the batch's
// intents.
type Batch struct {
	Links      []Link
	Activities []Activity
	// Intents is the journal entry of the batch's intents (0 for none).
	// Save resolves them all but those of Pending.
	Intents int64
	// Pending are the source keys of the intents whose outcome is still
	// unknown (a write lost without an answer): they stay in the journal
	// for the next apply to reconcile.
	Pending []string
	// Committing are those of Pending whose answer was lost while the
	// target may still carry the write out (Intent.Committing).
	Committing []string
}

// Save stores a batch in one transaction: the same as PutLinks, LogActivity
// and ResolveIntents in turn, but all or nothing, so that an intent is
// never resolved without its link, and with one commit instead of three.
func (s *Store) Save(ctx context.Context, b Batch) error {
	if len(b.Links)+len(b.Activities) == 0 && b.Intents == 0 {
		return nil
	}
	if err := checkLinks(b.Links); err != nil {
		return fmt.Errorf("state: save: %w", err)
	}
	if err := checkActivities(b.Activities); err != nil {
		return fmt.Errorf("state: save: activity %w", err)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.putLinks(ctx, tx, b.Links); err != nil {
			return fmt.Errorf("links: %w", err)
		}
		if err := s.logActivity(ctx, tx, b.Activities); err != nil {
			return fmt.Errorf("activity: %w", err)
		}
		if err := s.resolveIntents(ctx, tx, b.Intents, b.Pending, b.Committing); err != nil {
			return fmt.Errorf("resolve intents: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("state: save: %w", err)
	}
	return nil
}
