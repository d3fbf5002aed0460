package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/connectors/connectortest"
)

// The memory connector gives the plan and apply views what the file
// connector cannot: closed and sensitive schemas, record errors, skips,
// values known only after apply, failed writes and blocked records.

const shopProject = `
connection "memory" "crm" {}
connection "memory" "books" {}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  where  = "source.active"
  key    = "Email"
  fields {
    Email = "lower(trim(source.email))"
    Name  = "source.first + ' ' + source.last"
    Phone = "source.phone"
  }
  create_only {
    Note = "'imported'"
  }
}

flow "archive" {
  source = memory.crm.contacts
  target = memory.books.archive
  mode   = "create"
  key    = "Email"
  fields {
    Email = "lower(trim(source.email))"
  }
}

flow "orders" {
  source = memory.crm.orders
  target = memory.books.orders
  key    = "Reference"

  ensure "customer" {
    flow  = flow.customers
    input = "find(memory.crm.contacts, 'email', source.email)"
  }

  fields {
    Reference  = "'HS-' + source.ref"
    CustomerId = "ensured.customer.id"
    Amount     = "source.amount"
  }
}
`

func shopEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.write("shop.hcl", shopProject)
	s := e.store
	s.Define("crm", "contacts", connectors.Schema{Fields: []connectors.Field{
		{Name: "email", Type: connectors.TypeString, Key: true, Sensitive: true},
		{Name: "first", Type: connectors.TypeString},
		{Name: "last", Type: connectors.TypeString},
		{Name: "phone", Type: connectors.TypeString, Sensitive: true},
		{Name: "active", Type: connectors.TypeBool},
	}})
	s.Define("crm", "orders", connectors.Schema{Fields: []connectors.Field{
		{Name: "ref", Type: connectors.TypeString, Key: true},
		{Name: "email", Type: connectors.TypeString},
		{Name: "amount", Type: connectors.TypeNumber},
	}})
	s.Define("books", "customers", connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Email", Type: connectors.TypeString, Key: true, Unique: true, Sensitive: true},
		{Name: "Name", Type: connectors.TypeString, Required: true},
		{Name: "Phone", Type: connectors.TypeString, Sensitive: true},
		{Name: "Note", Type: connectors.TypeString},
	}})
	s.Define("books", "archive", connectors.Schema{Fields: []connectors.Field{
		{Name: "Email", Type: connectors.TypeString, Key: true},
	}})
	s.Define("books", "orders", connectors.Schema{Fields: []connectors.Field{
		{Name: "Id", Type: connectors.TypeString, ReadOnly: true},
		{Name: "Reference", Type: connectors.TypeString, Key: true},
		{Name: "CustomerId", Type: connectors.TypeString, Required: true},
		{Name: "Amount", Type: connectors.TypeNumber},
	}})
	contact := func(id, email, first, last string, active bool) connectors.Record {
		f := map[string]any{"email": email, "first": first, "last": last, "active": active, "phone": "+1 555 0100"}
		if first == "" {
			delete(f, "first")
		}
		return connectors.Record{ID: id, Fields: f}
	}
	s.Put("crm", "contacts",
		contact("c1", "ada@example.com", "Ada", "Lovelace", true),
		contact("c2", "bob@example.com", "Bob", "Stone", true),
		contact("c3", "cy@example.com", "Cy", "Off", false),
		contact("c4", "nofirst@example.com", "", "Nobody", true),
	)
	s.Put("crm", "orders",
		connectors.Record{ID: "o1", Fields: map[string]any{"ref": "1001", "email": "bob@example.com", "amount": 12.5}},
	)
	// Ada is a customer already, with her maiden name; she is archived too.
	s.Put("books", "customers", connectors.Record{ID: "k1", Fields: map[string]any{
		"Id": "k1", "Email": "ada@example.com", "Name": "Ada Byron", "Phone": "+1 555 0100", "Note": "VIP",
	}})
	s.Put("books", "archive", connectors.Record{ID: "a1", Fields: map[string]any{"Email": "ada@example.com"}})
	return e
}

func TestShopPlan(t *testing.T) {
	e := shopEnv(t)
	r := e.expect(exitError, "plan", "-no-color") // c4 cannot be planned
	golden(t, "shop_plan", r.stdout)
	r = e.expect(exitError, "plan", "-json")
	goldenJSON(t, "shop_plan", r.stdout)
	for _, m := range jsonLines(t, r.stdout) {
		ch, _ := m["change"].(map[string]any)
		if ch != nil && ch["flow"] == "customers" && ch["key"] != nil {
			t.Errorf("plan -json shows the sensitive key of a customer: %v", ch)
		}
	}
	if strings.Contains(r.stdout, "555") {
		t.Errorf("plan -json shows a sensitive phone number:\n%s", r.stdout)
	}
	r = e.expect(exitChanges, "plan", "-detailed-exitcode", "-flow", "archive")
	if !strings.Contains(r.stdout, "Plan: 3 to create, 0 to update, 0 unchanged, 1 to skip, 0 errors.") || strings.Contains(r.stdout, "customers") {
		t.Errorf("plan -flow archive:\n%s", r.stdout)
	}
	r = e.expect(exitError, "plan", "-flow", "ordres")
	if !strings.Contains(r.stdout, "Unknown flow") || !strings.Contains(r.stdout, `Did you mean "orders"?`) {
		t.Errorf("plan -flow ordres:\n%s", r.stdout)
	}
}

func TestShopApplyFailures(t *testing.T) {
	e := shopEnv(t)
	// Bob's customer record is refused: his order, which ensures it, is
	// blocked; the rest is written.
	e.store.FailWrite("books", "customers", func(w connectors.Write) error {
		if w.Fields["Email"] == "bob@example.com" {
			return &connectors.APIError{Service: "memory", Status: 400, Code: "VALIDATION", Message: "phone number refused",
				Fields: []connectors.FieldError{{Field: "Phone", Message: "invalid"}}}
		}
		return nil
	})
	r := e.expect(exitError, "apply", "-auto-approve", "-no-color")
	golden(t, "shop_apply_failures", r.stdout)
	r = e.expect(exitError, "apply", "-auto-approve", "-json")
	goldenJSON(t, "shop_apply_failures", r.stdout)
	msgs := jsonLines(t, r.stdout)
	if last := msgs[len(msgs)-1]; last["type"] != "summary" {
		t.Errorf("last JSON line = %v; want the summary", last)
	}
	if got := e.store.Records("books", "orders"); len(got) != 0 {
		t.Errorf("orders written = %v; want none (the order's customer failed)", got)
	}
}

func TestShopApplyOK(t *testing.T) {
	e := shopEnv(t)
	e.store.Put("crm", "contacts", connectors.Record{ID: "c4", Fields: map[string]any{"email": "nofirst@example.com", "first": "Nia", "last": "Nobody", "active": true}})
	r := e.expect(exitOK, "apply", "-auto-approve", "-no-color")
	golden(t, "shop_apply_ok", r.stdout)
	orders := e.store.Records("books", "orders")
	if len(orders) != 1 || orders[0].Fields["CustomerId"] == "" || orders[0].Fields["CustomerId"] == nil {
		t.Fatalf("orders = %v; want one with the id of Bob's new customer record", orders)
	}
	e.expect(exitOK, "plan", "-detailed-exitcode")
}

func TestApplyPromptNo(t *testing.T) {
	for _, answer := range []string{"no\n", "", "YES\n", "y\n"} {
		e := exampleEnv(t, "people")
		r := e.runIn(answer, "apply", "-no-color")
		if r.code != exitError || !strings.Contains(r.stdout, "Only 'yes' will be accepted") || !strings.Contains(r.stdout, "Apply cancelled") {
			t.Errorf("apply answered %q = exit %d; want 1 and cancelled:\n%s", answer, r.code, r.stdout)
		}
		if _, err := os.Stat(filepath.Join(e.dir, "out", "contacts.jsonl")); err == nil {
			t.Errorf("apply answered %q wrote out/contacts.jsonl", answer)
		}
	}
	e := exampleEnv(t, "people")
	r := e.runIn("yes\n", "apply", "-no-color")
	if r.code != exitOK || !strings.Contains(r.stdout, "Apply complete! 3 created") {
		t.Errorf("apply answered yes = exit %d:\n%s", r.code, r.stdout)
	}
}

func TestApplyProgressOnTerminal(t *testing.T) {
	e := exampleEnv(t, "people")
	e.terminal = true
	r := e.expect(exitOK, "apply", "-auto-approve", "-no-color")
	if !strings.Contains(r.stdout, "\r\x1b[KApplying people: 3/3") {
		t.Errorf("no progress line on a terminal:\n%q", r.stdout)
	}
	if strings.Contains(r.stdout, "\x1b[1m") {
		t.Errorf("-no-color output has colour:\n%q", r.stdout)
	}
	e = exampleEnv(t, "people")
	r = e.expect(exitOK, "apply", "-auto-approve")
	if strings.Contains(r.stdout, "Applying") || strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("progress or colour when stdout is not a terminal:\n%q", r.stdout)
	}
	// Colour on a terminal, unless NO_COLOR.
	e = exampleEnv(t, "people")
	e.terminal = true
	if r := e.expect(exitChanges, "plan", "-detailed-exitcode"); !strings.Contains(r.stdout, "\x1b[32m+\x1b[0m create") {
		t.Errorf("no colour on a terminal:\n%q", r.stdout)
	}
	e.vars["NO_COLOR"] = "1"
	if r := e.expect(exitChanges, "plan", "-detailed-exitcode"); strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour with NO_COLOR:\n%q", r.stdout)
	}
}

func TestPlanFlowFailure(t *testing.T) {
	e := shopEnv(t)
	e.store.FailCall("crm", "orders", connectortest.OpRead, errors.New("crm unavailable"))
	r := e.expect(exitError, "plan", "-out", "shop.plan", "-no-color")
	if !strings.Contains(r.stdout, "Error: Flow failed") || !strings.Contains(r.stdout, "crm unavailable") {
		t.Errorf("plan with a failing source:\n%s", r.stdout)
	}
	// The flows that could be planned are shown; the plan is not saved.
	if !strings.Contains(r.stdout, `# flow "customers"`) {
		t.Errorf("plan with a failing source does not show the other flows:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "shop.plan")); err == nil {
		t.Error("an incomplete plan was saved")
	}
	// apply -auto-approve writes each batch as it is planned: the flows
	// that can be planned are written, the failed one writes nothing.
	r = e.expect(exitError, "apply", "-auto-approve", "-json")
	msgs := jsonLines(t, r.stdout)
	var diag bool
	written := 0
	for _, m := range msgs {
		if m["type"] == "diagnostic" && m["@level"] == "error" {
			diag = true
		}
		if m["type"] == "apply_complete" {
			written++
			if rec, _ := m["record"].(map[string]any); rec["flow"] == "orders" {
				t.Errorf("the flow whose source failed wrote a record: %v", m)
			}
		}
	}
	if written == 0 {
		t.Errorf("apply -auto-approve with a failing source wrote none of the other flows:\n%s", r.stdout)
	}
	if !diag {
		t.Errorf("apply -json with a failing source has no error diagnostic:\n%s", r.stdout)
	}
}

func TestLogging(t *testing.T) {
	e := exampleEnv(t, "people")
	if r := e.expect(exitOK, "apply", "-auto-approve"); strings.Contains(r.stderr, "level=INFO") || strings.Contains(r.stderr, "level=DEBUG") {
		t.Errorf("stderr at the default level (warn) = %q; want warnings only", r.stderr)
	}
	e.vars["KOPLA_LOG"] = "debug"
	r := e.expect(exitOK, "plan")
	for _, want := range []string{"level=DEBUG msg=\"project loaded\"", "level=INFO msg=\"flow planned\" flow=people"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr with KOPLA_LOG=debug does not contain %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stdout, "level=") {
		t.Errorf("logs on stdout:\n%s", r.stdout)
	}
}

// A flow in create mode whose records all exist counts its skips by reason;
// -show-skipped lists every one.
func TestPlanManySkips(t *testing.T) {
	e := shopEnv(t)
	for i := range 14 {
		email := "p" + strconv.Itoa(i) + "@example.com"
		e.store.Put("crm", "contacts", connectors.Record{ID: "s" + strconv.Itoa(i), Fields: map[string]any{"email": email, "first": "P", "last": "Q", "active": false}})
		e.store.Put("books", "archive", connectors.Record{ID: "a-" + email, Fields: map[string]any{"Email": email}})
	}
	r := e.expect(exitChanges, "plan", "-flow", "archive", "-detailed-exitcode", "-no-color")
	if got := strings.Count(r.stdout, "- skip "); got != 0 {
		t.Errorf("plan lists %d skips; want none without -show-skipped:\n%s", got, r.stdout)
	}
	for _, want := range []string{"15 to skip (15 the target record exists (mode create never updates))", "15 skipped records not listed (kopla plan -show-skipped"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
	r = e.expect(exitChanges, "plan", "-flow", "archive", "-detailed-exitcode", "-no-color", "-show-skipped")
	if got := strings.Count(r.stdout, "- skip "); got != 15 {
		t.Errorf("plan -show-skipped lists %d skips; want 15:\n%s", got, r.stdout)
	}
	r = e.expect(exitChanges, "plan", "-flow", "archive", "-detailed-exitcode", "-json")
	if got := strings.Count(r.stdout, `"action":"skip"`); got != 15 {
		t.Errorf("plan -json lists %d skips; want 15", got)
	}
}

func TestApplyNoChanges(t *testing.T) {
	e := exampleEnv(t, "people")
	e.expect(exitOK, "apply", "-auto-approve")
	// Without -auto-approve: nothing to approve, so nothing is asked.
	r := e.expect(exitOK, "apply", "-no-color")
	// The file source has no cursor: each run reads it in full, and says so.
	if r.stdout != "Reads:\n  people  full: the source is read only in full\n\nNo changes. The targets match the sources.\n" {
		t.Errorf("apply with nothing to do printed:\n%s", r.stdout)
	}
	r = e.expect(exitOK, "apply", "-auto-approve", "-json")
	msgs := jsonLines(t, r.stdout)
	if n := len(msgs); n != 4 || msgs[1]["type"] != "flow_summary" || msgs[2]["operation"] != "plan" || msgs[3]["operation"] != "apply" {
		t.Errorf("apply -json with nothing to do printed:\n%s", r.stdout)
	}
}
