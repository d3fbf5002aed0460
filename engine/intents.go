package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
)

// SettleWindow is how long a create whose answer was lost may take to
// become visible in its target. eAccounting can commit a create after the
// client stopped waiting for the answer (a timeout while it still
// processes), so a record not found by key right after is not yet missing:
// its intent stays pending, and the record waits, until the intent is
// older than this. Only then is the record created again.
const SettleWindow = 10 * time.Minute

// reasonWaiting is what the plan and the apply say of a waiting record.
const reasonWaiting = "waiting: an earlier create may still be committing; kopla checks again on the next run"

// lostCreates are the creates of earlier runs whose answers were lost, as
// reconcileIntents left them: set before the flows are written, read-only
// afterwards.
type lostCreates struct {
	// waiting are not found yet and younger than SettleWindow: they are
	// not created in this run.
	waiting map[ref]bool
	// released are not found and created again in this run: cut off by an
	// interrupt or a crash, or waited for longer than SettleWindow. A
	// conflict then means the earlier create was stored after all.
	released map[ref]bool
}

// reconcileIntents settles writes a previous run sent without storing their
// answer: a create whose record exists (found by key) is linked instead of
// being created again; one whose record is not found stays pending, and
// waits, until its intent is older than SettleWindow.
func (a *applier) reconcileIntents(ctx context.Context) error {
	a.lost = lostCreates{waiting: map[ref]bool{}, released: map[ref]bool{}}
	pending, err := a.st.PendingIntents(ctx, "")
	if err != nil || len(pending) == 0 {
		return err
	}
	now := a.p.engine.opts.Now()
	var resolved []int64
	keep := map[int64][]string{}
	var links []state.Link
	for _, in := range pending {
		resolved = append(resolved, in.ID)
		f := a.p.flows[in.Flow]
		if f == nil || in.Action != string(plan.Create) || in.KeyValue == "" {
			continue
		}
		r := ref{in.Flow, in.SourceKey}
		recs, err := a.p.findIn(ctx, in.Object, in.KeyField, []any{in.KeyValue})
		if err != nil {
			return fmt.Errorf("look up %s %s=%q: %w", in.Object, in.KeyField, in.KeyValue, err)
		}
		switch m := matchByValue(recs, in.KeyField, []any{in.KeyValue})[in.KeyValue]; {
		case len(m) == 1:
			a.reconciled[r] = m[0].ID
			delete(a.lost.waiting, r)
			links = append(links, state.Link{Flow: in.Flow, SourceKey: in.SourceKey, TargetID: m[0].ID, KeyValue: in.KeyValue})
			a.p.engine.log.Info("reconciled interrupted create", "flow", in.Flow, "target", in.Object, "id", m[0].ID)
		case len(m) > 1:
			// Not ours to choose: the plan reports the key as ambiguous.
			a.p.engine.log.Warn("interrupted create matches several records", "flow", in.Flow, "target", in.Object, "records", len(m))
		case !in.Committing:
			// Cut off by an interrupt or a crash, or failed without a
			// sign that the target may still carry it out: it is created
			// again, as it is not found.
			a.lost.released[r] = true
		case now.Sub(in.CreatedAt) < SettleWindow:
			keep[in.ID] = append(keep[in.ID], in.SourceKey)
			a.lost.waiting[r] = true
			a.p.engine.log.Info("interrupted create not found yet; waiting for it", "flow", in.Flow, "target", in.Object, "since", in.CreatedAt)
		default:
			a.lost.released[r] = true
			a.p.engine.log.Warn("interrupted create still not found; creating it again", "flow", in.Flow, "target", in.Object, "since", in.CreatedAt, "settle_window", SettleWindow)
		}
	}
	for r := range a.lost.waiting {
		// A record both waiting (a newer intent) and found (an older
		// one) is found.
		if _, ok := a.reconciled[r]; ok {
			delete(a.lost.waiting, r)
		}
	}
	if err := a.st.PutLinks(ctx, links); err != nil {
		return err
	}
	// Intents of one journal entry share its ID and come in a row.
	return a.st.ResolveIntentsKeeping(ctx, slices.Compact(resolved), keep)
}

// waitingCreate reports whether the create ch must wait for an earlier
// create of the same record that may still be committing, and if so
// records it in rr. The caller holds a.mu.
func (a *applier) waitingCreate(f *flow, ch *plan.Change, rr *RecordResult) bool {
	r := ref{f.name, ch.SourceKey}
	if ch.Action != plan.Create || !a.lost.waiting[r] {
		return false
	}
	rr.Action = plan.Waiting
	rr.Error = reasonWaiting
	// What depends on it waits too: it is blocked, and read again.
	a.applied[r] = &appliedRecord{failed: true}
	return true
}

// linkConflicts turns the conflicts (409, "already exists") of creates
// whose earlier create was lost into the record that create stored, found
// by key: it committed after kopla gave up on it. Other conflicts stay
// what they are.
func (a *applier) linkConflicts(ctx context.Context, f *flow, target connectors.Writer, changes []*plan.Change, writes []connectors.Write, answers []connectors.WriteResult) {
	finder, ok := target.(connectors.Finder)
	if !ok || f.keyField == "" {
		return
	}
	for i, res := range answers {
		if res.Err == nil || !errors.Is(res.Err, connectors.ErrConflict) || writes[i].Action != connectors.Create ||
			!a.lost.released[ref{f.name, changes[i].SourceKey}] || changes[i].Key == nil {
			continue
		}
		key := changes[i].Key
		recs, err := finder.Find(ctx, f.keyField, []any{key})
		if err != nil {
			continue
		}
		if m := matchByValue(recs, f.keyField, []any{key})[stringOf(key)]; len(m) == 1 {
			a.p.engine.log.Info("create conflicted with the one an interrupted run sent; linked", "flow", f.name, "target", f.target.ref, "id", m[0].ID)
			answers[i] = connectors.WriteResult{Record: m[0]}
		}
	}
}

// createPending reports whether the flow's record sourceKey has a create
// whose answer was lost, not older than SettleWindow: the plan shows it as
// waiting, not as a create. The intents are read once per flow.
func (r *flowRun) createPending(ctx context.Context, sourceKey string) bool {
	if r.lostCreates == nil {
		r.lostCreates = map[string]bool{}
		if st := r.pl.opts.State; st != nil {
			pending, err := st.PendingIntents(ctx, r.f.name)
			if err != nil {
				// Apply reads them again and fails if it cannot.
				r.pl.p.engine.log.Warn("cannot read the pending creates", "flow", r.f.name, "err", err)
			}
			now := r.pl.p.engine.opts.Now()
			for _, in := range pending {
				if in.Action == string(plan.Create) && in.Committing && in.KeyValue != "" && now.Sub(in.CreatedAt) < SettleWindow {
					r.lostCreates[in.SourceKey] = true
				}
			}
		}
	}
	return r.lostCreates[sourceKey]
}

// createdSincePlan returns the keys of the batch's creates that exist in
// the target by now, when the apply rechecks creates (RecheckCreates): the
// plan found them missing, so another process created them since. Creates
// an interrupted run made (reconciled) are not asked for: they are linked;
// and so is a record found now whose create an interrupted run sent.
func (a *applier) createdSincePlan(ctx context.Context, f *flow, target connectors.Writer, batch []*plan.Change) (map[string]bool, error) {
	finder, ok := target.(connectors.Finder)
	if !a.opts.RecheckCreates || !ok || f.keyField == "" {
		return nil, nil
	}
	var keys []any
	sources := map[string]string{} // key -> source key
	a.mu.Lock()
	for _, ch := range batch {
		if ch.Action != plan.Create || ch.Key == nil {
			continue
		}
		if _, ok := a.reconciled[ref{f.name, ch.SourceKey}]; ok {
			continue
		}
		keys = append(keys, ch.Key)
		sources[stringOf(ch.Key)] = ch.SourceKey
	}
	a.mu.Unlock()
	if len(keys) == 0 {
		return nil, nil
	}
	recs, err := finder.Find(ctx, f.keyField, keys)
	if err != nil {
		return nil, fmt.Errorf("look up the records to create in %s again: %w", f.target.ref, err)
	}
	existing := map[string]bool{}
	a.mu.Lock()
	defer a.mu.Unlock()
	for key, m := range matchByValue(recs, f.keyField, keys) {
		r := ref{f.name, sources[key]}
		switch {
		case len(m) == 1 && (a.lost.waiting[r] || a.lost.released[r]):
			a.reconciled[r] = m[0].ID
		case len(m) > 0:
			existing[key] = true
		}
	}
	return existing, nil
}
