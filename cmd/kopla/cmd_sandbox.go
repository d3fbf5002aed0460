package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/kopla-dev/kopla/sandbox"
)

const sandboxUsage = `Usage: kopla [global options] sandbox [options]

  Run local fakes of HubSpot and Visma eAccounting with a demo company
  (contacts, companies, products, orders in several payment states;
  eAccounting's Swedish reference data, customers, articles and invoices)
  until interrupted (Ctrl-C). The fakes answer like the real APIs, with
  their paths, JSON, errors and rate limits; nothing leaves this machine.

  It prints the base URLs and credentials that point connections at them.
  kopla plan -sandbox and kopla apply -sandbox start a sandbox of their own
  instead, for one run.
`

const sandboxFlagUsage = "Run against a sandbox started for this run (local HubSpot and eAccounting fakes with demo data), with a state of its own: nothing leaves this machine."

const sandboxBadRecordUsage = "Like -sandbox, with the demo's deliberately bad record: order 4002's gift wrap line has a SKU longer than the 40 characters of an eAccounting article number, which the plan reports as an error."

type sandboxArgs struct {
	globalArgs
	hubspotAddr, eaccountingAddr string
	badRecord                    bool
}

func parseSandbox(args []string) (*sandboxArgs, *flagSet, error) {
	a := &sandboxArgs{}
	f := newFlagSet("sandbox")
	f.fs.StringVar(&a.hubspotAddr, "hubspot-addr", "", "Serve the HubSpot fake on `host:port` (default: a free port on 127.0.0.1).")
	f.fs.StringVar(&a.eaccountingAddr, "eaccounting-addr", "", "Serve the eAccounting fake (API and identity server) on `host:port` (default: a free port on 127.0.0.1).")
	f.fs.BoolVar(&a.badRecord, "bad-record", false, "Add the demo's deliberately bad record (order 4002's gift wrap line with a SKU too long for eAccounting).")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

// sandbox serves the fakes until ctx ends.
func (c *cli) sandbox(ctx context.Context, args []string) int {
	a, f, err := parseSandbox(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{HubSpotAddr: a.hubspotAddr, EAccountingAddr: a.eaccountingAddr, Logger: c.log, LookupEnv: c.lookupEnv, BadRecord: a.badRecord})
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: cannot start the sandbox: %s\n", err)
		return exitError
	}
	defer sb.Close()
	st := style{c.color()}
	fmt.Fprintf(c.stdout, "%s (Ctrl-C stops it)\n\n", st.bold("The kopla sandbox is running"))
	fmt.Fprintf(c.stdout, "  HubSpot      %s\n", sb.HubSpotURL())
	fmt.Fprintf(c.stdout, "  eAccounting  %s (identity server %s)\n\n", sb.EAccountingURL(), sb.IdentityURL())
	fmt.Fprintln(c.stdout, "Connection settings that point at it:")
	kind := ""
	for _, cr := range sb.Credentials() {
		if cr.Kind != kind {
			kind = cr.Kind
			fmt.Fprintf(c.stdout, "\n  connection %q:\n", kind)
		}
		fmt.Fprintf(c.stdout, "    %-13s = %q\n", cr.Setting, cr.Value)
	}
	fmt.Fprintln(c.stdout, "\nOr, for projects that read them with env() (as examples/webshop does):")
	fmt.Fprintln(c.stdout)
	for _, e := range sandboxExports(sb) {
		fmt.Fprintf(c.stdout, "  export %s=%q\n", e[0], e[1])
	}
	fmt.Fprintln(c.stdout, "\nThese are the fakes' own test credentials, not secrets of any real account.")
	<-ctx.Done()
	fmt.Fprintln(c.stdout, "\nStopping the sandbox.")
	return exitOK
}

// sandboxExports are the environment variables examples/webshop reads its
// connection settings from, set to the sandbox's.
func sandboxExports(sb *sandbox.Sandbox) [][2]string {
	names := map[string]string{
		"hubspot.base_url": "HUBSPOT_BASE_URL", "hubspot.token": "HUBSPOT_TOKEN",
		"eaccounting.base_url": "EACCOUNTING_BASE_URL", "eaccounting.identity_url": "EACCOUNTING_IDENTITY_URL",
		"eaccounting.client_id": "EACCOUNTING_CLIENT_ID", "eaccounting.client_secret": "EACCOUNTING_CLIENT_SECRET",
		"eaccounting.refresh_token": "EACCOUNTING_REFRESH_TOKEN",
	}
	var out [][2]string
	for _, cr := range sb.Credentials() {
		if name, ok := names[cr.Kind+"."+cr.Setting]; ok {
			out = append(out, [2]string{name, cr.Value})
		}
	}
	return out
}

// startSandbox starts a sandbox for one plan or apply: connections point at
// it, credentials come from it, and the state and connector files live in a
// temporary directory, so that nothing of the run mixes with the project's
// real state. The returned function stops it.
func (c *cli) startSandbox(ctx context.Context) (stop func(), ok bool) {
	return c.startDemoSandbox(ctx, false)
}

// startDemoSandbox is startSandbox, with the demo's deliberately bad record
// when badRecord is set (plan and apply -sandbox-bad-record).
func (c *cli) startDemoSandbox(ctx context.Context, badRecord bool) (stop func(), ok bool) {
	dir, err := os.MkdirTemp("", "kopla-sandbox-*")
	if err != nil {
		fmt.Fprintf(c.stderr, "Error: cannot start the sandbox: %s\n", err)
		return nil, false
	}
	sb, err := sandbox.Start(ctx, sandbox.Options{Logger: c.log, LookupEnv: c.lookupEnv, BadRecord: badRecord})
	if err != nil {
		os.RemoveAll(dir)
		fmt.Fprintf(c.stderr, "Error: cannot start the sandbox: %s\n", err)
		return nil, false
	}
	c.sb, c.sandboxDir = sb, dir
	fmt.Fprintf(c.stderr, "Running against the sandbox: HubSpot %s, eAccounting %s (demo data; nothing leaves this machine).\n",
		strings.TrimPrefix(sb.HubSpotURL(), "http://"), strings.TrimPrefix(sb.EAccountingURL(), "http://"))
	return func() {
		sb.Close()
		os.RemoveAll(dir)
		c.sb, c.sandboxDir = nil, ""
	}, true
}
