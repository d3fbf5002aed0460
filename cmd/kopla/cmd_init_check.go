package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
	"github.com/kopla-dev/kopla/engine"
)

// checkRequirements is init -check and the first half of init -create: it
// prints what the accounts have of what the libraries need and, for
// -create, creates the missing properties. ok is false when init must stop
// with code.
func (c *cli) checkRequirements(ctx context.Context, p *engine.Project, a *initArgs) (code int, ok bool) {
	st := style{c.color()}
	fmt.Fprintln(c.stdout, "Checking what the flow libraries need of the accounts...")
	statuses, err := p.CheckRequirements(ctx)
	if err != nil {
		dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot check the accounts", err), nil, c.color())
		return exitError, false
	}
	if len(statuses) == 0 {
		fmt.Fprintln(c.stdout, "\nThe project's libraries declare nothing they need of the accounts.")
		return exitOK, !a.check
	}
	lacking, creatable, fixByHand := 0, map[string][]connectors.PropertyStatus{}, 0
	for _, s := range statuses {
		fmt.Fprintf(c.stdout, "\n%s (%s):\n", st.bold(s.Connection), usesText(s.Uses))
		for _, ps := range s.Properties {
			d := ps.Def
			name := fmt.Sprintf("property %s.%s (%s)", d.Object, d.Name, propertyKind(d))
			switch {
			case !ps.Exists:
				fmt.Fprintf(c.stdout, "  %s %s: missing (would be created in group %s)\n", st.red("-"), name, ps.Group)
				creatable[s.Connection] = append(creatable[s.Connection], ps)
			case len(ps.Problems) > 0:
				fmt.Fprintf(c.stdout, "  %s %s: differs: %s. Change it in HubSpot (Settings > Properties), or archive it and run kopla init -create.\n", st.yellow("~"), name, strings.Join(ps.Problems, "; "))
				fixByHand++
			default:
				fmt.Fprintf(c.stdout, "  %s %s: present\n", st.green("+"), name)
			}
		}
		for _, rs := range s.Records {
			name := fmt.Sprintf("record %s %q (%s = %v)", rs.Object, rs.Name, rs.Field, rs.Value)
			if rs.Exists {
				fmt.Fprintf(c.stdout, "  %s %s: present\n", st.green("+"), name)
				continue
			}
			fmt.Fprintf(c.stdout, "  %s %s: missing. %s\n", st.red("-"), name, sentenceOf(rs.Description+" Create it in the account, or set the library variable that names it"))
			fixByHand++
		}
		lacking += s.Lacks()
	}
	fmt.Fprintln(c.stdout)
	if lacking == 0 {
		fmt.Fprintln(c.stdout, st.green("The accounts have everything the flow libraries need."))
		return exitOK, true
	}
	missing := lacking - fixByHand
	if a.check {
		fmt.Fprintf(c.stdout, "%s The accounts lack %s.", st.bold(st.red("Incomplete:")), countOf(lacking, "thing"))
		if missing > 0 {
			fmt.Fprintf(c.stdout, " Run kopla init -create to create the %s.", countOf(missing, "missing property"))
		}
		fmt.Fprintln(c.stdout)
		return exitError, false
	}
	if missing > 0 {
		fmt.Fprintln(c.stdout, "kopla will create these properties:")
		for _, key := range p.Connections() {
			for _, ps := range creatable[key] {
				fmt.Fprintf(c.stdout, "  %s %s %s.%s (%s) in group %s\n", st.green("+"), key, ps.Def.Object, ps.Def.Name, propertyKind(ps.Def), ps.Group)
			}
		}
		if !a.autoApprove && !c.confirm(ctx, "Do you want to create these properties?\n  kopla will create the properties listed above.") {
			fmt.Fprintln(c.stdout, "Cancelled: nothing was created.")
			return exitError, false
		}
		for _, key := range p.Connections() {
			list := creatable[key]
			if len(list) == 0 {
				continue
			}
			defs := make([]connectors.PropertyDef, len(list))
			for i, ps := range list {
				defs[i] = ps.Def
			}
			created, err := p.CreateProperties(ctx, key, defs)
			for _, ps := range created {
				fmt.Fprintf(c.stdout, "Created %s %s.%s in group %s.\n", key, ps.Def.Object, ps.Def.Name, ps.Group)
			}
			if err != nil {
				dsl.WriteDiagnostics(c.stdout, engine.ErrorDiagnostic("Cannot create properties of "+key, err), nil, c.color())
				return exitError, false
			}
		}
		fmt.Fprintln(c.stdout)
	}
	if fixByHand > 0 {
		fmt.Fprintf(c.stdout, "%s %s cannot be created by kopla: see above. Then run kopla init -check.\n\n", st.bold(st.red("Incomplete:")), countOf(fixByHand, "thing"))
		return exitError, false
	}
	return exitOK, true
}

func usesText(uses []string) string { return strings.Join(uses, "; ") }

func propertyKind(d connectors.PropertyDef) string {
	k := d.Type
	if d.Type == "enumeration" {
		k += " of " + strings.Join(d.Options, ", ")
	}
	if d.Unique {
		k += ", unique"
	}
	return k
}

func countOf(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(what, "y"))
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func sentenceOf(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
