package notify_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine/plan"
	"github.com/kopla-dev/kopla/engine/state"
	"github.com/kopla-dev/kopla/notify"
)

// How kopla serve wires a Notifier: the blocks (with their secrets) when it
// starts, a report after each run, a check every minute.
func Example() {
	ctx := context.Background()
	cfg, diags := dsl.Load("/srv/shop", dsl.Options{})
	if diags.HasErrors() {
		return
	}
	blocks, diags := notify.Blocks(cfg, nil)
	if diags.HasErrors() {
		return // such as an unset environment variable: refuse to start
	}
	store, err := state.Open(ctx, filepath.Join(cfg.Dir, cfg.Settings.State))
	if err != nil {
		return
	}
	defer store.Close()
	var flows []string
	for name, f := range cfg.Flows {
		if f.Enabled {
			flows = append(flows, name)
		}
	}
	slices.Sort(flows)
	n, err := notify.New(blocks, notify.Options{
		Project: filepath.Base(cfg.Dir),
		Flows:   flows,
		Store:   store,
		Logger:  slog.Default(),
		Command: "kopla -chdir /srv/shop",
	})
	if err != nil {
		return
	}
	// After each run of a flow:
	_ = n.RunFinished(ctx, notify.RunReport{
		Flow:    "paid_orders",
		RunID:   42,
		Started: time.Now().Add(-time.Minute),
		Ended:   time.Now(),
		Counts:  plan.Counts{Create: 3, Error: 1},
		Failed: []notify.FailedRecord{{
			Label: `order 4002 "#1043"`, SourceKey: "4002", Key: "HS-4002", Field: "CustomerId",
			Service: "eaccounting", Status: 400, Code: "4000", Message: "Customer not found",
		}},
	})
	// Periodically:
	_ = n.Check(ctx, time.Now())
}
