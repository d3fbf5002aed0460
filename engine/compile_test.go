package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kopla-dev/kopla/dsl"
)

// TestFastProgramsMatchChecked runs expressions both as checked and as
// they run (compiled with typed function forms and member reads without
// reflection, or evaluated without the VM): values and errors must be the
// same.
func TestFastProgramsMatchChecked(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(lookupFlow), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := dsl.Load(dir, dsl.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := testEngine(t).Compile(cfg)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	f := p.flows["customers"]
	cache := newFindCache(p)
	cache.stubbed = true
	cache.results[findKey{"memory.books.customers", "Email", "ref-a@example.com"}] = findResult{fields: map[string]any{"Name": "Ref"}}

	sources := map[string]map[string]any{
		"full":   {"email": "a@example.com", "first": " Ada ", "last": "Byron", "active": true, "company": "SE"},
		"sparse": {"email": nil, "first": 12.5, "company": "xx"},
		// Not a value connectors give, but the VM reads through pointers.
		"pointer": {"email": new(string), "first": int(3), "last": []string{"x"}},
	}
	targets := map[string]map[string]any{
		"none": nil,
		"some": {"Email": "a@example.com", "Name": "Ada", "Id": "7"},
	}
	exprs := []string{
		"source.email",
		"source['email']",
		"source.first",
		"source.active",
		"lower(trim(source.email))",
		"upper(source.first)",
		"source.first + ' ' + source.last",
		"(source.first ?? '') + '!'",
		"full_name(source.first ?? var.default_name, source.last ?? '')",
		"lookup('greeting', source.company)",
		"lookup('nope', source.company)",
		"lookup_key('greeting', 'Hej')",
		"country_code(source.company)",
		"is_eu(source.company)",
		"round_money(source.first)",
		"round_money(source.first, 1)",
		"round_money(source.first, 9)",
		"number(source.first)",
		"iso_date('2026-03-01T10:00:00Z')",
		"add_days('2026-02-27', 3)",
		"net_price(125, 25) + gross_price(100, 12)",
		"street_name('Storgatan 12 B') + '/' + street_number('Storgatan 12 B')",
		"first_name(source.first) ?? last_name(source.last)",
		"target.Name",
		"target?.Name",
		"target?.Id ?? 'new'",
		"target == nil ? 'create' : 'update'",
		"find(memory.books.customers, 'Email', 'ref-' + source.email)?.Name",
		"memory.books.customers",
		"fail('stop ' + source.email)",
		"source.email.x",
		"len(source.email ?? '') > 3 ? upper(source.email) : nil",
		"map(['a', 'b'], upper(#))",
		"filter([{'n': 1}, {'n': 2}], .n > 1)[0].n",
		"[source.company, source.email]",
		"{'a': source.email}.a",
		"ensured",
	}
	for _, src := range exprs {
		pr := &program{expr: exprOf(src)}
		if diags := p.compile(pr, p.flowEnv(f), f); diags.HasErrors() {
			t.Errorf("%s: %v", src, diags)
			continue
		}
		if pr.fast == nil {
			t.Errorf("%s: no fast program", src)
			continue
		}
		for sname, source := range sources {
			for tname, target := range targets {
				env := map[string]any{}
				for k, v := range p.funcs.base {
					env[k] = v
				}
				env[envSource] = source
				env[envTarget] = nil
				if target != nil {
					env[envTarget] = target
				}
				env[envFinds] = cache
				var ev evaluator
				want, wantErr := ev.vm.Run(pr.prog, env)
				got, gotErr := ev.run(pr, env)
				if strings.Contains(msg(wantErr), "find is not available here") {
					// The checked program has no run whose find() cache it
					// could use: the fast one must give the stub's answer,
					// or say that there is none.
					if sname == "full" && (got != "Ref" || gotErr != nil) {
						t.Errorf("%s (source %s, target %s) = %v, %v; want the stub's Ref", src, sname, tname, got, gotErr)
					}
					if sname != "full" && !strings.Contains(msg(gotErr), "has no stub") {
						t.Errorf("%s (source %s, target %s) = %v, %v; want no stub", src, sname, tname, got, gotErr)
					}
					continue
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s (source %s, target %s): value differs (-checked +fast):\n%s", src, sname, tname, diff)
				}
				if msg(wantErr) != msg(gotErr) {
					t.Errorf("%s (source %s, target %s): error %q; checked program: %q", src, sname, tname, msg(gotErr), msg(wantErr))
				}
			}
		}
	}
}

// TestFastFunctionBodiesMatchChecked runs the bodies of function blocks
// both ways.
func TestFastFunctionBodiesMatchChecked(t *testing.T) {
	dir := t.TempDir()
	src := lookupFlow + `
function "shout" {
  params = ["who", "rec"]
  expr   = "upper(trim(who)) + '!' + (rec?.name ?? '') + lookup('greeting', rec.country ?? 'x')"
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := dsl.Load(dir, dsl.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, diags := testEngine(t).Compile(cfg)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for name, uf := range p.funcs.user {
		if uf.prog.fast == nil {
			t.Errorf("function %s: no fast program", name)
			continue
		}
		for _, args := range [][]any{
			{" ada ", map[string]any{"name": "A", "country": "SE"}},
			{nil, nil},
			{12.5, map[string]any{}},
		} {
			env := map[string]any{}
			for k, v := range p.funcs.base {
				env[k] = v
			}
			for i, param := range uf.decl.Params {
				env[param] = args[i]
			}
			var ev evaluator
			want, wantErr := ev.vm.Run(uf.prog.prog, env)
			got, gotErr := ev.vm.Run(uf.prog.fast, env)
			if diff := cmp.Diff(want, got); diff != "" || msg(wantErr) != msg(gotErr) {
				t.Errorf("%s%v = %v, %q; checked program: %v, %q", name, args, got, msg(gotErr), want, msg(wantErr))
			}
		}
	}
}

// msg is an error as a record's change shows it.
func msg(err error) string {
	if err == nil {
		return ""
	}
	if errors.Is(err, errNeedFetch) {
		return "need fetch"
	}
	return (&recordError{field: "f", err: err}).Error()
}
