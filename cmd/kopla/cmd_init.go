package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

const initUsage = `Usage: kopla [global options] init [options]

  Prepare the project: for each connection whose system has account-specific
  objects and fields (custom properties, reference data), read them from the
  live account and cache them in .kopla/, so that validate and plan know
  them. Run it again after changing the accounts.

  The flow libraries the project uses declare what they need of the
  accounts (requires blocks: custom properties, reference data).
  -check reports, per connection, what the live accounts lack and exits
  with 1 when something lacks; -create creates the missing HubSpot
  properties, each in its object's property group, after showing them
  and asking for approval (or with -auto-approve), and then initializes.
`

func (c *cli) init(ctx context.Context, args []string) int {
	a, f, err := parseInit(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return exitError
	}
	defer p.Close()
	if a.check || a.create {
		code, ok := c.checkRequirements(ctx, p, a)
		if !ok || a.check {
			return code
		}
	}
	fmt.Fprintln(c.stdout, "Initializing connections...")
	// The warnings of the compile before discovery are said again by the
	// compile after it, unless they are gone (a property now discovered).
	warnings := diags
	diags = nil
	var discovered []string
	for _, key := range p.Connections() {
		conn, err := p.Connector(ctx, key)
		if err != nil {
			diags = append(diags, engine.ErrorDiagnostic("Cannot open connection "+key, err)...)
			fmt.Fprintf(c.stdout, "- %s: cannot open\n", key)
			continue
		}
		d, ok := conn.(connectors.Discoverer)
		if !ok {
			fmt.Fprintf(c.stdout, "- %s: nothing to discover (objects: %s)\n", key, objectList(p.ConnectionObjects(key)))
			continue
		}
		if err := d.Discover(ctx); err != nil {
			diags = append(diags, engine.ErrorDiagnostic("Cannot discover connection "+key, err)...)
			fmt.Fprintf(c.stdout, "- %s: discovery failed\n", key)
			continue
		}
		discovered = append(discovered, key)
	}
	if len(discovered) > 0 {
		// Compiling again reads what the connectors cached.
		p2, _, cdiags := c.compile()
		diags = append(diags, cdiags...)
		for _, key := range discovered {
			objs := "?"
			if p2 != nil {
				objs = objectList(p2.ConnectionObjects(key))
			}
			fmt.Fprintf(c.stdout, "- %s: discovered and cached (objects: %s)\n", key, objs)
		}
		if p2 != nil {
			p2.Close()
		}
	} else {
		diags = append(warnings, diags...)
	}
	if len(diags) > 0 {
		fmt.Fprintln(c.stdout)
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
	}
	if diags.HasErrors() {
		return exitError
	}
	st := style{c.color()}
	fmt.Fprintf(c.stdout, "\n%s Run kopla plan to see what would change.\n", st.bold(st.green("kopla has been initialized!")))
	return exitOK
}

func objectList(names []string) string {
	if len(names) == 0 {
		return "none yet"
	}
	return strings.Join(names, ", ")
}

const loginUsage = `Usage: kopla [global options] login [options] CONNECTION

  Sign in to a connection (kind.name, such as hubspot.shop) with OAuth2:
  kopla prints the address to open in a browser, waits for the redirect,
  and stores the tokens in .kopla/, readable only by you.
`

func (c *cli) login(ctx context.Context, args []string) int {
	a, f, err := parseLogin(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	// With serve's workers on Postgres, the token is stored for them too.
	if u := c.sharedURL(""); isPostgresURL(u) {
		closeShared, err := c.useShared(ctx, u)
		if err != nil {
			dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot open the workers' shared store", err), nil, c.color())
			return exitError
		}
		defer closeShared()
	}
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return exitError
	}
	defer p.Close()
	conn, err := p.Connector(ctx, a.connection)
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot open connection", err), nil, c.color())
		return exitError
	}
	lf, ok := conn.(connectors.LoginFlow)
	if !ok {
		dsl.WriteDiagnostics(c.stdout, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "No login needed",
			Detail:   fmt.Sprintf("The connection %s does not sign in with kopla login: its settings in the connection block are all it needs.", a.connection),
		}}, nil, c.color())
		return exitError
	}
	if err := lf.Login(ctx, connectors.LoginUI{Out: c.stdout, ListenAddr: a.listen}); err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Login failed", err), nil, c.color())
		return exitError
	}
	fmt.Fprintf(c.stdout, "Logged in to %s.\n", a.connection)
	return exitOK
}
