// Package engine compiles a loaded project (dsl.Config) against the connector
// schemas, plans what would change, and applies plans. It owns kopla's
// semantics: matching by key, diffing, create-only fields, modes, ensure
// dependencies, batching, state and the activity log.
package engine

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// Options configure an Engine.
type Options struct {
	Registry *connectors.Registry
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient is handed to connectors; nil lets each build its own.
	HTTPClient *http.Client
	// LookupEnv reads environment variables for env() in connection blocks;
	// nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ConnectionConfig, when set, may replace the settings of a connection
	// after they are decoded (the sandbox points connections at the fakes).
	ConnectionConfig func(c *dsl.Connection, decoded connectors.Config) connectors.Config
	// BatchSize is the number of records the engine handles at a time per
	// flow (reads, finds, writes); 0 means 500.
	BatchSize int
	// StateDir is where connectors keep their files (tokens, discovered
	// schemas); "" means the project's .kopla directory.
	StateDir string
	// Budgets and Tokens, when set, are shared by the project's workers:
	// every connection paces to the same rate budgets and refreshes its
	// OAuth token under a lock (connectors.Deps).
	Budgets connectors.SharedBudgets
	Tokens  connectors.SharedTokens
}

// Engine runs projects. It holds no per-project state: Compile returns a
// Project that does.
type Engine struct {
	opts Options
	log  *slog.Logger
}

// New returns an engine.
func New(opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Registry == nil {
		opts.Registry = connectors.NewRegistry()
	}
	return &Engine{opts: opts, log: opts.Logger}
}

// Validate compiles the project and returns every problem found, without
// touching the network.
func (e *Engine) Validate(cfg *dsl.Config) hcl.Diagnostics {
	_, diags := e.Compile(cfg)
	return diags
}

// contextError turns a cancelled context into a diagnostic.
func contextError(ctx context.Context) hcl.Diagnostics {
	if err := ctx.Err(); err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Interrupted", Detail: err.Error()}}
	}
	return nil
}

// ErrorDiagnostic turns an error into a diagnostic without a source range,
// its message as the detail sentence.
func ErrorDiagnostic(summary string, err error) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: Sentence(err.Error())}}
}

// Sentence makes an error message a sentence: capitalised, unless it starts
// with a lower-case name ("hubspot: ...", "eaccounting: ..."), and ended
// with a period.
func Sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	if word, _, ok := strings.Cut(msg, " "); !ok || !strings.HasSuffix(word, ":") {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
