package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/engine/state"
)

// LockOptions configure LockState.
type LockOptions struct {
	// Holder describes this process in the lock ("kopla apply").
	Holder string
	// Timeout is how long to wait for another holder to let go; 0 fails at
	// once.
	Timeout time.Duration
	// Waiting, when set, is called once when the lock is held by another
	// process and LockState starts to wait for it.
	Waiting func(holder string, since time.Time)
	// TakenOver, when set, is called when LockState took over a stale lock
	// (its process gone, or its heartbeat expired), with the old holder
	// ("kopla apply, pid 12 on build-1") and why it was stale.
	TakenOver func(holder, reason string)
}

// StateLock is the state lock held by one apply: taken before its plan is
// made or read and held until its last write, so that no other apply plans
// or writes the same records in between.
type StateLock struct {
	unlock func() error
	st     *state.Store
}

// Lost reports whether the lock was found broken or taken over while held
// (its heartbeat could not renew it): the apply must stop writing.
func (l *StateLock) Lost() bool { return l != nil && l.st.LockLost() }

// LockState takes the state lock for an apply. The apply that takes it
// before it plans sees every write of the apply before it, and no other
// apply can write while it waits at its prompt: of two overlapping applies
// the second fails fast (or, with a timeout, waits and then plans what the
// first left to do).
func LockState(ctx context.Context, st *state.Store, opts LockOptions) (*StateLock, hcl.Diagnostics) {
	if st == nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No state", Detail: "Apply needs a state store."}}
	}
	if opts.Holder == "" {
		opts.Holder = "kopla apply"
	}
	var waiting func(*state.LockedError)
	if opts.Waiting != nil {
		waiting = func(le *state.LockedError) { opts.Waiting(le.Holder, le.Since) }
	}
	unlock, took, err := st.LockWaitTakingOver(ctx, opts.Holder, opts.Timeout, waiting)
	if err != nil {
		var locked *state.LockedError
		if errors.As(err, &locked) {
			detail := Sentence(err.Error())
			if opts.Timeout > 0 {
				detail += fmt.Sprintf(" This apply waited %s for it (-lock-timeout).", opts.Timeout)
			} else {
				detail += " To wait for it instead of failing, give apply -lock-timeout=DURATION, such as -lock-timeout=10m."
			}
			return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "State is locked", Detail: detail}}
		}
		return nil, ErrorDiagnostic("Cannot lock state", err)
	}
	if took != nil && opts.TakenOver != nil {
		opts.TakenOver(took.Old.String(), took.Reason)
	}
	return &StateLock{unlock: unlock, st: st}, nil
}

// Unlock releases the lock. It may be called more than once. It reports an
// error when someone broke the lock (kopla state unlock) while it was held:
// another apply may then have written at the same time.
func (l *StateLock) Unlock() hcl.Diagnostics {
	if l == nil {
		return nil
	}
	if err := l.unlock(); err != nil {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "State lock lost",
			Detail:   strings.TrimSuffix(Sentence(err.Error()), ".") + ": another apply may have run at the same time. Check the targets with kopla plan before the next apply.",
		}}
	}
	return nil
}
