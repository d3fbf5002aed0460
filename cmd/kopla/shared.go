package main

import (
	"context"
	"strings"

	"github.com/kopla-dev/kopla/connectors/pgshare"
)

// sharedURL is the Postgres database the workers of kopla serve share
// (queue, rate budgets, OAuth tokens): flag (-queue), else KOPLA_QUEUE,
// else the state's URL when the state is on Postgres; "" when none.
func (c *cli) sharedURL(flag string) string {
	if flag != "" {
		return flag
	}
	if v, _ := c.lookupEnv("KOPLA_QUEUE"); v != "" {
		return v
	}
	if cfg, _ := c.load(); cfg != nil && cfg.Settings != nil && isPostgresURL(cfg.Settings.State) {
		return cfg.Settings.State
	}
	return ""
}

// useShared makes the connections the engine opens share their rate
// budgets and tokens in the database at url; call before compile.
func (c *cli) useShared(ctx context.Context, url string) (closeShared func(), err error) {
	sh, err := pgshare.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	c.shared = sh
	return func() {
		c.shared = nil
		sh.Close()
	}, nil
}

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}
