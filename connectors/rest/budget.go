package rest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/kopla-dev/kopla/connectors"
)

// Margin is the share of a window a rolling budget keeps free, and
// MinMargin the least: the API counts a request when it arrives, the
// client when it sends it, and two requests' latencies differ. 1% keeps a
// run within 2% of the limit for windows of a second and more.
const (
	Margin    = 0.01
	MinMargin = 10 * time.Millisecond
)

// Limiter paces requests to one named budget.
//
// A rolling budget allows Limit requests in any window of Per, exactly as
// HubSpot and eAccounting count them: it remembers when its last Limit
// requests were sent and lets the next one go when the oldest has left the
// window (plus Margin). Unlike a token bucket sized below the limit it
// paces a long run at the limit itself, not at 80-90% of it.
//
// A quota budget (daily) does not pace: it refuses requests once the API
// said it is used up, until it resets.
type Limiter struct {
	name   string
	policy string // the API's name, for a RateLimitError

	mu    sync.Mutex
	limit int
	per   time.Duration
	quota bool
	sent  []time.Time // rolling: send times within the window, oldest first
	until time.Time   // no request before this (after a 429)
	used  int
	reset time.Time // quota: when it resets

	// shared, when set, is the budget other workers draw on too: a
	// request goes once both this window and the shared one allow it.
	shared  connectors.SharedBudgets
	key     string
	takeMu  sync.Mutex // one Take in flight per limiter: its grant serves all
	granted int        // requests granted by shared and not yet sent
	grantTo time.Time  // the grant's end
}

// NewLimiter returns a rolling budget of limit requests per window.
func NewLimiter(name string, limit int, per time.Duration) *Limiter {
	return &Limiter{name: name, limit: max(limit, 1), per: per}
}

// NewQuota returns a quota budget (limit per period) that refuses requests
// once exhausted; policy names it in the RateLimitError.
func NewQuota(name, policy string, limit int, per time.Duration) *Limiter {
	return &Limiter{name: name, policy: policy, limit: max(limit, 1), per: per, quota: true}
}

// Name returns the budget's name.
func (l *Limiter) Name() string { return l.name }

// SetLimit adopts the limit an API announces (rate-limit headers).
func (l *Limiter) SetLimit(limit int, per time.Duration) {
	if limit <= 0 || per <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit, l.per = limit, per
}

// Limit returns the current limit and window.
func (l *Limiter) Limit() (int, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit, l.per
}

// Sync adopts the API's count of what is left in the current window
// (X-HubSpot-RateLimit-Remaining) as seen by an answer to a request sent at
// sent: when the API counts more requests than this client sent (other
// clients of the same app or account), the difference is booked as if sent
// then, so the client does not run into 429s.
func (l *Limiter) Sync(remaining int, sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(sent)
	// Only the requests sent up to this one can have been counted.
	i := sort.Search(len(l.sent), func(i int) bool { return l.sent[i].After(sent) })
	if missing := (l.limit - remaining) - i; missing > 0 {
		extra := make([]time.Time, 0, len(l.sent)+missing)
		extra = append(extra, l.sent[:i]...)
		for range missing {
			extra = append(extra, sent)
		}
		l.sent = append(extra, l.sent[i:]...)
	}
}

// SetQuota adopts a quota's figures (X-HubSpot-RateLimit-Daily and
// -Daily-Remaining): used of limit, until reset.
func (l *Limiter) SetQuota(limit, used int, reset time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if limit > 0 {
		l.limit = limit
	}
	l.used, l.reset = used, reset
}

// Pause holds back every request of the budget until t (after a 429 that
// counts for all of them).
func (l *Limiter) Pause(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.quota && t.After(l.until) {
		l.until = t
	}
}

// pausedFor is how long a request must still wait after a pause.
func (l *Limiter) pausedFor(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until.Sub(now)
}

// prune drops the send times that left the window at now. The caller holds mu.
func (l *Limiter) prune(now time.Time) {
	cut := now.Add(-l.window())
	i := 0
	for i < len(l.sent) && !l.sent[i].After(cut) {
		i++
	}
	// Reslicing, not copying: append reallocates once the end is reached,
	// so a long window (60,000 a minute) costs O(1) per request.
	l.sent = l.sent[i:]
}

// window is the window paced to: Per plus the margin.
func (l *Limiter) window() time.Duration {
	return l.per + max(time.Duration(float64(l.per)*Margin), MinMargin)
}

// reserve books a request at now, or says how long until one may go.
func (l *Limiter) reserve(now time.Time) (time.Duration, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.quota {
		if l.used >= l.limit && now.Before(l.reset) {
			return 0, &connectors.RateLimitError{Policy: l.policy, Reset: l.reset}
		}
		l.used++
		return 0, nil
	}
	l.prune(now)
	if len(l.sent) < l.limit {
		l.sent = append(l.sent, now)
		l.used++
		return 0, nil
	}
	return l.sent[len(l.sent)-l.limit].Add(l.window()).Sub(now), nil
}

// wait blocks until a request may go and books it. Pacing uses the real
// clock: it is what the API counts in.
func (l *Limiter) wait(ctx context.Context) error {
	for {
		d, err := l.reserve(time.Now())
		if err != nil {
			return err
		}
		if d <= 0 {
			break
		}
		if err := pace(ctx, d); err != nil {
			return err
		}
	}
	if l.shared == nil || l.quota {
		return nil
	}
	for {
		d, err := l.take(ctx)
		if err != nil || d <= 0 {
			return err
		}
		if err := pace(ctx, d); err != nil {
			return err
		}
	}
}

// pace sleeps d, or fails at once when the context ends first.
func pace(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return &connectors.RateLimitError{Policy: "CLIENT", Reset: time.Now().Add(d),
			Err: context.DeadlineExceeded}
	}
	t := time.NewTimer(d)
	select {
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Share makes the budget one that other workers draw on too, under key.
// Quotas are not shared: the API reports what all clients used.
func (l *Limiter) Share(s connectors.SharedBudgets, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.shared, l.key = s, key
}

// take spends one request of the shared grant, asking the shared budget
// for more when it is spent or has ended, or says how long to wait.
func (l *Limiter) take(ctx context.Context) (time.Duration, error) {
	l.takeMu.Lock()
	defer l.takeMu.Unlock()
	l.mu.Lock()
	if l.granted > 0 && time.Now().Before(l.grantTo) {
		l.granted--
		l.mu.Unlock()
		return 0, nil
	}
	limit, window := l.limit, l.window()
	l.mu.Unlock()
	g, err := l.shared.Take(ctx, l.key, limit, window, shareBatch(limit))
	if err != nil {
		return 0, fmt.Errorf("budget %s: %w", l.name, err)
	}
	if g.N == 0 {
		return max(g.Wait, time.Millisecond), nil
	}
	if !time.Now().Before(g.Until) {
		// The answer came after the lease (a slow database): the grant
		// may no longer be used. Ask again.
		return time.Millisecond, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.granted, l.grantTo = g.N-1, g.Until
	return 0, nil
}

// shareBatch is how many requests a worker asks the shared budget for at
// a time: a few per database round trip, few enough that an idle or dead
// worker holds little of a window another could use.
func shareBatch(limit int) int {
	return min(max(limit/50, 1), 20)
}

// Budget reports the budget's state.
func (l *Limiter) Budget() connectors.Budget {
	l.mu.Lock()
	defer l.mu.Unlock()
	return connectors.Budget{Name: l.name, Limit: l.limit, Per: l.per, Used: l.used}
}
