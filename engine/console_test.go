package engine

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/connectors"
)

const consoleFlow = customersFlow + `
variable "rate_code" {
  default = "MP1"
}

lookup "codes" {
  values = { standard = "MP1" }
}

function "label" {
  params = ["code"]
  expr   = "'VAT ' + code"
}
`

func TestConsoleEval(t *testing.T) {
	h := newHarness(t, consoleFlow)
	h.store.Put("books", "vatcodes",
		connectors.Record{ID: "v1", Fields: map[string]any{"Code": "MP1", "Rate": 25.0}},
		connectors.Record{ID: "v2", Fields: map[string]any{"Code": "MP2", "Rate": 12.0}},
		connectors.Record{ID: "v3", Fields: map[string]any{"Code": "MP3", "Rate": 6.0}},
	)
	con := h.project().NewConsole()
	for _, tc := range []struct {
		src  string
		want any
	}{
		{"var.rate_code", "MP1"},
		{"label(lookup('codes', 'standard'))", "VAT MP1"},
		{"find(memory.books.vatcodes, 'Code', var.rate_code).Rate", 25.0},
		// A find whose value comes from another find takes a second round.
		{"find(memory.books.vatcodes, 'Code', find(memory.books.vatcodes, 'Code', 'MP2').Code).id", "v2"},
		{"find(memory.books.vatcodes, 'Code', 'MP9')", nil},
		{"map(sample(memory.books.vatcodes, 2), #.Code)", []any{"MP1", "MP2"}},
		{"len(sample(memory.books.vatcodes, 100))", 3},
	} {
		got, err := con.Eval(t.Context(), tc.src)
		if err != nil {
			t.Errorf("Eval(%s): %v", tc.src, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Eval(%s) (-want +got):\n%s", tc.src, diff)
		}
	}
}

func TestConsoleErrors(t *testing.T) {
	h := newHarness(t, consoleFlow)
	con := h.project().NewConsole()
	for _, tc := range []struct {
		src     string
		column  int
		summary string
		detail  string
	}{
		{"var.rate_cod", 5, "Unknown field", `There is no variable "rate_cod". Did you mean "rate_code"?`},
		{"find(memory.books.vatcode, 'Code', 'MP1')", 19, "Unknown object", `The connection memory.books has no object "vatcode" (objects: customers, orders, vatcodes). Did you mean "vatcodes"?`},
		{"source.email", 1, "Invalid expression", "Unknown name source."},
		{"lookup('code', 'x')", 1, "Expression failed", `There is no lookup "code" (lookups: codes).`},
		{"sample(memory.books.vatcodes, 0)", 1, "Expression failed", "Sample reads 1 to 100 records, not 0."},
		{"sample(memory.books.vatcodes, 1, ['rows'])", 1, "Expression failed", `memory.books.vatcodes has no include "rows"; it has none.`},
	} {
		_, err := con.Eval(t.Context(), tc.src)
		var ee *ExprError
		if !errors.As(err, &ee) {
			t.Errorf("Eval(%s) = %v; want an *ExprError", tc.src, err)
			continue
		}
		if ee.Line != 1 || ee.Column != tc.column || ee.Summary != tc.summary || ee.Detail != tc.detail {
			t.Errorf("Eval(%s) = %d:%d %q %q; want 1:%d %q %q", tc.src, ee.Line, ee.Column, ee.Summary, ee.Detail, tc.column, tc.summary, tc.detail)
		}
	}
}
