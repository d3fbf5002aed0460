package main

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

const verifyUsage = `Usage: kopla [global options] verify [options]

  Reconcile the books: for every document kopla has booked (the orders,
  invoice drafts and invoices the state links to the flows whose target
  verifies documents, disabled flows included), read it from the target
  and compare the totals it stores (net, VAT, gross, currency) with the
  totals the connector computes from its rows, as apply does after each
  create. Lists the documents that differ by more than the rounding of the
  currency, and those that no longer exist. Exits 1 when any does.
`

type verifyArgs struct {
	globalArgs
	json    bool
	flows   []string
	sandbox bool
}

func parseVerify(args []string) (*verifyArgs, *flagSet, error) {
	a := &verifyArgs{}
	f := newFlagSet("verify")
	f.fs.BoolVar(&a.json, "json", false, "Print JSON lines (machine-readable).")
	f.fs.StringArrayVar(&a.flows, "flow", nil, "Verify only the documents of flow `NAME` (repeatable).")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, sandboxFlagUsage)
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

func (c *cli) verify(ctx context.Context, args []string) int {
	a, f, err := parseVerify(args)
	if code, ok := c.parsed(f, &a.globalArgs, err); !ok {
		return code
	}
	if a.sandbox {
		stop, ok := c.startSandbox(ctx)
		if !ok {
			return exitError
		}
		defer stop()
	}
	var js *jsonStream
	if a.json {
		js = &jsonStream{w: c.stdout, now: c.now}
		js.version(c.version)
	}
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		c.verifyDiagnostics(js, diags, cfg)
		return exitError
	}
	defer p.Close()
	st, sdiags := c.openState(ctx, cfg, true)
	diags = append(diags, sdiags...)
	if sdiags.HasErrors() {
		c.verifyDiagnostics(js, diags, cfg)
		return exitError
	}
	if st == nil {
		if js != nil {
			js.emit("info", "summary", "No state yet: nothing has been booked.", map[string]any{"operation": "verify", "documents": 0, "mismatches": 0})
		} else {
			fmt.Fprintf(c.stdout, "No state yet: nothing has been applied in this project (%s).\n", stateAbsent(cfg))
		}
		return exitOK
	}
	defer st.Close()
	docs, vdiags := p.VerifyBooked(ctx, engine.VerifyOptions{State: st, Flows: a.flows})
	diags = append(diags, vdiags...)
	if len(diags) > 0 {
		c.verifyDiagnostics(js, diags, cfg)
	}
	keys := keyFields(p)
	failed := 0
	styled := style{c.color()}
	if js == nil {
		fmt.Fprintln(c.stdout, "Verifying the documents kopla booked...")
	}
	for i := range docs {
		d := &docs[i]
		if !d.Failed() {
			continue
		}
		failed++
		label := fmt.Sprintf("%s %s (%s, target %s)", d.Flow, d.SourceKey, keyLabel(keys[d.Flow], keyValue(p, d.Flow, keys[d.Flow], d.Key)), d.TargetID)
		msg := "the document no longer exists in the target"
		if !d.Missing {
			msg = d.Verification.Message()
		}
		if js != nil {
			js.emit("error", "verification_failed", label+": "+msg, map[string]any{"document": d})
			continue
		}
		if failed == 1 {
			fmt.Fprintln(c.stdout)
		}
		fmt.Fprintf(c.stdout, "  %s %s: %s\n", styled.red("!"), label, msg)
	}
	summary := fmt.Sprintf("%s: %s, %d reconcile, %s.", "Verified", countOf(len(docs), "booked document"), len(docs)-failed, plural(failed, "mismatch", "mismatches"))
	if js != nil {
		js.emit("info", "summary", summary, map[string]any{"operation": "verify", "documents": len(docs), "mismatches": failed})
	} else {
		fmt.Fprintln(c.stdout)
		switch {
		case failed > 0:
			fmt.Fprintln(c.stdout, styled.bold(styled.red(summary))+" Check these documents in the target.")
		case len(docs) == 0:
			fmt.Fprintln(c.stdout, "Nothing to verify: no flow has booked a document whose totals the target can verify.")
		default:
			fmt.Fprintln(c.stdout, styled.bold(styled.green(summary)))
		}
	}
	if failed > 0 || diags.HasErrors() {
		return exitError
	}
	return exitOK
}

// verifyDiagnostics prints diagnostics in the view's form.
func (c *cli) verifyDiagnostics(js *jsonStream, diags hcl.Diagnostics, cfg *dsl.Config) {
	if js != nil {
		js.diagnostics(diags, cfg.Files)
		return
	}
	dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
}

// keyLabel is "YourReference HS-1001", or "no key" when unknown.
func keyLabel(field, value string) string {
	if field == "" || value == "-" {
		return "no key"
	}
	return field + " " + value
}
