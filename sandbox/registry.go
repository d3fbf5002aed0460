package sandbox

import (
	"fmt"
	"log/slog"

	"github.com/kopla-dev/kopla/connectors/eaccounting/eaccountingtest"
	"github.com/kopla-dev/kopla/connectors/fakekit"
	"github.com/kopla-dev/kopla/connectors/hubspot/hubspottest"
)

// fakeSpec is how the sandbox starts one connector's fake.
type fakeSpec struct {
	kind string
	// addr is the host:port the fake listens on ("" = a free local port).
	addr func(Options) string
	// start builds the fake, seeded with its part of the demo data.
	start func(opts Options, d *demo, log *slog.Logger) (fakekit.Sandboxed, error)
}

// registry lists the sandboxed connector kinds, in start order. Adding a
// connector to the sandbox is its fake (implementing fakekit.Sandboxed)
// and one line here; see docs/connectors/README.md.
var registry = []fakeSpec{
	{kind: "hubspot", addr: func(o Options) string { return o.HubSpotAddr }, start: startHubSpot},
	{kind: "eaccounting", addr: func(o Options) string { return o.EAccountingAddr }, start: startEAccounting},
}

func startHubSpot(opts Options, d *demo, log *slog.Logger) (fakekit.Sandboxed, error) {
	hs := hubspottest.New(hubspottest.Options{Clock: opts.Clock, Logger: log, Limits: opts.Limits.HubSpot})
	if err := fakekit.SeedValue(hs, d.HubSpot); err != nil {
		return nil, fmt.Errorf("sandbox: seed hubspot: %w", err)
	}
	return hs, nil
}

func startEAccounting(opts Options, d *demo, log *slog.Logger) (fakekit.Sandboxed, error) {
	eaOpts := eaccountingtest.Options{
		Clock: opts.Clock, Logger: log,
		RateLimit: opts.Limits.EAccountingPerEndpoint, RateWindow: opts.Limits.EAccountingWindow,
		// A sandbox refresh token stays valid for the sandbox's life, so the
		// printed one works in every project and run (Visma's newer
		// identity clients behave the same way).
		ReusableRefreshTokens: true,
	}
	ea := eaccountingtest.New(eaOpts)
	if err := seedEAccounting(ea, d.EAccounting, eaOpts); err != nil {
		return nil, err
	}
	return ea, nil
}
