package engine

import "github.com/kopla-dev/kopla/connectors"

// What the kopla command needs to present a project beyond planning and
// applying it.

// TargetFieldSensitive reports whether a field of a flow's target object is
// marked sensitive: the CLI shows its values, the key value included, as
// "(sensitive value)". Unknown flows and fields are not sensitive.
func (p *Project) TargetFieldSensitive(flow, field string) bool {
	f := p.flows[flow]
	if f == nil || f.target == nil {
		return false
	}
	fl, ok := f.target.schema.Field(field)
	return ok && fl.Sensitive
}

// ConnectionObjects returns the object names a connection offers, sorted,
// without the catch-all of connectors with open catalogues (kopla init
// reports them after discovery); nil for an unknown connection.
func (p *Project) ConnectionObjects(key string) []string {
	c := p.conns[key]
	if c == nil {
		return nil
	}
	var names []string
	for _, name := range sortedKeys(c.schemas) {
		if name != connectors.AnyObject {
			names = append(names, name)
		}
	}
	return names
}
