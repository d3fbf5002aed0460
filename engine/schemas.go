package engine

import (
	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// ConnectionSchema is what one connection block offers: its objects with
// their schemas, as the connector describes them offline (its static
// catalogue and what kopla init cached). kopla schema shows it.
type ConnectionSchema struct {
	Key  string // kind.name
	Kind string
	// Objects are sorted by name. An object named connectors.AnyObject
	// stands for every object name the connection has not listed (a file
	// that does not exist yet).
	Objects []ObjectSchema
}

// ObjectSchema is one object of a connection.
type ObjectSchema struct {
	Name   string
	Schema connectors.Schema
}

// Schemas resolves the connection blocks of cfg, and nothing else, into
// their schemas. Flows are not compiled, so that a project whose flows do
// not validate yet can still be asked what its connections offer. It
// touches no network. The diagnostics are those of the connection blocks;
// a connection that has errors is left out.
func (e *Engine) Schemas(cfg *dsl.Config) ([]ConnectionSchema, hcl.Diagnostics) {
	p := &Project{engine: e, cfg: cfg, conns: map[string]*connection{}, flows: map[string]*flow{}}
	diags := p.compileConnections()
	out := make([]ConnectionSchema, 0, len(p.conns))
	for _, key := range sortedKeys(p.conns) {
		c := p.conns[key]
		cs := ConnectionSchema{Key: key, Kind: c.decl.Kind}
		for _, name := range sortedKeys(c.schemas) {
			cs.Objects = append(cs.Objects, ObjectSchema{Name: name, Schema: c.schemas[name]})
		}
		out = append(out, cs)
	}
	return out, diags
}
