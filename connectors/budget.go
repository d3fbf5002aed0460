package connectors

import "time"

// Budget is one rate limit a connector paces its requests to: HubSpot's
// burst window, its search limit, its daily quota, one eAccounting
// endpoint's minute. Limit and Per are what the connector currently
// believes the API allows (adjusted from the API's rate-limit headers);
// Used counts the requests drawn on it since the connection was opened
// (for a quota, what the API says is used).
type Budget struct {
	Name  string        // "burst", "search", "daily", "GET customers"
	Limit int           // requests allowed per Per
	Per   time.Duration // the window or quota period
	Used  int
}

// Budgeted is implemented by connections that pace to rate budgets, so the
// engine and metrics can read how close a run is to each.
type Budgeted interface {
	Budgets() []Budget
}
