package connectors

import (
	"context"
	"time"
)

// SharedBudgets books requests on rate budgets that several kopla
// processes draw on (workers of one project on one database), so that N
// workers together never send more than one respects. Keys name one
// budget of one account: "eaccounting.books/GET customers".
type SharedBudgets interface {
	// Take books up to n requests on the budget key, which allows limit
	// requests in any window. It grants between 0 and n; granted requests
	// must be sent before Grant.Until, or are lost. With none granted,
	// Grant.Wait says how long until one may be.
	Take(ctx context.Context, key string, limit int, window time.Duration, n int) (Grant, error)
}

// Grant is what SharedBudgets.Take granted.
type Grant struct {
	N     int           // requests granted
	Until time.Time     // by the local clock: send them before this
	Wait  time.Duration // when N is 0: until the next may be granted
}

// SharedTokens keeps OAuth tokens for several kopla processes and lets one
// of them at a time refresh a token: a rotating refresh token redeemed
// twice kills the connection. Tokens are opaque bytes (the connector's
// JSON).
type SharedTokens interface {
	// Load returns the token stored under key, nil when none is.
	Load(ctx context.Context, key string) ([]byte, error)
	// Update runs fn holding key's lock, with the token stored now (nil
	// when none); what fn returns is stored when it is not nil and fn
	// succeeds, before the lock is released.
	Update(ctx context.Context, key string, fn func(stored []byte) ([]byte, error)) error
}
