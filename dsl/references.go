package dsl

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// checkFlowReferences checks what flows refer to across blocks: the
// connections of their source and target, the flows of their ensure blocks,
// and cycles between flows through ensure.
func (l *loader) checkFlowReferences() {
	conns := slices.Sorted(maps.Keys(l.cfg.Connections))
	flows := slices.Sorted(maps.Keys(l.cfg.Flows))
	// Templates are checked as written too, so that an unused one is.
	objects := map[string][]ObjectRef{}
	if l.decls != nil {
		for _, t := range l.decls.templates {
			objects["template."+t.name] = []ObjectRef{t.flow.Source, t.flow.Target}
		}
	}
	for _, name := range flows {
		f := l.cfg.Flows[name]
		objects["flow."+name] = []ObjectRef{f.Source, f.Target}
		l.checkEnsureEnabled(f)
	}
	for _, name := range slices.Sorted(maps.Keys(objects)) {
		for _, ref := range objects[name] {
			if ref.Kind == "" {
				continue
			}
			if _, ok := l.cfg.Connections[ref.ConnectionKey()]; ok {
				continue
			}
			hint := "Declare it"
			if s := suggestConnection(ref.ConnectionKey(), conns); s != "" {
				hint = fmt.Sprintf("Did you mean %s? Otherwise declare it", s)
			}
			l.diags = append(l.diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Unknown connection",
				Detail:   fmt.Sprintf("There is no connection %q %q. %s with a connection %q %q { ... } block.", ref.Kind, ref.Connection, hint, ref.Kind, ref.Connection),
				Subject:  ref.Range.Ptr(),
			})
		}
	}
	for _, name := range flows {
		f := l.cfg.Flows[name]
		for _, e := range f.Ensures {
			if e.Flow == "" {
				continue
			}
			if _, ok := l.cfg.Flows[e.Flow]; !ok {
				l.diags = append(l.diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown flow",
					Detail:   fmt.Sprintf("There is no flow named %q.%s Name a flow declared with a flow block.", e.Flow, didYouMean(e.Flow, flows, nil)),
					Subject:  e.FlowRange.Ptr(),
				})
			}
		}
	}
	l.diags = append(l.diags, ensureCycles(l.cfg.Flows, flows)...)
}

// suggestConnection suggests a declared connection for kind.name, matching
// the whole key first, then the name within the kind.
func suggestConnection(key string, known []string) string {
	if s := suggest(key, known); s != "" {
		return s
	}
	kind, name, _ := strings.Cut(key, ".")
	var names []string
	for _, k := range known {
		if kk, n, _ := strings.Cut(k, "."); kk == kind {
			names = append(names, n)
		}
	}
	if s := suggest(name, names); s != "" {
		return kind + "." + s
	}
	return ""
}

// ensureCycles reports each cycle of the graph of flows through ensure once,
// at the ensure that closes it, with the path of the cycle.
func ensureCycles(flows map[string]*Flow, names []string) hcl.Diagnostics {
	const (
		unseen = iota
		active
		done
	)
	var diags hcl.Diagnostics
	state := map[string]int{}
	var stack []string
	reported := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		state[name] = active
		stack = append(stack, name)
		for _, e := range flows[name].Ensures {
			next := e.Flow
			if _, ok := flows[next]; !ok {
				continue
			}
			switch state[next] {
			case unseen:
				visit(next)
			case active:
				i := slices.Index(stack, next)
				cycle := append(slices.Clone(stack[i:]), next)
				key := canonicalCycle(cycle[:len(cycle)-1])
				if reported[key] {
					continue
				}
				reported[key] = true
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Cycle between flows",
					Detail:   fmt.Sprintf("The flows ensure each other in a cycle: %s. A flow cannot wait for itself: remove one of these ensure blocks.", strings.Join(cycle, " -> ")),
					Subject:  e.FlowRange.Ptr(),
				})
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for _, name := range names {
		if state[name] == unseen {
			visit(name)
		}
	}
	return diags
}

// canonicalCycle names a cycle independently of where it is entered.
func canonicalCycle(nodes []string) string {
	least := 0
	for i, n := range nodes {
		if n < nodes[least] {
			least = i
		}
	}
	rotated := append(slices.Clone(nodes[least:]), nodes[:least]...)
	return strings.Join(rotated, "\x00")
}

// checkEnsureEnabled reports an enabled flow that ensures records through a
// disabled one: the records would silently never be ensured.
func (l *loader) checkEnsureEnabled(f *Flow) {
	if !f.Enabled {
		return
	}
	for _, e := range f.Ensures {
		dep, ok := l.cfg.Flows[e.Flow]
		if !ok || dep.Enabled {
			continue
		}
		l.diags = append(l.diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Ensure of a disabled flow",
			Detail: fmt.Sprintf("The flow %q is enabled and ensures records through the flow %q, which is disabled: %s. "+
				"Enable %q whenever %q is (change the variables or its enabled), disable %q too, or remove this ensure block.",
				f.Name, dep.Name, dep.DisabledReason, dep.Name, f.Name, f.Name),
			Subject: e.FlowRange.Ptr(),
		})
	}
}
