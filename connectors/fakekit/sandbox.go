package fakekit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Seeder is a fake that loads records from its JSON seed format (see each
// fake's Seed).
type Seeder interface {
	Seed(r io.Reader) error
}

// SeedValue seeds s with v encoded as JSON: the demo generator's and the
// tests' structs.
func SeedValue(s Seeder, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode seed: %w", err)
	}
	return s.Seed(bytes.NewReader(raw))
}

// Setting is one connection setting that points a connection at a fake.
type Setting struct {
	Name  string // setting name in the connection block: "token", "base_url"
	Value string // "" removes the setting (an oauth block a token replaces)
	// Sensitive settings belong in the environment, not in flow files.
	Sensitive bool
}

// Sandboxed is a fake that the sandbox (kopla sandbox, the scenario tests)
// serves in place of its service. Each fake implements it; the sandbox
// keeps one registry line per fake (sandbox/registry.go).
type Sandboxed interface {
	http.Handler
	Seeder
	// Kind is the connector kind the fake stands in for ("hubspot").
	Kind() string
	// Connection returns the settings that point a connection of the kind
	// at the fake served at base (http://host:port, no trailing slash).
	// They replace the connection's settings of the same names; every
	// other setting is kept.
	Connection(base string) []Setting
	// EnvPrefixes are the prefixes of the environment variables the
	// kind's connection blocks read with env() by convention ("HUBSPOT_"):
	// unset ones read as a placeholder in the sandbox.
	EnvPrefixes() []string
}
