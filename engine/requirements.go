package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/kopla-dev/kopla/connectors"
	"github.com/kopla-dev/kopla/dsl"
)

// requiredProperties are the custom fields the libraries declare for a
// project connection, as the connector takes them.
func (p *Project) requiredProperties(key string) []connectors.PropertyDef {
	for _, cr := range p.cfg.Requirements() {
		if cr.Connection == key {
			return propertyDefs(cr.Properties)
		}
	}
	return nil
}

func propertyDefs(props []*dsl.RequiredProperty) []connectors.PropertyDef {
	defs := make([]connectors.PropertyDef, len(props))
	for i, rp := range props {
		defs[i] = connectors.PropertyDef{Object: rp.Object, Name: rp.Name, Type: rp.Type, Unique: rp.Unique,
			Label: rp.Label, Description: rp.Description, Options: rp.Options}
	}
	return defs
}

// checkRequirements reports, at their declarations in the library, the
// required properties a connection's schemas do not have (its connector
// cannot add custom fields, or the object does not exist) and required
// records of objects it does not have.
func (p *Project) checkRequirements() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, cr := range p.cfg.Requirements() {
		c, ok := p.conns[cr.Connection]
		if !ok {
			continue // reported where the connection is declared
		}
		for _, rp := range cr.Properties {
			s, ok := c.schemas[rp.Object]
			if !ok {
				diags = append(diags, unknownObject(c, cr.Connection, rp.Object, rp.DeclRange))
				continue
			}
			if _, ok := s.Field(rp.Name); !ok {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Custom fields not supported",
					Detail:   fmt.Sprintf("The library needs a field %q on %s.%s, but a %s connection cannot declare custom fields. Require a record or a connection of another kind instead.", rp.Name, cr.Connection, rp.Object, c.decl.Kind),
					Subject:  rp.DeclRange.Ptr(),
				})
			}
		}
		for _, rr := range cr.Records {
			s, ok := c.schemas[rr.Object]
			if !ok {
				diags = append(diags, unknownObject(c, cr.Connection, rr.Object, rr.DeclRange))
				continue
			}
			if f, ok := s.Field(rr.Field); !ok && !s.Open {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Unknown field",
					Detail:   fmt.Sprintf("The object %s.%s has no field %q.%s", cr.Connection, rr.Object, rr.Field, suggestion(rr.Field, s.Names())),
					Subject:  rr.DeclRange.Ptr(),
				})
			} else if ok && !f.Key {
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Field cannot be a key",
					Detail:   fmt.Sprintf("Records of %s.%s cannot be found by %q, so kopla init cannot check this one: name a key-capable field.", cr.Connection, rr.Object, rr.Field),
					Subject:  rr.DeclRange.Ptr(),
				})
			}
		}
	}
	return diags
}

// undiscoveredProperties warns about the declared properties the accounts
// lacked when kopla init last read them (connectors.Field.Undiscovered):
// records read have no such field, so the flows would read it as empty.
// Each warning is at the declaration: a library's requires block, else the
// connection block.
func (p *Project) undiscoveredProperties() hcl.Diagnostics {
	declared := map[string]hcl.Range{} // "kind.name object property"
	for _, cr := range p.cfg.Requirements() {
		for _, rp := range cr.Properties {
			declared[cr.Connection+" "+rp.Object+" "+rp.Name] = rp.DeclRange
		}
	}
	var diags hcl.Diagnostics
	for _, key := range sortedKeys(p.conns) {
		c := p.conns[key]
		for _, object := range objectNames(c.schemas) {
			for _, f := range c.schemas[object].Fields {
				if !f.Undiscovered {
					continue
				}
				rng, ok := declared[key+" "+object+" "+f.Name]
				if !ok {
					rng = c.decl.DeclRange
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagWarning,
					Summary:  "Property missing in the account",
					Detail: fmt.Sprintf("The account of %s had no property %q on %s when kopla init last read it, so the flows read it as empty. "+
						"Create it (kopla init -create), or run kopla init again if it has been created since; kopla init -check lists what the account lacks.", key, f.Name, object),
					Subject: rng.Ptr(),
				})
			}
		}
	}
	return diags
}

func unknownObject(c *connection, key, object string, rng hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Unknown object",
		Detail:   fmt.Sprintf("Connection %s has no object %q.%s", key, object, suggestion(object, objectNames(c.schemas))),
		Subject:  rng.Ptr(),
	}
}

func suggestion(name string, known []string) string {
	if s := connectors.Suggest(name, known); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// RequirementsStatus is what one connection's live account has of what
// the libraries need.
type RequirementsStatus struct {
	Connection string
	// Uses name the libraries that need it and what they call it.
	Uses       []string
	Properties []connectors.PropertyStatus
	Records    []RecordStatus
	// CanCreate is true when the connector can create missing properties.
	CanCreate bool
}

// RecordStatus says whether a required record exists.
type RecordStatus struct {
	Object, Name, Field string
	Value               any
	Description         string
	Exists              bool
}

// Lacks counts what the account lacks.
func (s *RequirementsStatus) Lacks() int {
	n := 0
	for _, ps := range s.Properties {
		if ps.Lacks() {
			n++
		}
	}
	for _, rs := range s.Records {
		if !rs.Exists {
			n++
		}
	}
	return n
}

// ErrNoPropertyManager is returned for a connection that must have
// properties but whose connector cannot check them.
var ErrNoPropertyManager = errors.New("the connector cannot check custom properties")

// CheckRequirements compares what the libraries need with the live
// accounts: the properties of each connection (PropertyManager) and the
// records (found by their field).
func (p *Project) CheckRequirements(ctx context.Context) ([]*RequirementsStatus, error) {
	var out []*RequirementsStatus
	for _, cr := range p.cfg.Requirements() {
		st := &RequirementsStatus{Connection: cr.Connection, Uses: cr.Uses}
		conn, err := p.Connector(ctx, cr.Connection)
		if err != nil {
			return nil, err
		}
		if len(cr.Properties) > 0 {
			pm, ok := conn.(connectors.PropertyManager)
			if !ok {
				return nil, fmt.Errorf("connection %s: %w", cr.Connection, ErrNoPropertyManager)
			}
			st.CanCreate = true
			if st.Properties, err = pm.CheckProperties(ctx, propertyDefs(cr.Properties)); err != nil {
				return nil, fmt.Errorf("check properties of %s: %w", cr.Connection, err)
			}
		}
		for _, rr := range cr.Records {
			exists, err := recordExists(ctx, conn, rr)
			if err != nil {
				return nil, fmt.Errorf("look up %s %s of %s: %w", rr.Object, rr.Name, cr.Connection, err)
			}
			st.Records = append(st.Records, RecordStatus{Object: rr.Object, Name: rr.Name, Field: rr.Field, Value: rr.Value, Description: rr.Description, Exists: exists})
		}
		out = append(out, st)
	}
	return out, nil
}

func recordExists(ctx context.Context, conn connectors.Connector, rr *dsl.RequiredRecord) (bool, error) {
	obj, err := conn.Object(rr.Object)
	if err != nil {
		return false, err
	}
	f, ok := obj.(connectors.Finder)
	if !ok {
		return false, fmt.Errorf("records of %s cannot be looked up", rr.Object)
	}
	recs, err := f.Find(ctx, rr.Field, []any{rr.Value})
	if err != nil {
		return false, err
	}
	return len(recs) > 0, nil
}

// CreateProperties creates the properties a connection's account lacks (as
// CheckRequirements found them) and returns their status afterwards.
func (p *Project) CreateProperties(ctx context.Context, key string, missing []connectors.PropertyDef) ([]connectors.PropertyStatus, error) {
	conn, err := p.Connector(ctx, key)
	if err != nil {
		return nil, err
	}
	pm, ok := conn.(connectors.PropertyManager)
	if !ok {
		return nil, fmt.Errorf("connection %s: %w", key, ErrNoPropertyManager)
	}
	return pm.CreateProperties(ctx, missing)
}
