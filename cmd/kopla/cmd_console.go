package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

const consoleUsage = `Usage: kopla [global options] console [options]

  Evaluate expressions as flow files write them, one per line, with the
  project's variables (var.x), lookups (lookup('terms', 'net_30')),
  functions and the built-ins, and with the live connections: find()
  looks records up (find(eaccounting.books.vatcodes, 'Code', 'MP1')), and
  sample(object, n) reads the first n records of an object, with the
  includes named by an optional third argument
  (sample(hubspot.shop.orders, 3, ['line_items'])).

  Results print as JSON. Records are shown in full, personal data
  included: the console shows what you ask for.

  Input may be piped (echo "find(...)" | kopla console): each line is one
  expression, and an error names its line and column; the exit code is 1
  when an expression failed. Lines that are empty or start with # are
  skipped. At a terminal, Ctrl-D leaves the console.
`

type consoleArgs struct {
	globalArgs
	sandbox bool
}

func parseConsole(args []string) (*consoleArgs, *flagSet, error) {
	a := &consoleArgs{}
	f := newFlagSet("console")
	f.fs.BoolVar(&a.sandbox, "sandbox", false, "Run against a sandbox started for this run (local HubSpot and eAccounting fakes with demo data): nothing leaves this machine.")
	f.globals(&a.globalArgs)
	err := f.parseFlags(args)
	return a, f, err
}

// consoleMaxLine bounds one line of input (a long expression pasted in).
const consoleMaxLine = 1 << 20

func (c *cli) console(ctx context.Context, args []string) int {
	a, f, err := parseConsole(args)
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
	p, cfg, diags := c.compile()
	if diags.HasErrors() {
		dsl.WriteDiagnostics(c.stdout, diags, cfg.Files, c.color())
		return exitError
	}
	defer p.Close()
	con := p.NewConsole()
	interactive := c.isTerminal(c.stdin)
	st := style{c.color()}
	if interactive {
		fmt.Fprintln(c.stdout, "kopla console: one expression per line, as flow files write them; find() and sample() read the connections. Ctrl-D leaves.")
	}
	sc := bufio.NewScanner(c.stdin)
	sc.Buffer(make([]byte, 0, 64<<10), consoleMaxLine)
	failed := false
	for n := 1; ; n++ {
		if interactive {
			fmt.Fprint(c.stdout, "> ")
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		v, err := con.Eval(ctx, line)
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintln(c.stderr, "Interrupted.")
				return exitError
			}
			failed = true
			writeConsoleError(c.stdout, st, n, line, err, interactive)
			continue
		}
		fmt.Fprintln(c.stdout, consoleValue(v))
	}
	if interactive {
		fmt.Fprintln(c.stdout)
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(c.stderr, "Error: cannot read the input: %s\n", err)
		return exitError
	}
	if failed && !interactive {
		return exitError
	}
	return exitOK
}

// writeConsoleError shows a failed expression: where (the input line and
// the column), what, and the line with a caret under the column.
func writeConsoleError(w io.Writer, st style, n int, line string, err error, interactive bool) {
	var ee *engine.ExprError
	if !errors.As(err, &ee) {
		// A connection failed (find, sample): nothing in the line is wrong.
		fmt.Fprintf(w, "%s %s\n", st.red("Error:"), engine.Sentence(err.Error()))
		return
	}
	where := ""
	if !interactive {
		where = fmt.Sprintf("<stdin>:%d:%d: ", n, ee.Column)
	}
	fmt.Fprintf(w, "%s %s%s: %s\n", st.red("Error:"), where, ee.Summary, ee.Detail)
	if ee.Line == 1 {
		col := min(max(ee.Column, 1), utf8.RuneCountInString(line)+1)
		fmt.Fprintf(w, "  %s\n  %s^\n", line, strings.Repeat(" ", col-1))
	}
}

// consoleValue formats a result as indented JSON, map keys sorted.
func consoleValue(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
