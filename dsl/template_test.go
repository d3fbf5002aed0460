package dsl

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadTemplates checks the merge of testdata/valid/templates.hcl: which
// values each flow gets, and that each keeps the line it was written on,
// in the flow or in a template.
func TestLoadTemplates(t *testing.T) {
	cfg, diags := loadFile(t, "testdata/valid/templates.hcl", Options{})
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	type flow struct {
		Source, Target, Key, Mode, Where string
		Include                          []string
		Templates                        []string
		Fields, CreateOnly, Ensures      []string
		Enabled                          bool
		DisabledReason                   string
	}
	at := func(what string, line int) string { return fmt.Sprintf("%s@%d", what, line) }
	got := map[string]flow{}
	for name, f := range cfg.Flows {
		fl := flow{
			Source:         at(f.Source.String(), f.Source.Range.Start.Line),
			Target:         at(f.Target.String(), f.Target.Range.Start.Line),
			Key:            at(f.Key, f.KeyRange.Start.Line),
			Mode:           at(string(f.Mode), f.ModeRange.Start.Line),
			Include:        f.Include,
			Templates:      f.Templates,
			Enabled:        f.Enabled,
			DisabledReason: f.DisabledReason,
		}
		if f.Where != nil {
			fl.Where = at(f.Where.Source, f.Where.Range.Start.Line)
		}
		for _, m := range f.Fields {
			fl.Fields = append(fl.Fields, at(m.Field+"="+m.Expr.Source, m.NameRange.Start.Line))
			if m.Expr.Range.Start.Line != m.NameRange.Start.Line {
				t.Errorf("%s.%s: expression on line %d, name on %d", name, m.Field, m.Expr.Range.Start.Line, m.NameRange.Start.Line)
			}
		}
		for _, m := range f.CreateOnly {
			fl.CreateOnly = append(fl.CreateOnly, at(m.Field+"="+m.Expr.Source, m.NameRange.Start.Line))
		}
		for _, e := range f.Ensures {
			kind := "input"
			if e.ForEach != nil {
				kind = "for_each"
			}
			fl.Ensures = append(fl.Ensures, at(e.Name+":"+kind, e.DeclRange.Start.Line))
		}
		got[name] = fl
	}
	documentFields := []string{
		`reference='HS-' + source.id@21`,
		`customer=ensured.customer.id@22`,
	}
	want := map[string]flow{
		"customers": {
			Source: "file.in.contacts@45", Target: "file.out.customers@46", Key: "email@47", Mode: "upsert@0",
			Fields: []string{
				"email=source.email@49", "active=true@50", "count=3@51", "ratio=1.5@52",
				`tags=["a", "open"]@53`, `shout="OPEN"@54`,
			},
			Enabled: true,
		},
		"orders": {
			Source: "file.in.orders@15", Target: "file.out.orders@60", Key: "reference@18", Mode: "create@19",
			Include: []string{"contacts"}, Templates: []string{"documents"},
			// The flow's note replaces the template's in place; status moves
			// to create_only; created moves from create_only to fields.
			Fields:         append(append([]string{}, documentFields...), `note='from the flow'@64`, `created=source.created@65`),
			CreateOnly:     []string{`status='new'@68`},
			Ensures:        []string{"customer:input@29"},
			DisabledReason: `enabled = var.order_target == "order" is false (order_target = "draft")`,
		},
		"drafts": {
			Source: "file.in.orders@15", Target: "file.out.drafts@74", Key: "reference@18", Mode: "upsert@76",
			Where: "source.paid@17", Include: []string{"contacts"}, Templates: []string{"documents"},
			Fields:     append(append([]string{}, documentFields...), "status=var.status@24"),
			CreateOnly: []string{"created=now()@27"},
			Ensures:    []string{"customer:for_each@80"},
			Enabled:    true,
		},
		"invoices": {
			Source: "file.in.orders@15", Target: "file.out.invoices@37", Key: "reference@18", Mode: "create@19",
			Where: "source.paid@17", Include: []string{"contacts"}, Templates: []string{"invoices", "documents"},
			Fields:         append(append([]string{}, documentFields...), "note=source.note@23", "status=var.status@24", "paid=true@40"),
			CreateOnly:     []string{"created=now()@27"},
			Ensures:        []string{"customer:input@29"},
			DisabledReason: `enabled = var.order_target == "invoice" is false (order_target = "draft")`,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("merged flows (-want +got):\n%s", diff)
	}
	if tpl := cfg.Templates["invoices"]; tpl == nil || !cmp.Equal(tpl.Extends, []string{"documents"}) {
		t.Errorf("template invoices = %+v", tpl)
	}
	if f := cfg.Flows["invoices"]; f.EnabledRange.Start.Line != 38 {
		t.Errorf("invoices enabled at line %d; want the template's line 38", f.EnabledRange.Start.Line)
	}
}

func TestExprLiteral(t *testing.T) {
	for _, tc := range []struct{ hcl, want string }{
		{`true`, `true`},
		{`-2`, `-2`},
		{`2.50`, `2.5`},
		{`1e3`, `1000`},
		{`"a\"b\n"`, `"a\"b\n"`},
		{`["x", 1, false]`, `["x", 1, false]`},
		{`{b = 1, a = "z"}`, `{"a": "z", "b": 1}`},
		{`null`, `nil`},
	} {
		src := "connection \"file\" \"in\" { dir = \"in\" }\nflow \"f\" {\n  source = file.in.a\n  target = file.in.b\n  key = \"k\"\n  fields {\n    k = \"source.k\"\n    x = [" + tc.hcl + "][0]\n  }\n}\n"
		dir := project(t, map[string]string{"main.hcl": src})
		cfg, diags := Load(dir, Options{LookupEnv: noEnv})
		if diags.HasErrors() {
			t.Fatalf("%s: %v", tc.hcl, diags)
		}
		if got := cfg.Flows["f"].Fields[1].Expr.Source; got != tc.want {
			t.Errorf("%s: Source = %s; want %s", tc.hcl, got, tc.want)
		}
	}
}
