package connectors

import (
	"fmt"
	"sort"
)

// Registry holds the connector kinds a program knows. It is a value built by
// the program (cmd/kopla) and handed to the engine: there is no global one.
type Registry struct {
	kinds map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{kinds: map[string]Factory{}}
}

// Register adds a connector kind.
func (r *Registry) Register(f Factory) error {
	if f.Kind == "" || f.New == nil || f.Objects == nil {
		return fmt.Errorf("connectors: register %q: kind, Objects and New are required", f.Kind)
	}
	if _, dup := r.kinds[f.Kind]; dup {
		return fmt.Errorf("connectors: kind %q registered twice", f.Kind)
	}
	r.kinds[f.Kind] = f
	return nil
}

// Lookup returns the factory of a kind.
func (r *Registry) Lookup(kind string) (Factory, bool) {
	f, ok := r.kinds[kind]
	return f, ok
}

// Kinds returns the registered kinds, sorted.
func (r *Registry) Kinds() []string {
	kinds := make([]string, 0, len(r.kinds))
	for k := range r.kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	return kinds
}
