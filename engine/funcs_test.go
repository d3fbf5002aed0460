package engine

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/engine/plan"
)

const lookupFlow = `
connection "memory" "crm" {}
connection "memory" "books" {}

variable "default_name" {
  default = "Unknown"
}

lookup "greeting" {
  default = "Hello"
  values  = { SE = "Hej", FI = "Moi" }
}

function "full_name" {
  params = ["first", "last"]
  expr   = "trim(first + ' ' + last)"
}

flow "customers" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "full_name(source.first ?? var.default_name, source.last ?? '')"
    Note  = <<-EXPR
      lookup('greeting', source.company) + ' ' +
        (find(memory.books.customers, 'Email', 'ref-' + source.email)?.Name ?? 'nobody')
    EXPR
  }
}
`

func TestFunctionsLookupsAndBatchedFind(t *testing.T) {
	h := newHarness(t, lookupFlow)
	var recs []connectors.Record
	for i, c := range []string{"SE", "FI", "DK", "SE"} {
		email := string(rune('a'+i)) + "@example.com"
		recs = append(recs, connectors.Record{ID: email, Fields: map[string]any{"email": email, "first": "F", "last": "L", "active": true, "company": c}})
		h.store.Put("books", "customers", connectors.Record{Fields: map[string]any{"Email": "ref-" + email, "Name": "Ref " + c}})
	}
	recs[3].Fields["first"] = nil
	h.store.Put("crm", "contacts", recs...)
	h.store.ResetCalls()

	pl := h.plan(PlanOptions{})
	got := map[string]map[string]any{}
	for _, ch := range changesOf(pl.Flow("customers")) {
		if ch.Action != plan.Create {
			t.Fatalf("change %+v; want create", ch)
		}
		got[ch.SourceKey] = map[string]any{}
		for _, fc := range ch.Fields {
			got[ch.SourceKey][fc.Name] = fc.After
		}
	}
	want := map[string][2]string{
		"a@example.com": {"F L", "Hej Ref SE"},
		"b@example.com": {"F L", "Moi Ref FI"},
		"c@example.com": {"F L", "Hello Ref DK"},
		"d@example.com": {"Unknown L", "Hej Ref SE"},
	}
	for k, w := range want {
		if got[k]["Name"] != w[0] || got[k]["Note"] != w[1] {
			t.Errorf("%s: Name %v, Note %v; want %q, %q", k, got[k]["Name"], got[k]["Note"], w[0], w[1])
		}
	}
	// One Find for the four find() calls, one for matching by key.
	if n := h.store.Calls("books", "customers", "find"); n != 2 {
		t.Errorf("find calls = %d; want 2 (batched)", n)
	}
}

func TestRuntimeErrorIsPerRecord(t *testing.T) {
	h := newHarness(t, strings.Replace(customersFlow, `"source.first + ' ' + source.last"`, `"lookup('nope', source.first)"`, 1))
	h.store.Put("crm", "contacts", contact("c1", "ada@example.com", "Ada", "Byron", true))
	pl := h.plan(PlanOptions{})
	chs := changesOf(pl.Flow("customers"))
	if len(chs) != 1 || chs[0].Action != plan.Error || chs[0].Field != "Name" || !strings.Contains(chs[0].Reason, `no lookup "nope"`) {
		t.Fatalf("changes = %+v; want one error on field Name naming the lookup", chs[0])
	}
}

func FuzzCompileExpression(f *testing.F) {
	for _, s := range []string{
		"source.email", "lower(trim(source.email)) + 'x'", "map(source.rows, #.q * 2)",
		"find(memory.books.customers, 'Email', source.email)?.id", "lookup('greeting', 1)",
		"round_money(number(source.first))", "source.first ?? var.x", "1 +", "((",
		"source.rows[0].q", "source['email']", "target?.Name", "len(source.rows)", "source.email.x",
		"is_eu(country_code(source.first))", "upper(source.first) in ['ADA']", "fail(source.email)",
	} {
		f.Add(s)
	}
	p := testEngine(f).mustProject(f)
	env := p.flowEnv(p.flows["customers"])
	f.Fuzz(func(t *testing.T, src string) {
		pr := &program{expr: exprOf(src)}
		if diags := p.compile(pr, env, p.flows["customers"]); diags.HasErrors() {
			for _, d := range diags {
				if d.Subject == nil {
					t.Fatalf("diagnostic without range for %q", src)
				}
			}
			return
		}
		// Running may fail but must not panic, and the program that runs
		// must do what the checked one does.
		for _, source := range []map[string]any{{}, {"email": "Ada@Example.com", "first": "Ada", "active": true, "rows": []any{map[string]any{"q": 2.0}}}} {
			env := map[string]any{"source": source, "var": map[string]any{}, "target": nil}
			for k, v := range p.funcs.base {
				env[k] = v
			}
			var ev evaluator
			want, wantErr := ev.vm.Run(pr.prog, env)
			got, gotErr := ev.run(pr, env)
			if diff := cmp.Diff(want, got, cmpopts.EquateNaNs()); diff != "" || msg(wantErr) != msg(gotErr) {
				t.Errorf("%q on %v = %v, %q; checked program: %v, %q", src, source, got, msg(gotErr), want, msg(wantErr))
			}
		}
	})
}

func TestLookupKeyAndFail(t *testing.T) {
	h := newHarness(t, strings.Replace(lookupFlow, `values  = { SE = "Hej", FI = "Moi" }`, `values  = { SE = "Hej", FI = ["Moi", "Hei"] }`, 1)+`
flow "reverse" {
  source = memory.crm.contacts
  target = memory.books.customers
  key    = "Email"
  fields {
    Email = "source.email"
    Name  = "lookup_key('greeting', source.first) ?? fail('no greeting ' + source.first)"
  }
}
`)
	h.store.Put("crm", "contacts",
		connectors.Record{ID: "a", Fields: map[string]any{"email": "a@example.com", "first": "Hei", "last": "L", "company": "FI"}},
		connectors.Record{ID: "b", Fields: map[string]any{"email": "b@example.com", "first": "Hallo", "last": "L", "company": "SE"}})
	var got []string
	for _, ch := range changesOf(h.plan(PlanOptions{Flows: []string{"reverse"}}).Flow("reverse")) {
		for _, fc := range ch.Fields {
			if fc.Name == "Name" {
				got = append(got, ch.SourceKey+"="+stringOf(fc.After))
			}
		}
		if ch.Action == plan.Error {
			got = append(got, ch.SourceKey+" error "+ch.Field+": "+ch.Reason)
		}
	}
	want := []string{"a=FI", "b error Name: field Name: no greeting Hallo"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q; want %q", got, want)
	}
}
