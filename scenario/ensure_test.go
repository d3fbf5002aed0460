package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kopla-dev/kopla/connectors/file"
	"github.com/kopla-dev/kopla/engine/plan"
)

// contactBatchReads is the key of the fake's counter of contact batch
// reads, the calls a Get of contacts by id costs.
const contactBatchReads = "POST /crm/objects/2026-03/contacts/batch/read"

// withRows adds to the world's project a file connection "rows" whose
// object "rows" holds the given rows (JSON Lines), and the flow files.
func (w *world) withRows(rows []map[string]any, files map[string]string) {
	w.t.Helper()
	if err := w.reg.Register(file.New()); err != nil {
		w.t.Fatal(err)
	}
	dir := filepath.Join(w.dir, "rows")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		w.t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		line, err := json.Marshal(r)
		if err != nil {
			w.t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "rows.jsonl"), []byte(b.String()), 0o644); err != nil {
		w.t.Fatal(err)
	}
	files["rows_connection.hcl"] = `connection "file" "rows" {
  dir = "rows"
  key = "ref"
}
`
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(w.dir, name), []byte(src), 0o644); err != nil {
			w.t.Fatal(err)
		}
	}
}

// seedContacts adds n contacts to the HubSpot fake.
func (w *world) seedContacts(n int) {
	w.t.Helper()
	var objs []map[string]any
	for i := range n {
		objs = append(objs, map[string]any{"properties": map[string]string{
			"email": fmt.Sprintf("bulk%d@example.com", i), "firstname": "Bulk", "lastname": fmt.Sprint(i), "lifecyclestage": "customer",
			"address": "Storgatan 1", "zip": "111 22", "city": "Stockholm", "country": "Sweden",
		}})
	}
	seed, err := json.Marshal(map[string]any{"objects": map[string]any{"contacts": objs}})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.sb.HubSpot().Seed(strings.NewReader(string(seed))); err != nil {
		w.t.Fatal(err)
	}
}

// TestEnsureByIDReadsAsTheFlowReads: a flow ensuring contacts_to_customers
// by contact id hands that flow the contact exactly as its own read gives
// it (same fields, same includes, same record id), and N ids cost
// ceil(N/100) batch reads of contacts, however often an id repeats.
func TestEnsureByIDReadsAsTheFlowReads(t *testing.T) {
	w := newWorld(t)
	w.vars["customer_lifecycle_stages"] = `["customer"]`
	w.seedContacts(180)
	contacts := w.sb.HubSpot().Objects("contacts")
	var rows []map[string]any
	for i, c := range contacts {
		rows = append(rows, map[string]any{"ref": fmt.Sprint(i), "contact": c.ID})
	}
	rows = append(rows, map[string]any{"ref": "again", "contact": contacts[0].ID})
	w.withRows(rows, map[string]string{"by_id.hcl": `
flow "customers_by_id" {
  source = file.rows.rows
  target = file.rows.numbers
  key    = "ref"
  ensure "customer" {
    flow = flow.contacts_to_customers
    id   = "source.contact"
  }
  fields {
    ref    = "source.ref"
    number = "string(ensured.customer?.CustomerNumber ?? '')"
  }
}
`})

	w.sb.HubSpot().ResetCounters()
	_, byRef := w.plan("customers_by_id")
	want := (len(contacts) + 99) / 100
	if got := w.sb.HubSpot().Requests(contactBatchReads); got != want {
		t.Errorf("contact batch reads for %d ensured ids = %d; want %d", len(contacts), got, want)
	}
	_, read := w.plan("contacts_to_customers")

	readSources := map[string]string{}
	for ch := range read.Flow("contacts_to_customers").Changes() {
		readSources[ch.SourceKey] = string(ch.Source)
	}
	compared := 0
	for ch := range byRef.Flow("contacts_to_customers").Changes() {
		if ch.Action == plan.Error {
			t.Errorf("ensured contact %s: %s", ch.SourceKey, ch.Reason)
			continue
		}
		src, ok := readSources[ch.SourceKey]
		if !ok {
			t.Errorf("contact %s is %s when ensured and has no change when read", ch.SourceKey, ch.Action)
			continue
		}
		if src != string(ch.Source) {
			t.Errorf("contact %s ensured as\n%s\nread as\n%s", ch.SourceKey, ch.Source, src)
		}
		compared++
	}
	if compared < len(contacts)/2 {
		t.Errorf("compared %d contacts; want most of the %d", compared, len(contacts))
	}
	// The ensured customers are the customers of the rows, once each.
	if n := byRef.Flow("contacts_to_customers").Len(); n > len(contacts) {
		t.Errorf("contacts_to_customers has %d changes for %d contacts", n, len(contacts))
	}
}

// TestSyntheticInputNeverClearsAField: an ensure that builds a contact
// without a phone updates the customer it matches without clearing the
// telephone eAccounting holds.
func TestSyntheticInputNeverClearsAField(t *testing.T) {
	w := newWorld(t)
	w.vars["customer_lifecycle_stages"] = `["customer"]`
	var email, id string
	for _, rid := range sortedKeys(w.read("eaccounting", "customers")) {
		c := w.read("eaccounting", "customers")[rid]
		if e, ok := c["EmailAddress"].(string); ok && e != "" {
			email, id = e, rid
			break
		}
	}
	if email == "" {
		t.Fatal("the sandbox has no eAccounting customer with an e-mail address")
	}
	const phone = "08-123 45 67"
	w.write("eaccounting", "customers", id, map[string]any{"Telephone": phone, "MobilePhone": phone})
	w.withRows([]map[string]any{{"ref": "1", "email": email}}, map[string]string{"synthetic.hcl": `
flow "customers_from_rows" {
  source = file.rows.rows
  target = file.rows.numbers
  key    = "ref"
  ensure "customer" {
    flow  = flow.contacts_to_customers
    input = "{email: source.email, firstname: 'Renamed', lastname: 'Person', lifecyclestage: 'customer'}"
  }
  fields {
    ref = "source.ref"
  }
}
`})
	_, pl := w.plan("customers_from_rows")
	var found bool
	for ch := range pl.Flow("contacts_to_customers").Changes() {
		if ch.TargetID != id {
			continue
		}
		found = true
		for _, fc := range ch.Fields {
			if fc.Name == "Telephone" || fc.Name == "MobilePhone" {
				t.Errorf("customer %s: %s changes from %v to %v; want it left as stored (%s)", id, fc.Name, fc.Before, fc.After, phone)
			}
		}
	}
	if !found {
		t.Fatalf("no change of customer %s (%s); want an update of its name", id, email)
	}
}
