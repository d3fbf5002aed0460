package connectors

import "context"

// PropertyDef is a custom field that a flow library needs on an object of
// a connection (a HubSpot custom property). The host hands the library's
// declarations to the connector in Deps.Properties: Factory.Objects adds
// them to its schemas, so that validate knows them before kopla init has
// read the account.
type PropertyDef struct {
	Object string
	Name   string
	// Type is "string", "number", "bool", "date", "datetime" or
	// "enumeration" (with Options).
	Type        string
	Unique      bool
	Label       string
	Description string
	Options     []string
}

// PropertyStatus is what a live account has of a PropertyDef.
type PropertyStatus struct {
	Def PropertyDef
	// Exists is true when the account has a property of that name.
	Exists bool
	// Problems say how an existing property differs from the definition
	// ("type is number, not string", "values are not unique"); empty when
	// it matches.
	Problems []string
	// Group is the property group it is in, or would be created in.
	Group string
}

// Lacks reports whether the account lacks the property or has it
// differently.
func (s PropertyStatus) Lacks() bool { return !s.Exists || len(s.Problems) > 0 }

// PropertyManager is a connector that can compare property definitions
// with its live account and create the missing ones (kopla init -check and
// -create).
type PropertyManager interface {
	// CheckProperties returns the status of each definition, in order.
	CheckProperties(ctx context.Context, defs []PropertyDef) ([]PropertyStatus, error)
	// CreateProperties creates the given properties, each in the property
	// group its object's own properties are in, and returns their status.
	// A property that exists already is left as it is.
	CreateProperties(ctx context.Context, defs []PropertyDef) ([]PropertyStatus, error)
}
